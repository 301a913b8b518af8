/**
 * Prune safety: Flux deletes what leaves flux/, so large removals need --allow-removal, a canary
 * serving traffic cannot be aborted without draining it, and a synth stopped by a signal leaves
 * flux/ whole (the previous render, or the new one, never a mix).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFleet } from './support/fleet.ts';
import { REPO_ROOT, renderedBundledWorkspace, runCli, snapshotDir, tempDir } from './support/workspace.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** `tritonops synth …` as a child process in `cwd`, sent SIGTERM after `killAfterMs` if still running. */
function spawnSynth(cwd: string, args: string[], killAfterMs = 120_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/bin/tritonops.mjs'), 'synth', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The bundled environments (their fixture copy) with flux/ rendered: the committed state these cases start from. */
async function workspace(name: string) {
  const dir = await renderedBundledWorkspace(name);
  cleanups.push(dir.remove);
  return dir.path;
}

describe('prune safety', () => {
  it('stops before deleting a production Deployment, and goes ahead with --allow-removal', async () => {
    const root = await workspace('prune-prod');
    rmSync(join(root, 'environments/production/models/densenet.yaml'));
    const before = snapshotDir(join(root, 'flux'));
    const stopped = await runCli(['synth'], root);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('production: removes 1 Deployment(s) from production: densenet');
    expect(stopped.stderr).toContain('--allow-removal');
    expect(snapshotDir(join(root, 'flux'))).toEqual(before);
    const allowed = await runCli(['synth', '--allow-removal'], root);
    expect(allowed.code).toBe(0);
    const after = snapshotDir(join(root, 'flux'));
    expect(before.has('models/production/models/densenet/densenet.yaml')).toBe(true);
    expect(after.has('models/production/models/densenet.yaml')).toBe(false);
  });

  it('stops when more than a fifth of a non-production environment would go', async () => {
    const root = await workspace('prune-share');
    for (const m of ['llama-7b', 'densenet']) rmSync(join(root, `environments/staging/models/${m}.yaml`));
    const r = await runCli(['synth', '--env', 'staging'], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/staging: removes \d+ of \d+ objects \(\d+%, more than 20%\)/);
  });

  it('refuses to abort a canary that serves traffic, even with --allow-removal; promotion and draining are fine', async () => {
    const root = await workspace('prune-canary');
    const file = join(root, 'environments/staging/models/whisper.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.slice(0, original.indexOf('  # The next release')));
    const aborted = await runCli(['synth', '--allow-removal'], root);
    expect(aborted.code).toBe(1);
    expect(aborted.stderr).toContain(
      "staging: Deployment inference/whisper-canary receives 10% of its model's traffic; set the weight to 0 (tritonops canary weight whisper 0 --env staging) and sync, then remove it",
    );

    writeFileSync(file, original.replace('weight: 10', 'weight: 0'));
    expect((await runCli(['synth'], root)).code).toBe(0);
    writeFileSync(file, original.slice(0, original.indexOf('  # The next release')));
    expect((await runCli(['synth'], root)).code).toBe(0);

    writeFileSync(file, original);
    expect((await runCli(['synth'], root)).code).toBe(0);
    expect((await runCli(['canary', 'promote', 'whisper', '--env', 'staging'], root)).code).toBe(0);
    // Only staging: production's release is now one staging ran (Git history), which a copy without .git cannot show.
    expect((await runCli(['synth', '--env', 'staging'], root)).code).toBe(0);
  });
});

describe('interrupted synth', () => {
  it('leaves flux/ whole - the previous render or the new one - when SIGTERM arrives at any moment', async () => {
    const dir = tempDir('interrupt');
    cleanups.push(dir.remove);
    writeFleet(dir.path, 60);
    const fs = await import('node:fs');
    const synth = async (delayMs: number) => (await spawnSynth(dir.path, ['--allow-removal'], delayMs)).code;
    expect(await synth(120_000)).toBe(0);
    const old = snapshotDir(join(dir.path, 'flux'));
    fs.cpSync(join(dir.path, 'flux'), join(dir.path, 'flux-previous'), { recursive: true });
    // The new render differs in every model file: each model gets more CPU.
    for (const env of ['dev', 'staging', 'production']) {
      for (const f of fs.readdirSync(join(dir.path, 'environments', env, 'models'))) {
        const path = join(dir.path, 'environments', env, 'models', f);
        writeFileSync(path, readFileSync(path, 'utf8').replace('cpu: "2"', 'cpu: "3"'));
      }
    }
    expect(await synth(120_000)).toBe(0);
    const next = snapshotDir(join(dir.path, 'flux'));
    expect(next).not.toEqual(old);
    const codes = new Set<number | null>();
    for (const delay of [100, 400, 800, 1200, 1600, 2200, 3000]) {
      rmSync(join(dir.path, 'flux'), { recursive: true, force: true });
      fs.cpSync(join(dir.path, 'flux-previous'), join(dir.path, 'flux'), { recursive: true });
      codes.add(await synth(delay));
      const now = snapshotDir(join(dir.path, 'flux'));
      const state =
        JSON.stringify([...now]) === JSON.stringify([...old]) ? 'previous' : JSON.stringify([...now]) === JSON.stringify([...next]) ? 'new' : 'mixed';
      expect(state, `SIGTERM after ${delay} ms`).not.toBe('mixed');
      expect(fs.readdirSync(dir.path).filter((e) => e.startsWith('.tritonops-tmp-'))).toEqual([]);
    }
    // 0: finished first; 143: stopped at a safe point; null: killed before the handlers were installed.
    expect([...codes].every((c) => c === 0 || c === 1 || c === 143 || c === null)).toBe(true);
  }, 180_000);
});

describe('concurrent synth --env', () => {
  it('renders different environments side by side (as Nx runs them) to the same tree as one synth', async () => {
    const dir = tempDir('concurrent');
    cleanups.push(dir.remove);
    writeFleet(dir.path, 40);
    const runs = await Promise.all(['dev', 'staging', 'production'].map((env) => spawnSynth(dir.path, ['--env', env])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const sideBySide = snapshotDir(join(dir.path, 'flux'));
    const check = await runCli(['synth', '--check', '--no-cache'], dir.path);
    expect(check.code, check.stderr).toBe(0);
    expect([...sideBySide.keys()].filter((p) => p.startsWith('models/')).map((p) => p.split('/')[1])).toEqual(
      expect.arrayContaining(['dev', 'staging', 'production']),
    );
  }, 120_000);

  it('leaves the folders of a deleted environment to a full synth, and says so', async () => {
    const dir = await renderedBundledWorkspace('orphan');
    cleanups.push(dir.remove);
    rmSync(join(dir.path, 'environments/production'), { recursive: true });
    const one = await runCli(['synth', '--env', 'dev'], dir.path);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain('warning: flux/models/production/ belongs to no environment under environments/');
    expect(snapshotDir(join(dir.path, 'flux/models/production')).size).toBeGreaterThan(0);
    const all = await runCli(['synth', '--allow-removal'], dir.path);
    expect(all.code, all.stderr).toBe(0);
    expect(snapshotDir(join(dir.path, 'flux/models/production')).size).toBe(0);
  });
});
