/**
 * Reads the spec tree: `environments/<env>/environment.yaml` and `environments/<env>/models/*.yaml`.
 * Every file is parsed, scanned for credentials and shape-checked; all problems are collected.
 */
import { createHash } from 'node:crypto';
import { join, relative, sep } from 'node:path';
import { compareStrings, type Diagnostic } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { findInlineCredentials } from './credentials.ts';
import { EnvironmentSchema, EnvironmentSpec, type Environment, type GpuPool } from '@tritonops/spec';
import { ModelSchema, type Model } from '@tritonops/spec';
import { PipelineSchema, type Pipeline } from '@tritonops/spec';
import { FsProblem, osErrorText, RepositoryFs, type EntryKind, type FolderEntry } from './repository-fs.ts';
import { DNS_LABEL_PATTERN } from '@tritonops/spec';
import { MAX_FILE_BYTES, SourceFile, type CheckedContent } from './source-file.ts';
import { isValid, validateShape } from './validate-shape.ts';
import { readSopsSecret, SECRETS_DIR, type SopsSecretFile } from './sops-secrets.ts';

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
  /** The SOPS-encrypted Secrets of `secrets/` that passed their per-file checks (see sops-secrets.ts). */
  readonly secretFiles?: SopsSecretFile[];
  /** Names of the files under `secrets/` (by Secret name), valid or not: what the declarations are checked against. */
  readonly secretFileNames?: string[];
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

/**
 * Where spec files come from: the working tree (confined to the repository, see repository-fs.ts)
 * or a Git commit. Paths are repository-relative with forward slashes.
 */
export interface SpecSource {
  /** The entries of folder `rel`, sorted; undefined when it does not exist. Throws FsProblem. */
  list(rel: string): FolderEntry[] | undefined;
  /**
   * The bytes of regular file `rel`, refused past `maxBytes` before reading, and (`singleName`)
   * refused when the file has other names. Throws FsProblem.
   */
  read(rel: string, maxBytes: number, options?: { singleName?: boolean }): Uint8Array;
}

export interface LoadOptions {
  /** Repository root: the folder that holds environments/ (absolute). */
  readonly root: string;
  /** Where to read the specs; the working tree at `root` when absent. */
  readonly source?: SpecSource;
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
  /**
   * The committed versions of spec files, for the promotion gate's "has run" rule; without it
   * only the source environment's current specs count.
   */
  readonly history?: ReleaseHistory;
  /**
   * The base branch's specs and history: the promotion gate compares with the source environment
   * as the base has it (see check/promotion-gate.ts); without it, as this run loads it.
   */
  readonly gateBase?: GateBase;
}

/** The source environment as the base branch has it: what the gate compares with on a pull request. */
export interface GateBase {
  /** The specs at the base commit. */
  readonly source: SpecSource;
  /** The committed versions of spec files up to the base commit, for "has run". */
  readonly history: ReleaseHistory;
  /** How to name the base to people, e.g. `merge-base with origin/main (1a2b3c4d5e6f)`. */
  readonly label: string;
}

/**
 * Earlier versions of spec files, as the caller's version control keeps them (the CLI reads them
 * from Git). The planner only asks: it runs no process and reads no repository history itself.
 */
