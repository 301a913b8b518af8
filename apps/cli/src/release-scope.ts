/**
 * Which model specs `validate --s3` checks against the bucket: on a pull request, those that
 * differ from the base (a model file changed, or its environment.yaml, whose S3 endpoint every
 * model reads from); without Git or a base, every spec. Read from Git's objects, like the gate.
 */
import { relative, resolve, sep } from 'node:path';
import { ENVIRONMENTS_DIR, MAX_FILE_BYTES, type RepositoryPlanResult, type SpecSource } from '@tritonops/planner';
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
