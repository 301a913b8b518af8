/** What the CLI says when the repository or the machine refuses: the path, the cause, and whether anything changed. */
import { describe, expect, it } from 'vitest';
import { FsProblem } from '@tritonops/planner';
import { reportFailure } from '../src/failures.ts';
import { SwapFailed, TreeProblems } from '../src/output-tree.ts';
import { LockBusy } from '../src/repository-lock.ts';

function report(error: unknown): { code: number | undefined; err: string } {
  const lines: string[] = [];
  const code = reportFailure({ out: () => {}, err: (t) => lines.push(t), cwd: '/repo' }, '/repo', error);
  return { code, err: lines.join('\n') };
}

describe('refusals of the repository or the machine', () => {
  it('a swap rolled back: the cause, then that flux/ is as it was; exit 74', () => {
    const r = report(new SwapFailed(new FsProblem('flux/models/dev', 'os-error', 'EIO'), true, '.tritonops-tmp-1'));
    expect(r.code).toBe(74);
    expect(r.err).toContain('flux/models/dev: error: EIO: input/output error');
    expect(r.err).toContain('Every folder was put back: flux/ is as it was before this run.');
  });

  it('a swap that could not be rolled back says so, and how the next run repairs it', () => {
    const r = report(
      new SwapFailed(new FsProblem('flux/models/dev', 'os-error', 'EIO'), false, '.tritonops-tmp-1', new FsProblem('flux/models', 'os-error', 'EROFS')),
    );
    expect(r.code).toBe(74);
    expect(r.err).toContain('Some folders of flux/ could not be put back (flux/models: EROFS: read-only file system).');
    expect(r.err).toContain('it puts them back from .tritonops-tmp-1/ first');
    expect(r.err).not.toContain('Every folder was put back');
  });

  it('links and special files under flux/ are all listed, exit 1; a held lock is exit 75; bugs are not ours to report', () => {
    const tree = report(new TreeProblems([new FsProblem('flux/a.yaml', 'symlink'), new FsProblem('flux/b', 'special-file', 'a FIFO')]));
    expect(tree.code).toBe(1);
    expect(tree.err).toContain('flux/a.yaml: error: this is a symbolic link; tritonops does not follow links');
    expect(tree.err).toContain('flux/b: error: this is not a regular file (a FIFO)');
    expect(report(new LockBusy('123 456')).code).toBe(75);
    expect(report(new Error('a bug')).code).toBeUndefined();
  });
});
