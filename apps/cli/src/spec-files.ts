/** Spec files as the editing commands (canary, promote, new) and the panel find, read and write them: inside the repository only. */
import { ENVIRONMENTS_DIR, FsProblem, MAX_FILE_BYTES, MODELS_DIR, PIPELINES_DIR, specFileNames, specNameOf, type RepositoryFs } from '@tritonops/planner';

/**
 * `environments/<env>/<folder>/<name>.yaml` (or `.yml`); undefined when there is none. A link, a
 * folder or a special file in its place is refused (FsProblem), never followed or taken for absent.
 */
export function specFile(fs: RepositoryFs, env: string, folder: typeof MODELS_DIR | typeof PIPELINES_DIR, name: string): string | undefined {
  for (const rel of specFileNames(name).map((file) => `${ENVIRONMENTS_DIR}/${env}/${folder}/${file}`)) {
    const kind = fs.kind(rel);
    if (kind === 'file') return rel;
    if (kind !== undefined) throw new FsProblem(rel, kind === 'symlink' ? 'symlink' : kind === 'folder' ? 'not-a-file' : 'special-file');
  }
  return undefined;
}

/** `environments/<env>/models/<model>.yaml` (or `.yml`), as `specFile` finds it. */
export const modelFile = (fs: RepositoryFs, env: string, model: string): string | undefined => specFile(fs, env, MODELS_DIR, model);

/** The models of an environment, by file name. */
export function modelNames(fs: RepositoryFs, env: string): string[] {
  return (fs.list(`${ENVIRONMENTS_DIR}/${env}/${MODELS_DIR}`) ?? []).flatMap((e) => (e.kind === 'file' ? (specNameOf(e.name) ?? []) : [])).sort();
}

export function readSpecText(fs: RepositoryFs, rel: string): string {
  return fs.read(rel, MAX_FILE_BYTES).toString('utf8');
}
