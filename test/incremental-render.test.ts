/**
 * The workspace cache (.git/tritonops-cache/): a one-model change re-checks and re-renders only what
 * it touches, and a cached render is byte-for-byte a fresh one — after any kind of edit, a hand
 * edit under flux/, a corrupt cache or a changed renderer.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelName, writeFleet } from './support/fleet.ts';
import { runCli, snapshotDir, tempDir } from './support/workspace.ts';

const FLEET_SIZE = 6;
let fleet: { path: string; remove: () => void };
const removals: (() => void)[] = [];
beforeAll(() => {
  fleet = tempDir('incremental');
  writeFleet(fleet.path, FLEET_SIZE);
});
afterAll(() => {
  fleet.remove();
  removals.splice(0).forEach((r) => r());
});

const specPath = (root: string, env: string, model: string) => join(root, 'environments', env, 'models', `${model}.yaml`);
const edit = (path: string, from: string | RegExp, to: string) => {
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit of ${path} changed nothing`);
  writeFileSync(path, next);
};

/** flux/ as a fresh render without any cache gives it, for the specs now under `root`. */
async function freshRender(root: string): Promise<Map<string, string>> {
  const copy = tempDir('fresh');
  removals.push(copy.remove);
  cpSync(join(root, 'environments'), join(copy.path, 'environments'), { recursive: true });
  const result = await runCli(['synth', '--no-cache', '--root', copy.path], copy.path);
  expect(result.code, result.stderr).toBe(0);
  // No Git folder, no cache.
  expect(existsSync(join(copy.path, '.git'))).toBe(false);
  return snapshotDir(join(copy.path, 'flux'));
}

function renderedAndReused(stdout: string): [number, number] {
  const match = /; (\d+) rendered, (\d+) reused\)$/m.exec(stdout);
  if (!match) throw new Error(`no rendered/reused figures in: ${stdout}`);
  return [Number(match[1]), Number(match[2])];
}

