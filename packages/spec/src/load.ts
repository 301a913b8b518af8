/**
 * Reads the spec tree: `environments/<env>/environment.yaml` and `environments/<env>/models/*.yaml`.
 * Every file is parsed, scanned for credentials and shape-checked; all problems are collected.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { compareStrings, type Diagnostic } from './diagnostics.ts';
import { findInlineCredentials } from './credentials.ts';
import { EnvironmentSchema, EnvironmentSpec, type Environment, type GpuPool } from './schema/environment.ts';
import { ModelSchema, type Model } from './schema/model.ts';
import { PipelineSchema, type Pipeline } from './schema/pipeline.ts';
import { SourceFile, type CheckedContent } from './source-file.ts';
import { isValid, validateShape } from './validate-shape.ts';

type SpecSchema = typeof EnvironmentSchema | typeof ModelSchema | typeof PipelineSchema;

export const ENVIRONMENTS_DIR = 'environments';
export const ENVIRONMENT_FILE = 'environment.yaml';
export const MODELS_DIR = 'models';
export const PIPELINES_DIR = 'pipelines';

/** A spec file whose data passed the schema (defaults filled in), with its source for positions. */
export interface Loaded<T> {
  readonly file: SourceFile;
  readonly value: T;
}

export interface LoadedEnvironment {
  /** Folder name under environments/. */
  readonly name: string;
  readonly environment?: Loaded<Environment>;
  /**
   * When environment.yaml has errors elsewhere, the parts of it that are valid on their own, so
   * that the models can still be checked against them and every error is reported in one run.
   */
  readonly partial?: PartialEnvironment;
  readonly models: Loaded<Model>[];
  readonly pipelines: Loaded<Pipeline>[];
}

export interface PartialEnvironment {
  readonly file: SourceFile;
  readonly gpuPools?: Record<string, GpuPool>;
  readonly sfs?: boolean;
}

export interface LoadResult {
  readonly environments: LoadedEnvironment[];
  readonly diagnostics: Diagnostic[];
  /** Every file read, by display path: for printing source lines under diagnostics. */
  readonly sources: Map<string, SourceFile>;
}

export interface LoadOptions {
  /** Repository root: the folder that holds environments/. */
  readonly root: string;
  /** Only these environments (all when absent). */
  readonly only?: readonly string[];
  /** Base for the paths shown in diagnostics; defaults to the process's working directory. */
  readonly displayBase?: string;
  /**
   * Contents to use instead of what is on disk, by absolute path: to check an edit before writing
   * it. A path that does not exist yet is read as a new spec file of its folder.
   */
  readonly overrides?: ReadonlyMap<string, Uint8Array>;
  /** Results of earlier runs: a file whose exact bytes passed every per-file check is not parsed again. */
  readonly cache?: SpecCache;
}

/**
 * What passed the per-file checks (parse, credentials scan, schema), by environment and by a key
 * that is the file's kind and a hash of its bytes. The store must be tied to the code that
 * checked it (see `rendererFingerprint`).
 */
export interface SpecCache {
  get(environment: string, key: string): CheckedContent | undefined;
  set(environment: string, key: string, checked: CheckedContent): void;
}