export interface ReleaseHistory {
  /** Every committed version of the file `rel` (repository-relative), newest first; none when it has no history. */
  versions(rel: string): string[];
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

/** An environment folder's name must be a valid environment name: it becomes paths, labels and commands. */
const ENVIRONMENT_FOLDER = new RegExp(DNS_LABEL_PATTERN);

/**
 * Names of the environment folders, sorted; empty when there is no environments/ folder. Links,
 * files and folders whose name is no environment name are left out (`loadSpecs` reports them).
 */
export function listEnvironments(root: string | SpecSource): string[] {
  const source = typeof root === 'string' ? new RepositoryFs(root) : root;
  let entries: FolderEntry[] | undefined;
  try {
    entries = source.list(ENVIRONMENTS_DIR);
  } catch {
    return [];
  }
  return (entries ?? []).filter((e) => e.kind === 'folder' && !e.name.startsWith('.') && ENVIRONMENT_FOLDER.test(e.name)).map((e) => e.name);
}

/** Spec files are `*.yaml` (or `*.yml`); names that look meant as specs but would not be read. */
const SPEC_FILE = /\.ya?ml$/;

/** The file names a spec named `name` may have, the preferred one first. */
export function specFileNames(name: string): [string, string] {
  return [`${name}.yaml`, `${name}.yml`];
}

/** The spec name of a spec file's name (`whisper.yaml` → `whisper`), or undefined for other files. */
export function specNameOf(fileName: string): string | undefined {
  return SPEC_FILE.test(fileName) ? fileName.replace(SPEC_FILE, '') : undefined;
}
const MISNAMED_SPEC = /\.(ya?ml|json)$/i;

export function loadSpecs(options: LoadOptions): LoadResult {
  const displayBase = options.displayBase ?? process.cwd();
  const show = (rel: string) =>
    relative(displayBase, join(options.root, ...rel.split('/')))
      .split(sep)
      .join('/') || '.';
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, SourceFile>();
  let source: SpecSource;
  try {
    source = options.source ?? new RepositoryFs(options.root);
  } catch (error) {
    diagnostics.push(fileProblem(show(ENVIRONMENTS_DIR), error));
    return { environments: [], diagnostics, sources };
  }
  const overrides = new Map<string, Uint8Array>();
  for (const [path, bytes] of options.overrides ?? []) overrides.set(relative(options.root, path).split(sep).join('/'), bytes);

  /** Entries of a folder; a problem with the folder itself becomes a diagnostic and an empty list. */
  const list = (rel: string): FolderEntry[] => {
    try {
      return source.list(rel) ?? [];
    } catch (error) {
      diagnostics.push(fileProblem(show(rel), error));
      return [];
    }
  };

  const environmentEntries = list(ENVIRONMENTS_DIR);
  const names: string[] = [];
  for (const entry of environmentEntries) {
    if (entry.name.startsWith('.')) continue;
    const rel = `${ENVIRONMENTS_DIR}/${entry.name}`;
    if (entry.kind !== 'folder') {
      if (entry.kind !== 'file') diagnostics.push(entryProblem(show(rel), entry.kind, 'folder'));
      continue;
    }
    if (!ENVIRONMENT_FOLDER.test(entry.name)) {
      diagnostics.push({
        ...located(show(rel), 'invalid-environment-folder', `"${entry.name}" is not a valid environment name, so this folder is not read`),
        hint: 'name environment folders like environments: lowercase letters, digits and "-", starting with a letter (the name becomes paths, labels and commands)',
      });
      continue;
    }
    if (!options.only || options.only.includes(entry.name)) names.push(entry.name);
  }
  if (names.length === 0 && !options.only && !diagnostics.some((d) => d.file === show(ENVIRONMENTS_DIR))) {
    diagnostics.push({
      ...located(show(ENVIRONMENTS_DIR), 'no-environments', `no environments found under ${show(ENVIRONMENTS_DIR)}/`),
      hint: `create ${show(ENVIRONMENTS_DIR)}/<name>/${ENVIRONMENT_FILE} (see docs/spec-reference.md)`,
    });
  }

  const readSpec = <T>(environment: string, rel: string, schema: SpecSchema): Loaded<T> | undefined => {
    let bytes: Uint8Array;
    const shown = show(rel);
    try {
      // A spec's lines may be printed in code frames: never a file that is also somewhere else.
      bytes = overrides.get(rel) ?? source.read(rel, MAX_FILE_BYTES, { singleName: true });
    } catch (error) {
      if (error instanceof FsProblem && error.kind === 'too-large') {
        diagnostics.push(fileTooLarge(shown, Number(error.detail)));
      } else {
        diagnostics.push(fileProblem(shown, error));
      }
      return undefined;
    }
    const cache = options.cache;
    const key = cache ? `${schema.properties.kind.const}:${createHash('sha256').update(bytes).digest('hex')}` : '';
    const checked = cache?.get(environment, key);
    if (checked) {
      const file = SourceFile.restore(shown, bytes, checked);
      sources.set(file.path, file);
      return { file, value: file.data as T };
    }
    const file = SourceFile.parse(shown, bytes);
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
    if (secrets.some((d) => d.severity === 'error') || shape.length > 0) return undefined;
    cache?.set(environment, key, { written, data: file.data });
    return { file, value: file.data as T };
  };

  /** The spec files of `folder`, plus new ones given as overrides; other entries are reported. */
  const specFiles = (folder: string, what: string): string[] => {
    const found = new Set<string>();
    for (const entry of list(folder)) {
      if (entry.name.startsWith('.')) continue; // hidden files (editors, tritonops' own temporaries)
      const rel = `${folder}/${entry.name}`;
      if (SPEC_FILE.test(entry.name)) {
        if (entry.kind === 'file') found.add(rel);
        else diagnostics.push(entryProblem(show(rel), entry.kind, 'file'));
      } else if (MISNAMED_SPEC.test(entry.name)) {
        const stem = entry.name.replace(MISNAMED_SPEC, '');
        diagnostics.push({
          ...located(show(rel), 'misnamed-spec', `this file is not read: ${what} specs end in ".yaml"`),
          hint: `rename it to ${stem}.yaml${/\.json$/i.test(entry.name) ? ' (JSON is YAML: the content can stay as it is)' : ''}`,
        });
      } else if (entry.kind === 'symlink' || entry.kind === 'special') {
        diagnostics.push(entryProblem(show(rel), entry.kind, 'file'));
      } else {
        diagnostics.push({ ...located(show(rel), 'stray-file', 'this file is not read', 'warning'), hint: `${what} specs go in ${folder}/<name>.yaml` });
      }
    }
    for (const rel of overrides.keys()) if (rel.slice(0, rel.lastIndexOf('/')) === folder) found.add(rel);
    return [...found].sort(compareStrings);
  };

  /**
   * `secrets/`: SOPS-encrypted Secrets, each file checked without decrypting. Not added to
   * `sources`: no code frame may print a line of them.
   */
  const readSecretsFolder = (dir: string, kind: EntryKind | undefined): { secretFiles?: SopsSecretFile[]; secretFileNames?: string[] } => {
    if (kind === undefined) return {};
    const folder = `${dir}/${SECRETS_DIR}`;
    if (kind !== 'folder') {
      diagnostics.push(entryProblem(show(folder), kind, 'folder'));
      return {};
    }
    const secretFiles: SopsSecretFile[] = [];
    const secretFileNames: string[] = [];
    for (const entry of list(folder)) {
      if (entry.name.startsWith('.')) continue;
      const rel = `${folder}/${entry.name}`;
      if (entry.kind !== 'file') {
        diagnostics.push(entryProblem(show(rel), entry.kind, 'file'));
        continue;
      }
      if (!SPEC_FILE.test(entry.name)) {
        diagnostics.push({
          ...located(show(rel), 'stray-file', 'this file is not read, nor applied', 'warning'),
          hint: `${folder}/ holds SOPS-encrypted Secrets, one per <name>.yaml`,
        });
        continue;
      }
      secretFileNames.push(specNameOf(entry.name)!);
      let bytes: Uint8Array;
      try {
        bytes = source.read(rel, MAX_FILE_BYTES, { singleName: true });
      } catch (error) {
        diagnostics.push(
          error instanceof FsProblem && error.kind === 'too-large' ? fileTooLarge(show(rel), Number(error.detail)) : fileProblem(show(rel), error),
        );
        continue;
      }
      const read = readSopsSecret(show(rel), rel, bytes);
      diagnostics.push(...read.diagnostics);
      if (read.secret) secretFiles.push(read.secret);
    }
    return { secretFiles, secretFileNames };
  };

  const environments = names.map((name): LoadedEnvironment => {
    const dir = `${ENVIRONMENTS_DIR}/${name}`;
    const envPath = `${dir}/${ENVIRONMENT_FILE}`;
    let environment: Loaded<Environment> | undefined;
    let partial: PartialEnvironment | undefined;
    const entries = new Map(list(dir).map((e) => [e.name, e.kind] as const));
    const misnamed = ['environment.yml', 'Environment.yaml', 'env.yaml'].find((n) => entries.get(n) === 'file');
    const envKind = overrides.has(envPath) ? 'file' : entries.get(ENVIRONMENT_FILE);
    if (envKind === 'file') {
      environment = readSpec<Environment>(name, envPath, EnvironmentSchema);
      const file = sources.get(show(envPath));
      if (!environment && file) partial = partialEnvironment(file);
    } else if (envKind !== undefined) {
      diagnostics.push(entryProblem(show(envPath), envKind, 'file'));
    } else {
      diagnostics.push({
        ...located(show(envPath), 'missing-environment', `environment "${name}" has no ${ENVIRONMENT_FILE}`),
        hint: misnamed
          ? `rename ${show(`${dir}/${misnamed}`)} to ${ENVIRONMENT_FILE}`
          : `create ${show(envPath)} (see docs/spec-reference.md), or remove the folder`,
      });
    }
    const models: Loaded<Model>[] = [];
    const pipelines: Loaded<Pipeline>[] = [];
    for (const [folder, kind] of [
      [MODELS_DIR, 'model'],
      [PIPELINES_DIR, 'pipeline'],
    ] as const) {
      const entry = entries.get(folder);
      if (entry !== undefined && entry !== 'folder') {
        diagnostics.push(entryProblem(show(`${dir}/${folder}`), entry, 'folder'));
        continue;
      }
      for (const rel of specFiles(`${dir}/${folder}`, kind)) {
        if (kind === 'model') {
          const model = readSpec<Model>(name, rel, ModelSchema);
          if (model) models.push(model);
        } else {
          const pipeline = readSpec<Pipeline>(name, rel, PipelineSchema);
          if (pipeline) pipelines.push(pipeline);
        }
      }
    }
    const secrets = readSecretsFolder(dir, entries.get(SECRETS_DIR));
    for (const [entryName, kind] of entries) {
      if ([ENVIRONMENT_FILE, MODELS_DIR, PIPELINES_DIR, SECRETS_DIR].includes(entryName) || entryName.startsWith('.')) continue;
      const rel = `${dir}/${entryName}`;
      if (kind === 'symlink' || kind === 'special') diagnostics.push(entryProblem(show(rel), kind, 'file'));
      else if (kind === 'file' && MISNAMED_SPEC.test(entryName)) {
        diagnostics.push({
          ...located(show(rel), 'stray-file', 'this file is not read', 'warning'),
          hint: `specs go in ${ENVIRONMENT_FILE}, ${MODELS_DIR}/*.yaml and ${PIPELINES_DIR}/*.yaml`,
        });
      }
    }
    return { name, ...(environment ? { environment } : {}), ...(partial ? { partial } : {}), models, pipelines, ...secrets };
  });

  return { environments, diagnostics, sources };
}

/** A diagnostic at the start of a file or folder. */
function located(file: string, code: DiagnosticCode, message: string, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { severity, code, file, line: 1, col: 1, length: 1, message };
}

function fileTooLarge(file: string, bytes: number): Diagnostic {
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  return {
    ...located(file, 'file-too-large', `the file is ${mib(bytes)}; a spec file is at most ${mib(MAX_FILE_BYTES)}`),
    hint: 'one model or pipeline per file; move large data (tensors, configs) to the model repository',
  };
}

/** A link or special file where a spec file or folder belongs, or a folder where a file belongs. */
function entryProblem(file: string, kind: EntryKind, expected: 'file' | 'folder'): Diagnostic {
  switch (kind) {
    case 'symlink':
      return {
        ...located(file, 'symlink', 'this is a symbolic link; tritonops reads only regular files and folders inside the repository'),
        hint: `replace the link with the ${expected} itself: a link could make a spec read files outside the repository`,
      };
    case 'special':
      return {
        ...located(file, 'special-file', `this is not a regular ${expected} (a device, socket or FIFO)`),
        hint: `replace it with a regular ${expected}`,
      };
    case 'folder':
      return { ...located(file, 'folder-not-file', 'this is a folder, where a spec file belongs'), hint: 'move what it holds elsewhere, or rename it' };
    case 'file':
      return {
        ...located(file, 'file-not-folder', `this is a file, where a folder of specs belongs`),
        hint: 'move the file into a folder of that name, or rename it',
      };
  }
}

/** A problem reading a file or folder, as a diagnostic; anything that is not one is a bug and rethrown. */
function fileProblem(file: string, error: unknown): Diagnostic {
  if (error instanceof FsProblem) {
    switch (error.kind) {
      case 'symlink':
        return entryProblem(file, 'symlink', 'file');
      case 'special-file':
        return entryProblem(file, 'special', 'file');
      case 'hard-link':
        return {
          ...located(file, 'hard-link', error.reason),
          hint: 'replace it with a copy of its own (cp, not ln): a hard link could be a file outside the repository',
        };
      case 'not-a-file':
        return entryProblem(file, 'folder', 'file');
      case 'not-a-folder':
        return entryProblem(file, 'file', 'folder');
      case 'too-large':
        return fileTooLarge(file, Number(error.detail));
      case 'unsafe-path':
        return located(file, 'unsafe-path', error.message);
      case 'os-error':
        return {
          ...located(file, 'unreadable', `cannot read this (${osErrorText(String(error.detail))})`),
          hint: 'check its permissions: tritonops reads every file and folder under environments/',
        };
    }
  }
  throw error;
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
