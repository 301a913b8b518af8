/**
 * Reading specs at another Git revision without touching the working tree or the index:
 * `git archive <ref> -- environments` unpacked into a temporary folder.
 */
import { spawnSync } from 'node:child_process';

export class GitError extends Error {}

function git(root: string, args: string[]): string {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (run.error) throw new GitError(`git is not available: ${run.error.message}`);
  if (run.status !== 0) throw new GitError(run.stderr.trim() || `git ${args.join(' ')} failed`);
  return run.stdout.trim();
}

/** The commit to compare with: `base` itself, or the merge base of HEAD with origin/main (or main). */
export function resolveBase(root: string, base: string | undefined): { commit: string; label: string } {
  if (base !== undefined) {
    try {
      return { commit: git(root, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]), label: base };
    } catch {
      throw new GitError(`"${base}" is not a commit of this repository`);
    }
  }
  for (const upstream of ['origin/main', 'main']) {
    try {
      return { commit: git(root, ['merge-base', 'HEAD', upstream]), label: `merge-base with ${upstream}` };
    } catch {
      // try the next one
    }
  }
  throw new GitError('found neither origin/main nor main to compare with; pass --base <ref>');
}

/** Unpacks `environments/` as of `commit` into `into`; false when it did not exist then. */
export function extractSpecs(root: string, commit: string, into: string): boolean {
  const archive = spawnSync('git', ['archive', '--format=tar', commit, '--', 'environments'], { cwd: root, maxBuffer: 1 << 30 });
  if (archive.status !== 0) return false;
  const tar = spawnSync('tar', ['-x', '-C', into], { input: archive.stdout, maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new GitError(`could not unpack the specs of ${commit}: ${tar.stderr.toString()}`);
  return true;
}
