import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderAll } from '@tritonops/charts';
import { planRepository } from '@tritonops/planner';
import { cleanup, cli, copyOfEnvironments, expectGolden } from './support.ts';

afterEach(cleanup);
const workspace = () => copyOfEnvironments('canary');

type Obj = Record<string, any>;
function rendered(root: string, env: string): Obj[] {
  const result = planRepository({ root, only: [env], displayBase: root });
  expect(result.hasErrors).toBe(false);
  return renderAll(result.plans).flatMap((f) => parseAllDocuments(f.content).map((d) => (d as { toJS(): Obj }).toJS()));
}
const deployments = (objects: Obj[]) => objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels['tritonops.dev/model'] === 'whisper');

describe('tritonops canary promote', () => {
  it('rewrites the bundled staging spec in place, comments and formatting kept (golden)', async () => {
    const root = workspace();
    const file = join(root, 'environments/staging/models/whisper.yaml');
    const result = await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('repository: s3://models/whisper/2024-11-20 -> s3://models/whisper/2024-11-25');
    await expectGolden('staging-whisper-promoted.yaml', readFileSync(file, 'utf8'));
  });

  it('keeps the stable Deployment and its name, now running the canary release, and drops the canary track', async () => {
    const root = workspace();
    const before = deployments(rendered(root, 'staging'));
    expect(before.map((d) => d.metadata.name).sort()).toEqual(['whisper', 'whisper-canary']);
    await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging');
    const after = rendered(root, 'staging');
    const stable = deployments(after)[0]!;
    expect(deployments(after).map((d) => d.metadata.name)).toEqual(['whisper']);
    expect(stable.spec.selector).toEqual(before.find((d) => d.metadata.name === 'whisper')!.spec.selector);
    const initArgs = stable.spec.template.spec.initContainers[0].env.find((e: Obj) => e.name === 'SOURCE').value;
    expect(initArgs).toBe('s3://models/whisper/2024-11-25/');
    const dr = after.find((o) => o.kind === 'DestinationRule' && o.metadata.name === 'whisper')!;
    expect(dr.spec.subsets.map((s: Obj) => s.name)).toEqual(['stable']);
  });

  it('refuses models under Flagger analysis, and models without a canary, writing nothing', async () => {
    const root = workspace();
    const flagger = join(root, 'environments/production/models/stable-diffusion.yaml');
    const before = readFileSync(flagger, 'utf8');
    const r1 = await cli(root, 'canary', 'promote', 'stable-diffusion', '--env', 'production');
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('Flagger promotes its releases itself');
    expect(readFileSync(flagger, 'utf8')).toBe(before);
    const r2 = await cli(root, 'canary', 'promote', 'llama-7b', '--env', 'staging');
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('the model has no canary');
  });

  it('names unknown models and environments with a did-you-mean (exit 2)', async () => {
    const root = workspace();
    const model = await cli(root, 'canary', 'promote', 'wisper', '--env', 'staging');
    expect(model.code).toBe(2);
    expect(model.stderr).toContain('did you mean "whisper"?');
    const env = await cli(root, 'canary', 'promote', 'whisper', '--env', 'stagin');
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('did you mean "staging"?');
    const noEnv = await cli(root, 'canary', 'promote', 'whisper');
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toContain('needs exactly one --env');
  });
});

describe('tritonops canary weight', () => {
  it('changes only the weight line and the rendered split', async () => {
    const root = workspace();
    const file = join(root, 'environments/staging/models/whisper.yaml');
    const before = readFileSync(file, 'utf8');
    const result = await cli(root, 'canary', 'weight', 'whisper', '25', '--env', 'staging');
    expect(result.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(changed).toEqual(['    weight: 25']);
    const vs = rendered(root, 'staging').find((o) => o.kind === 'VirtualService' && o.metadata.name === 'whisper')!;
    const split = vs.spec.http.find((r: Obj) => r.name === 'default').route.map((d: Obj) => [d.destination.subset, d.weight]);
    expect(split).toEqual([
      ['stable', 75],
      ['canary', 25],
    ]);
  });

  it('rejects weights outside 0-100 as a usage error', async () => {
    const root = workspace();
    for (const bad of ['101', '-5', 'ten']) {
      const r = await cli(root, 'canary', 'weight', 'whisper', bad, '--env', 'staging');
      expect(r.code, bad).toBe(2);
    }
  });

  it('writes nothing when the environment would not validate afterwards', async () => {
    const root = workspace();
    const other = join(root, 'environments/staging/models/densenet.yaml');
    writeFileSync(other, readFileSync(other, 'utf8').replace('gpuPool: t4', 'gpuPool: t5'));
    const file = join(root, 'environments/staging/models/whisper.yaml');
    const before = readFileSync(file, 'utf8');
    const r = await cli(root, 'canary', 'weight', 'whisper', '30', '--env', 'staging');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gpuPool "t5" is not a pool of environment "staging"');
    expect(r.stderr).toContain('nothing was written');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
