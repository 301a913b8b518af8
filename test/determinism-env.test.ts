/**
 * The render does not depend on the machine: file-system order, time zone and locale change
 * nothing, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, snapshotDir, tempDir } from './support/workspace.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Copies a tree creating files in a scrambled order, so that directory order differs. */
function scrambledCopy(from: string, to: string): void {
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d).forEach((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : files.push(join(d, e))));
  walk(from);
  // A fixed, non-alphabetical order: by the reversed path.
  files.sort((a, b) => (a.split('').reverse().join('') < b.split('').reverse().join('') ? 1 : -1));
  for (const f of files) {
    const target = join(to, relative(from, f));
    mkdirSync(join(target, '..'), { recursive: true });
    cpSync(f, target);
  }
}

describe('determinism across machines', () => {
  it('renders the same bytes under another time zone, locale and file order', () => {
    const dir = tempDir('machine');
    cleanups.push(dir.remove);
    scrambledCopy(join(REPO_ROOT, 'environments'), join(dir.path, 'environments'));
    const bin = join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs');
    const env = { ...process.env, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8', LC_COLLATE: 'tr_TR.UTF-8' };
    const run = spawnSync(process.execPath, [bin, 'synth'], { cwd: dir.path, env, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshotDir(join(dir.path, 'flux'))).toEqual(snapshotDir(join(REPO_ROOT, 'flux')));
  });
});
