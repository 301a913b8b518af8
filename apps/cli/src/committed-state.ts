/**
 * Local state must never come with a checkout: a committed Nx cache could replay a passing result
 * that was never earned, and a committed lock or staging folder could stall or steer a run
 * (tritonops' own cache lives in .git/, where no commit can put anything). All of it is git-ignored; a pull
 * request can still force-add it, so the commands that CI runs refuse a repository where Git
 * tracks any of it.
 */
import { Refusal } from './failures.ts';
import { trackedFiles } from './git.ts';

/** Local state, as Git pathspecs. */
const LOCAL_STATE = ['.tritonops-lock', '.tritonops-tmp-*', '.nx'];

/** Throws Refusal when Git tracks local state (nothing to check outside a Git repository). */
export function refuseCommittedState(root: string): void {
  const files = trackedFiles(root, LOCAL_STATE);
  if (files.length === 0) return;
  const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? `, and ${files.length - 5} more` : '');
  throw new Refusal(
    files[0]!,
    `Git tracks local state of tritonops or Nx (${shown}); a cache or lock that comes with a checkout could change what is rendered or reported`,
    `remove it from Git: git rm -r --cached ${[...new Set(files.map((f) => f.split('/')[0]!))].join(' ')} (it is git-ignored and rebuilt locally)`,
  );
}
