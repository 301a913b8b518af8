/**
 * Integrity under faults the machine makes, on real file systems rather than mocks:
 *
 * - a read-only flux/ folder (a read-only bind mount, in a user and mount namespace made with
 *   `unshare`): synth checks every rename before the first, so it moves nothing and says so;
 * - a full disk (a small tmpfs): the staging folder fails to fill, flux/ is untouched;
 * - folders tritonops may not read or write (as an unprivileged user, through `setpriv`).
 *
 * Each asserts the exit code (74 for the file system, 1 for the repository's content), a message
 * that names the path and the cause, and that flux/ is byte for byte as before.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { perTest, snapshots, type Hostile } from './support/hostile.ts';
import { REPO_ROOT, snapshotDir } from './support/workspace.ts';

const BIN = join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs');
const NOBODY = 65534;

const { repository, after } = perTest();

/** A change that rewrites files in flux/models/dev and flux/clusters/dev alike. */
function changeDev(h: Hostile): void {
  const env = join(h.root, 'environments/dev/environment.yaml');
  const model = join(h.root, 'environments/dev/models/whisper.yaml');
  writeFileSync(
    env,
    spawnSync('sed', ['s/interval: 1m/interval: 2m/; s/ssh:\\/\\/git@git.example.com/ssh:\\/\\/git@git2.example.com/', env], { encoding: 'utf8' }).stdout,
  );
  writeFileSync(model, spawnSync('sed', ['s/replicas: 1/replicas: 2/', model], { encoding: 'utf8' }).stdout);
}

const fluxDigest = 'find flux -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum';

const canUnshare = spawnSync('unshare', ['-rm', 'true']).status === 0;
const canSetpriv = process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;
const NO_UNSHARE = 'needs `unshare -rm` (util-linux, with unprivileged user namespaces)';
const NO_SETPRIV = 'needs to run as root with `setpriv` (util-linux), to run synth as an unprivileged user';

describe('a read-only or full file system', () => {
  it('with flux/models read-only, synth moves no folder, exits 74 and names the cause', async (ctx) => {
    if (!canUnshare) return ctx.skip(NO_UNSHARE);
    const h = await repository();
    changeDev(h);
    const before = snapshots(h);
    // flux/clusters/dev could be swapped; flux/models/dev cannot: nothing may move.
    const script = `set -e
mount --bind flux/models flux/models
mount -o remount,ro,bind flux/models
before=$(${fluxDigest})
set +e
"${process.execPath}" "${BIN}" synth 2>stderr.txt
echo "exit=$?"
set -e
after=$(${fluxDigest})
[ "$before" = "$after" ] && echo "flux unchanged"`;
    const run = spawnSync('unshare', ['-rm', 'sh', '-c', script], { cwd: h.root, encoding: 'utf8' });
    const stderr = spawnSync('cat', [join(h.root, 'stderr.txt')], { encoding: 'utf8' }).stdout;
    rmSync(join(h.root, 'stderr.txt'));
    expect(run.stdout, `${run.stderr}\n${stderr}`).toContain('exit=74');
    expect(run.stdout).toContain('flux unchanged');
    expect(stderr).toMatch(/^flux\/models: error: EROFS: read-only file system$/m);
    expect(stderr).toContain('Nothing was changed.');
    expect(stderr).not.toMatch(/internal error/);
    expect(snapshotDir(join(h.root, 'flux'))).toEqual(before.flux);
    expect(readdirSync(h.root).filter((e) => e.startsWith('.tritonops-'))).toEqual([]);
  });

  it('with the disk full, synth exits 74 and flux/ is untouched', async (ctx) => {
    if (!canUnshare) return ctx.skip(NO_UNSHARE);
    const h = await repository();
    changeDev(h);
    const disk = mkdtempSync(join(tmpdir(), 'tritonops-full-'));
    after(() => rmSync(disk, { recursive: true, force: true }));
    // The repository on a 4 MiB tmpfs, filled but for 16 KiB: the lock fits, the render does not.
    const script = `set -e
mount -t tmpfs -o size=4m tmpfs "${disk}"
cp -a "${h.root}" "${disk}/repo"
cd "${disk}/repo"
before=$(${fluxDigest})
dd if=/dev/zero of=slack bs=4k count=4 2>/dev/null
dd if=/dev/zero of=filler bs=4k 2>/dev/null || true
rm slack
set +e
"${process.execPath}" "${BIN}" synth --no-cache 2>"${h.outside}/stderr.txt"
echo "exit=$?"
set -e
after=$(${fluxDigest})
[ "$before" = "$after" ] && echo "flux unchanged"
echo "left: $(ls -a | grep '^.tritonops-' | tr '\\n' ' ')"
cat "${h.outside}/stderr.txt"`;
    const run = spawnSync('unshare', ['-rm', 'sh', '-c', script], { encoding: 'utf8' });
    expect(run.stdout, run.stderr).toContain('exit=74');
    expect(run.stdout).toContain('flux unchanged');
    expect(run.stdout).toMatch(/^\.tritonops-tmp-\d+\/next\/\S+: error: ENOSPC: no space left on the device$/m);
    expect(run.stdout).toContain('free some space on the disk');
    expect(run.stdout).not.toMatch(/internal error/);
    expect(run.stdout).toMatch(/^left: $/m);
  });
});