describe('incremental synth', () => {
  it('re-renders one changed model and the one environment-wide file built from the models, reusing every other file', async () => {
    const first = await runCli(['synth', '--root', fleet.path], fleet.path);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toMatch(/reused/); // nothing to reuse yet
    const files = snapshotDir(join(fleet.path, 'flux')).size;

    edit(specPath(fleet.path, 'staging', modelName(2)), 'cpu: "2"', 'cpu: "3"');
    const second = await runCli(['synth', '--root', fleet.path], fleet.path);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^wrote flux\/: 0 added, 1 changed, 0 removed/);
    const [rendered, reused] = renderedAndReused(second.stdout);
    // The model's objects and its Kustomization, and the Helm repositories (Flagger's is there
    // while some model uses analysis): every other environment-wide file is built without the
    // models (docs/architecture.md, "Concurrent pull requests").
    expect(rendered).toBe(2 + 1);
    expect(rendered + reused).toBe(files);
    expect(snapshotDir(join(fleet.path, 'flux'))).toEqual(await freshRender(fleet.path));

    const again = await runCli(['synth', '--root', fleet.path], fleet.path);
    expect(again.stdout).toMatch(/^up to date: /);
    expect(renderedAndReused(again.stdout)).toEqual([0, files]);
  });

  it('gives the bytes of a fresh render after every kind of edit', async () => {
    const root = tempDir('incremental-edits');
    removals.push(root.remove);
    writeFleet(root.path, FLEET_SIZE);
    expect((await runCli(['synth', '--root', root.path], root.path)).code).toBe(0);
    const steps: [string, () => void][] = [
      ['a model field', () => edit(specPath(root.path, 'dev', modelName(1)), 'maxReplicas: 3', 'maxReplicas: 5')],
      ['an environment field every model carries', () => edit(join(root.path, 'environments/dev/environment.yaml'), 'region: ru-1', 'region: ru-2')],
      ['a GPU pool', () => edit(join(root.path, 'environments/staging/environment.yaml'), 'gpuMemory: 16Gi', 'gpuMemory: 24Gi')],
      ['a canary weight', () => edit(specPath(root.path, 'production', modelName(0)), 'weight: 10', 'weight: 5')],
      [
        'a new model',
        () =>
          writeFileSync(
            specPath(root.path, 'dev', 'model-new'),
            readFileSync(specPath(root.path, 'dev', modelName(3)), 'utf8').replace(`name: ${modelName(3)}`, 'name: model-new'),
          ),
      ],
      [
        'a model renamed',
        () => {
          writeFileSync(
            specPath(root.path, 'dev', 'model-renamed'),
            readFileSync(specPath(root.path, 'dev', 'model-new'), 'utf8').replace('name: model-new', 'name: model-renamed'),
          );
          rmSync(specPath(root.path, 'dev', 'model-new'));
        },
      ],
      ['a removed model', () => rmSync(specPath(root.path, 'production', modelName(5)))],
      ['a pipeline step', () => edit(join(root.path, 'environments/dev/pipelines/chain-0000.yaml'), `model: ${modelName(1)}`, `model: ${modelName(2)}`)],
      ['a comment only', () => edit(specPath(root.path, 'staging', modelName(4)), /^spec:$/m, '# a comment\nspec:')],
    ];
    for (const [what, step] of steps) {
      step();
      const result = await runCli(['synth', '--allow-removal', '--root', root.path], root.path);
      expect(result.code, `${what}: ${result.stderr}`).toBe(0);
      expect(snapshotDir(join(root.path, 'flux')), what).toEqual(await freshRender(root.path));
    }
  });

  it('renders over a hand edit under flux/ and --check reports it, though the cache knows the file', async () => {
    const file = join(fleet.path, 'flux/models/dev/models', modelName(1), `${modelName(1)}.yaml`);
    const rendered = readFileSync(file, 'utf8');
    writeFileSync(file, `${rendered}# edited by hand\n`);
    const check = await runCli(['synth', '--check', '--root', fleet.path], fleet.path);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(`  differs  flux/models/dev/models/${modelName(1)}/${modelName(1)}.yaml`);
    const synth = await runCli(['synth', '--root', fleet.path], fleet.path);
    expect(synth.stdout).toMatch(/^wrote flux\/: 0 added, 1 changed, 0 removed/);
    expect(renderedAndReused(synth.stdout)[0]).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(rendered);
  });

  it('treats a corrupt cache, or one from another version of the renderer, as empty', async () => {
    const cacheFile = join(fleet.path, '.git/tritonops-cache/dev.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { fingerprint: string };
    writeFileSync(cacheFile, JSON.stringify({ ...cache, fingerprint: 'f'.repeat(64) }));
    writeFileSync(join(fleet.path, '.git/tritonops-cache/staging.json'), '{"format": 1, "fingerprint": tru');
    const before = snapshotDir(join(fleet.path, 'flux'));
    const result = await runCli(['synth', '--root', fleet.path], fleet.path);
    expect(result.code, result.stderr).toBe(0);
    const [rendered] = renderedAndReused(result.stdout);
    const devAndStaging = [...before.keys()].filter((p) => /^(clusters|infrastructure|models)\/(dev|staging)\//.test(p)).length;
    expect(rendered).toBe(devAndStaging);
    expect(snapshotDir(join(fleet.path, 'flux'))).toEqual(before);
    expect((JSON.parse(readFileSync(cacheFile, 'utf8')) as { fingerprint: string }).fingerprint).toBe(cache.fingerprint);
  });

  it('reports problems in files restored from the cache at the same place as a cold run', async () => {
    const root = tempDir('incremental-diagnostics');
    removals.push(root.remove);
    writeFleet(root.path, FLEET_SIZE);
    // Written but ignored under autoscaling: the warning needs to know what the file says, not its defaults.
    edit(specPath(root.path, 'dev', modelName(1)), /^spec:$/m, 'spec:\n  replicas: 2');
    expect((await runCli(['validate', '--root', root.path], root.path)).code).toBe(0);
    expect(existsSync(join(root.path, '.git/tritonops-cache/dev.json'))).toBe(true);
    // Break a cross-file reference: the models' own bytes do not change, so they come from the cache.
    edit(join(root.path, 'environments/dev/environment.yaml'), /^ {4}t4:/m, '    a10:');
    const cached = await runCli(['validate', '--root', root.path], root.path);
    const cold = await runCli(['validate', '--no-cache', '--root', root.path], root.path);
    expect(cached.code).toBe(1);
    expect(cached.stderr).toMatch(new RegExp(`environments/dev/models/${modelName(1)}\\.yaml:\\d+:\\d+: error: `));
    expect(cached.stderr).toMatch(/warning: `replicas` is ignored/);
    expect(cached).toEqual(cold);
  });
});