/** Names of the environment folders, sorted; empty when there is no environments/ folder. */
export function listEnvironments(root: string): string[] {
  const dir = join(root, ENVIRONMENTS_DIR);
  if (!isDirectory(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort(compareStrings);
}

export function loadSpecs(options: LoadOptions): LoadResult {
  const displayBase = options.displayBase ?? process.cwd();
  const show = (absolute: string) => relative(displayBase, absolute).split(sep).join('/') || '.';
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, SourceFile>();
  const names = listEnvironments(options.root).filter((n) => !options.only || options.only.includes(n));
  const environmentsDir = join(options.root, ENVIRONMENTS_DIR);
  if (names.length === 0 && !options.only) {
    diagnostics.push({
      severity: 'error',
      code: 'no-environments',
      file: show(environmentsDir),
      line: 1,
      col: 1,
      length: 1,
      message: `no environments found under ${show(environmentsDir)}/`,
      hint: `create ${show(environmentsDir)}/<name>/${ENVIRONMENT_FILE} (see docs/spec-reference.md)`,
    });
  }

  const readSpec = <T>(environment: string, absolute: string, schema: SpecSchema): Loaded<T> | undefined => {
    let bytes: Uint8Array;
    try {
      bytes = options.overrides?.get(absolute) ?? readFileSync(absolute);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      diagnostics.push({ severity: 'error', code: 'unreadable-file', file: show(absolute), line: 1, col: 1, length: 1, message: `cannot read the file (${reason})`, hint: 'check its permissions' });
      return undefined;
    }
    const cache = options.cache;
    const key = cache ? `${schema.properties.kind.const}:${createHash('sha256').update(bytes).digest('hex')}` : '';
    const checked = cache?.get(environment, key);
    if (checked) {
      const file = SourceFile.restore(show(absolute), bytes, checked);
      sources.set(file.path, file);
      return { file, value: file.data as T };
    }
    const file = SourceFile.parse(show(absolute), bytes);
    sources.set(file.path, file);
    if (file.parseDiagnostics.length > 0) {
      diagnostics.push(...file.parseDiagnostics);
      return undefined;
    }
    // Kept before the schema fills in defaults: `SourceFile.has` answers from it on a restore.
    const written = cache ? (JSON.parse(JSON.stringify(file.data)) as unknown) : undefined;
    const secrets = findInlineCredentials(file);
    const secretLines = new Set(secrets.map((d) => d.line));
    const shape = validateShape(file, schema).filter((d) => !(d.code === 'unknown-key' && secretLines.has(d.line)));
    diagnostics.push(...secrets, ...shape);
    if (secrets.length > 0 || shape.length > 0) return undefined;
    cache?.set(environment, key, { written, data: file.data });
    return { file, value: file.data as T };
  };

  const environments = names.map((name): LoadedEnvironment => {
    const dir = join(environmentsDir, name);
    const envPath = join(dir, ENVIRONMENT_FILE);
    let environment: Loaded<Environment> | undefined;
    let partial: PartialEnvironment | undefined;
    const misnamed = ['environment.yml', 'Environment.yaml', 'env.yaml'].find((n) => isFile(join(dir, n)));
    if (isFile(envPath)) {
      environment = readSpec<Environment>(name, envPath, EnvironmentSchema);
      const file = sources.get(show(envPath));
      if (!environment && file) partial = partialEnvironment(file);
    } else {
      diagnostics.push({
        severity: 'error',
        code: 'missing-environment',
        file: show(envPath),
        line: 1,
        col: 1,
        length: 1,
        message: `environment "${name}" has no ${ENVIRONMENT_FILE}`,
        hint: misnamed ? `rename ${show(join(dir, misnamed))} to ${ENVIRONMENT_FILE}` : `create ${show(envPath)} (see docs/spec-reference.md), or remove the folder`,
      });
    }
    const models: Loaded<Model>[] = [];
    const withNew = (folder: string) => [...new Set([...specFiles(folder), ...[...(options.overrides?.keys() ?? [])].filter((p) => dirname(p) === folder)])].sort(compareStrings);
    for (const path of withNew(join(dir, MODELS_DIR))) {
      const model = readSpec<Model>(name, path, ModelSchema);
      if (model) models.push(model);
    }
    const pipelines: Loaded<Pipeline>[] = [];
    for (const path of withNew(join(dir, PIPELINES_DIR))) {
      const pipeline = readSpec<Pipeline>(name, path, PipelineSchema);
      if (pipeline) pipelines.push(pipeline);
    }
    for (const stray of strayFiles(dir)) {
      diagnostics.push({
        severity: 'warning',
        code: 'stray-file',
        file: show(stray),
        line: 1,
        col: 1,
        length: 1,
        message: 'this file is not read',
        hint: `specs go in ${ENVIRONMENT_FILE}, ${MODELS_DIR}/*.yaml and ${PIPELINES_DIR}/*.yaml`,
      });
    }
    return { name, ...(environment ? { environment } : {}), ...(partial ? { partial } : {}), models, pipelines };
  });

  return { environments, diagnostics, sources };
}

/** `*.yaml` / `*.yml` files of a folder, sorted by name (never in file-system order). */
function specFiles(dir: string): string[] {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
    .map((d) => d.name)
    .sort(compareStrings)
    .map((n) => join(dir, n));
}

/** YAML files of an environment folder that are in no place specs are read from. */
function strayFiles(dir: string): string[] {
  const known = new Set([ENVIRONMENT_FILE, MODELS_DIR, PIPELINES_DIR]);
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name))) {
    if (known.has(entry.name) || entry.name.startsWith('.')) continue;
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(join(dir, entry.name));
  }
  return found;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `spec.gpuPools` on its own (ajv ignores a `default` at a schema's root, so it is left out). */
const { default: _default, ...GPU_POOLS_SCHEMA } = EnvironmentSpec.properties.gpuPools;

/** The sections of an invalid environment.yaml that are valid by themselves. */
function partialEnvironment(file: SourceFile): PartialEnvironment | undefined {
  const spec = (file.data as { spec?: Record<string, unknown> } | undefined)?.spec;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const gpuPools = spec.gpuPools === undefined ? {} : spec.gpuPools;
  return {
    file,
    ...(isValid(GPU_POOLS_SCHEMA, gpuPools) ? { gpuPools: gpuPools as Record<string, GpuPool> } : {}),
    sfs: spec.sfs !== undefined,
  };
}
