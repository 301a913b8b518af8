/**
 * Which model specs `validate --s3` checks against the bucket: on a pull request, those that
 * differ from the base (a model file changed, or its environment.yaml, whose S3 endpoint every
 * model reads from); without Git or a base, every spec. Read from Git's objects, like the gate.
 */
import { relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import {
  endpointName,
  ENVIRONMENTS_DIR,
  formatEndpoint,
  MAX_FILE_BYTES,
  parseEndpoint,
  StoreUnavailable,
  type ModelStore,
  type RepositoryPlanResult,
  type SpecSource,
  type StoreLocation,
} from '@tritonops/planner';
import { gateBase } from './git.ts';

export type ReleaseScope =
  /** The model spec files (display paths) that differ from the base. */
  | { readonly files: ReadonlySet<string>; readonly base: string }
  /** Every spec, and why. */
  | { readonly all: string };

export function releaseScope(root: string, cwd: string, environments: RepositoryPlanResult['environments'], ref?: string): ReleaseScope {
  const base = gateBase(root, ref);
  if (!base) return { all: 'no Git repository at the root: every spec' };
  if ('missing' in base) return { all: `no base to compare with (${base.missing}): every spec` };
  const files = new Set<string>();
  const rel = (display: string) => relative(root, resolve(cwd, display)).split(sep).join('/');
  for (const env of environments) {
    const envFile = env.environment?.file;
    const envChanged = envFile ? differs(base.source, rel(envFile.path), envFile.text) : true;
    for (const model of env.models) {
      if (envChanged || differs(base.source, rel(model.file.path), model.file.text)) files.add(model.file.path);
    }
  }
  return { files, base: base.label };
}

/** Whether the file at `rel` in the base is missing or other than `text`. */
function differs(source: SpecSource, rel: string, text: string): boolean {
  if (!rel.startsWith(`${ENVIRONMENTS_DIR}/`) || rel.includes('..')) return true;
  try {
    return (
      Buffer.from(source.read(rel, MAX_FILE_BYTES))
        .toString('utf8')
        .replace(/^\uFEFF/, '') !== text.replace(/^\uFEFF/, '')
    );
  } catch {
    return true;
  }
}

/**
 * The S3 endpoints the base branch's environments name (`AWS S3` for those without one); or
 * that there is no Git repository (a local run: the user's own credentials, every endpoint), or
 * no base in it. `validate --s3` sends the CI's credentials only to the base's endpoints: a pull
 * request that points an environment at a host of its own would otherwise receive signed requests
 * and the access key's id. A new endpoint is checked once it is merged.
 */
export function mergedEndpoints(root: string, ref?: string): ReadonlySet<string> | { readonly noGit: true } | { readonly noBase: string } {
  const base = gateBase(root, ref);
  if (!base) return { noGit: true };
  if ('missing' in base) return { noBase: base.missing };
  const endpoints = new Set<string>();
  for (const entry of listOrNone(base.source, ENVIRONMENTS_DIR)) {
    if (entry.kind !== 'folder') continue;
    try {
      const text = Buffer.from(base.source.read(`${ENVIRONMENTS_DIR}/${entry.name}/environment.yaml`, MAX_FILE_BYTES)).toString('utf8');
      const endpoint = (parse(text, { logLevel: 'silent', maxAliasCount: 0 }) as { spec?: { s3?: { endpoint?: unknown } } } | null)?.spec?.s3?.endpoint;
      if (endpoint === undefined) endpoints.add(AWS_S3);
      else if (typeof endpoint === 'string') {
        const parsed = parseEndpoint(endpoint);
        if (parsed.ok) endpoints.add(formatEndpoint(parsed.value));
      }
    } catch {
      // An environment the base cannot read names no endpoint.
    }
  }
  return endpoints;
}

/** A store that refuses, without a request, every endpoint outside `allowed`. */
export function confinedStore(store: ModelStore, allowed: ReadonlySet<string>): ModelStore {
  const guard = (location: StoreLocation) => {
    const name = endpointName(location);
    if (!allowed.has(name))
      throw new StoreUnavailable(
        name,
        'the base branch names no environment with this endpoint, and the S3 check sends its credentials only to endpoints already merged',
        'merge the change of spec.s3.endpoint on its own first; its releases are checked in the next pull request',
      );
  };
  return {
    list: async (location, path) => (guard(location), store.list(location, path)),
    read: async (location, path, maxBytes) => (guard(location), store.read(location, path, maxBytes)),
  };
}

/** How endpointName names AWS S3 itself (a location without an endpoint of its own). */
const AWS_S3 = endpointName({ bucket: 'any', prefix: '' });

function listOrNone(source: SpecSource, rel: string) {
  try {
    return source.list(rel) ?? [];
  } catch {
    return [];
  }
}
