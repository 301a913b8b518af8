/**
 * A throw-away repository for the hostile-input corpus: a copy of test/fixtures/hostile, rendered
 * and committed, with a folder beside it ("outside") that no command may read or change. Each
 * case mutates the copy, runs a command, and the harness checks what must always hold.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { REPO_ROOT, runCli, snapshotDir, tempDir, type CliResult } from './workspace.ts';

export const HOSTILE_FIXTURE = join(REPO_ROOT, 'test/fixtures/hostile');
/** Written in files outside the repository: must never appear in any output. */
export const SENTINEL = 'OUTSIDE-SENTINEL-7f3a9c';
/** An entry of this process's own environment, as /proc/self/environ shows it: must never be printed. */
export const ENVIRON_ENTRY = (() => {
  try {
    return (
      readFileSync('/proc/self/environ', 'utf8')
        .split('\0')
        .find((e) => /^[A-Z_]+=.{8,}$/.test(e) && !e.startsWith('PWD=')) ?? ''
    );
  } catch {
    return '';
  }
})();

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
export const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, env: GIT_ENV, encoding: 'utf8' });

export interface Hostile {
  /** The repository root. */
  readonly root: string;
  /** A folder beside the repository, with a file and a spec-looking folder that hold SENTINEL. */
  readonly outside: string;
  readonly remove: () => void;
}

/** A rendered, committed copy of the fixture and the folder beside it. */
export async function hostileRepository(): Promise<Hostile> {
  const dir = tempDir('hostile');
  const root = join(dir.path, 'repo');
  const outside = join(dir.path, 'outside');
  cpSync(HOSTILE_FIXTURE, root, { recursive: true });
  mkdirSync(join(outside, 'specs'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), `password: ${SENTINEL}\n`);
  writeFileSync(join(outside, 'specs/leak.yaml'), `# ${SENTINEL}\napiVersion: ${SENTINEL}\n`);
  writeFileSync(join(outside, 'environment.yaml'), `# ${SENTINEL}\nkind: ${SENTINEL}\n`);
  git(root, 'init', '-q', '-b', 'main');
  const synth = await runCli(['synth'], root);
  expect(synth.code, synth.stderr).toBe(0);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
  return { root, outside, remove: dir.remove };
}

/**
 * `repository()` makes a hostile repository that is removed after the current test; `after(fn)`
 * adds another clean-up. Call once per test file (it registers an afterEach).
 */
export function perTest(): { repository: () => Promise<Hostile>; after: (fn: () => void) => void } {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  return {
    repository: async () => {
      const h = await hostileRepository();
      cleanups.push(h.remove);
      return h;
    },
    after: (fn) => cleanups.push(fn),
  };
}

/** What must hold after any hostile run: flux/ and the outside folder untouched, nothing leaked. */
export function expectNothingLostOrLeaked(h: Hostile, before: { flux: Map<string, string>; outside: Map<string, string> }, result: CliResult): void {
  expect(snapshotDir(join(h.root, 'flux'))).toEqual(before.flux);
  expect(snapshotDir(h.outside)).toEqual(before.outside);
  const printed = `${result.stdout}\n${result.stderr}`;
  expect(printed).not.toContain(SENTINEL);
  if (ENVIRON_ENTRY) expect(printed).not.toContain(ENVIRON_ENTRY);
  // Nothing that drives a terminal or a CI runner.
  // eslint-disable-next-line no-control-regex
  expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
  expect(printed).not.toMatch(/^\s*::/m);
  expect(printed).not.toContain('##[');
  // A refusal, not a crash.
  expect(result.code).not.toBe(70);
  expect(printed).not.toMatch(/internal error|\n\s+at .*\(.*:\d+:\d+\)/);
}

export function snapshots(h: Hostile): { flux: Map<string, string>; outside: Map<string, string> } {
  return { flux: snapshotDir(join(h.root, 'flux')), outside: snapshotDir(h.outside) };
}

export { runCli };
