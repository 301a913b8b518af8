/**
 * The same specs render byte-identical YAML: twice in a row, in another working directory, and in
 * a fresh clone of the repository; and the committed flux/ is exactly what the specs render.
 *
 * Two checks here read the repository's own environments/ and flux/ on purpose, whatever the team
 * keeps there (allowlisted in test/team-specs.test.ts): that the committed flux/ is what the specs
 * render (`synth --check`), and that a fresh clone renders exactly the committed flux/. The others
 * are properties of the tool and use the fixture copy of the bundled examples (test/fixtures/bundled).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLED, renderBundled, renderedBundledWorkspace, REPO_ROOT, runCli, snapshotDir, tempDir } from './support/workspace.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('determinism', () => {
  it('renders byte-identical files twice in a row', () => {
    const first = renderBundled().map((f) => [f.path, f.content]);
    const second = renderBundled().map((f) => [f.path, f.content]);
    expect(second).toEqual(first);
  });

  it('synth writes the same bytes whatever the working directory and the previous content of flux/', async () => {
    const a = await renderedBundledWorkspace('det-a');
    const b = tempDir('det-b');
    cleanups.push(a.remove, b.remove);
    // b starts without any flux/ and is rendered from a sub-folder with --root.
    execFileSync('cp', ['-r', join(BUNDLED, 'environments'), join(b.path, 'environments')]);
    expect((await runCli(['synth'], a.path)).code).toBe(0);
    expect((await runCli(['synth', '--root', '..'], join(b.path, 'environments'))).code).toBe(0);
    expect(snapshotDir(join(b.path, 'flux'))).toEqual(snapshotDir(join(a.path, 'flux')));
  });

  it('the committed flux/ is up to date with the specs (synth --check is green)', async () => {
    const result = await runCli(['synth', '--check'], REPO_ROOT);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: flux\/ is up to date/);
  });

  it('synth --check fails and names the file when flux/ differs from a fresh render', async () => {
    const dir = await renderedBundledWorkspace('det-check');
    cleanups.push(dir.remove);
    const { appendFileSync } = await import('node:fs');
    appendFileSync(join(dir.path, 'flux/models/dev/models/whisper/whisper.yaml'), '# hand edit\n');
    const result = await runCli(['synth', '--check'], dir.path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('differs  flux/models/dev/models/whisper/whisper.yaml');
  });

  it('a fresh clone of the committed tree renders exactly the committed flux/', async (ctx) => {
    if (!existsSync(join(REPO_ROOT, '.git'))) ctx.skip('not a git checkout: no clone to make');
    const clone = tempDir('clone');
    cleanups.push(clone.remove);
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, join(clone.path, 'repo')]);
    const repo = join(clone.path, 'repo');
    // The clone shares our installed packages instead of installing its own.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
    const committed = snapshotDir(join(repo, 'flux'));
    const cli = join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs');
    execFileSync(process.execPath, [cli, 'synth'], { cwd: repo, stdio: 'pipe' });
    expect(snapshotDir(join(repo, 'flux'))).toEqual(committed);
    expect(committed.size).toBeGreaterThan(0);
  });
});