describe('folders tritonops may not read or write', () => {
  /** The repository handed to an unprivileged user, with `mode` on `folder`. */
  async function asNobody(
    folder: string,
    mode: number,
  ): Promise<{ h: Hostile; run: (args: string[]) => { status: number | null; stdout: string; stderr: string } }> {
    const h = await repository();
    const copy = mkdtempSync(join(tmpdir(), 'tritonops-nobody-'));
    after(() => rmSync(copy, { recursive: true, force: true }));
    chmodSync(copy, 0o755);
    cpSync(h.root, join(copy, 'repo'), { recursive: true });
    const root = join(copy, 'repo');
    spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, root]);
    chmodSync(join(root, folder), mode);
    const run = (args: string[]) =>
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, HOME: copy },
      });
    return { h: { ...h, root }, run };
  }

  it('an unreadable models/ folder is a located error with exit code 1, not a crash', async (ctx) => {
    if (!canSetpriv) return ctx.skip(NO_SETPRIV);
    const { run } = await asNobody('environments/dev/models', 0o000);
    const result = run(['validate']);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('environments/dev/models:1:1: error: cannot read this (EACCES: permission denied)');
    expect(result.stderr).not.toMatch(/internal error/);
  });

  it('a flux/ folder it may not write: every rename is checked first, exit 74, flux/ untouched', async (ctx) => {
    if (!canSetpriv) return ctx.skip(NO_SETPRIV);
    const { h, run } = await asNobody('flux/models', 0o555);
    changeDev(h);
    const before = snapshotDir(join(h.root, 'flux'));
    const result = run(['synth']);
    expect(result.status, result.stderr).toBe(74);
    expect(result.stderr).toMatch(/^flux\/models: error: EACCES: permission denied$/m);
    expect(result.stderr).toContain('Nothing was changed.');
    expect(snapshotDir(join(h.root, 'flux'))).toEqual(before);
  });

  it('a repository it may not write at all: --check still works (the lock is optional for it)', async (ctx) => {
    if (!canSetpriv) return ctx.skip(NO_SETPRIV);
    const { h, run } = await asNobody('.', 0o555);
    const result = run(['synth', '--check']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok: flux\/ is up to date/);
    void h;
  });
});

describe('the fault tests run where CI runs', () => {
  it('has unshare and setpriv (CI must skip none of the above)', () => {
    if (!process.env.CI) return;
    expect(canUnshare, 'unshare -rm must work in CI').toBe(true);
    expect(canSetpriv, 'setpriv as root must work in CI').toBe(true);
  });
});
