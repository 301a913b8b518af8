import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderAll } from '@tritonops/charts';
import { planRepository } from '@tritonops/planner';
import { planCanaryEdit } from '../src/commands/canary.ts';
import { bundledRepository, edit } from './git-fixture.ts';
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

describe('tritonops canary start', () => {
  it('adds a canary block at the end of spec, keeping the rest of the file byte for byte, and the environment renders it', async () => {
    const root = workspace();
    const file = join(root, 'environments/staging/models/llama-7b.yaml');
    const before = readFileSync(file, 'utf8');
    const result = await cli(root, 'canary', 'start', 'llama-7b', '--env', 'staging', '--repository', 's3://models/llama-2-7b-chat/2024-11-01');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('started a canary of llama-7b on 10% of the traffic in environments/staging/models/llama-7b.yaml');
    expect(result.stdout).toContain('canary.repository: (none) -> s3://models/llama-2-7b-chat/2024-11-01');
    expect(readFileSync(file, 'utf8')).toBe(`${before}  canary:\n    repository: s3://models/llama-2-7b-chat/2024-11-01\n    weight: 10\n`);
    const objects = rendered(root, 'staging');
    const llama = objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels['tritonops.dev/model'] === 'llama-7b');
    expect(llama.map((d) => d.metadata.name).sort()).toEqual(['llama-7b', 'llama-7b-canary']);
    const vs = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'llama-7b')!;
    const split = vs.spec.http.find((r: Obj) => r.name === 'default').route.map((d: Obj) => [d.destination.subset, d.weight]);
    expect(split).toEqual([
      ['stable', 90],
      ['canary', 10],
    ]);
  });

  it('takes --image, --models and --weight, writing a sequence in the style the stable release uses', async () => {
    const root = workspace();
    const file = join(root, 'environments/dev/models/densenet.yaml');
    const before = readFileSync(file, 'utf8');
    const result = await cli(
      root,
      'canary',
      'start',
      'densenet',
      '--env',
      'dev',
      '--image',
      'nvcr.io/nvidia/tritonserver:24.11-py3',
      '--models',
      'densenet_onnx, densenet_trt',
      '--weight',
      '25',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(
      `${before}  canary:\n    image: nvcr.io/nvidia/tritonserver:24.11-py3\n    models: [densenet_onnx, densenet_trt]\n    weight: 25\n`,
    );
  });

  it('refuses a model that has a canary and a release that is the stable one, writing nothing', async () => {
    const root = workspace();
    const whisper = join(root, 'environments/staging/models/whisper.yaml');
    const whisperBefore = readFileSync(whisper, 'utf8');
    const again = await cli(root, 'canary', 'start', 'whisper', '--env', 'staging', '--repository', 's3://models/whisper/2024-12-01');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error: the model already has a canary');
    expect(again.stderr).toContain('Nothing was written.');
    expect(readFileSync(whisper, 'utf8')).toBe(whisperBefore);

    const llama = join(root, 'environments/staging/models/llama-7b.yaml');
    const llamaBefore = readFileSync(llama, 'utf8');
    const same = await cli(root, 'canary', 'start', 'llama-7b', '--env', 'staging', '--repository', 's3://models/llama-2-7b-chat/2024-10-15');
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('the canary would run the stable release: there is nothing to try');
    expect(readFileSync(llama, 'utf8')).toBe(llamaBefore);

    const invalid = await cli(root, 'canary', 'start', 'llama-7b', '--env', 'staging', '--repository', 'https://models/llama');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('nothing was written');
    expect(readFileSync(llama, 'utf8')).toBe(llamaBefore);
  });

  it('needs a release and a percent as usage errors (exit 2)', async () => {
    const root = workspace();
    const none = await cli(root, 'canary', 'start', 'llama-7b', '--env', 'staging');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('canary start needs the release to try');
    for (const bad of ['101', '-5', 'ten']) {
      const r = await cli(root, 'canary', 'start', 'llama-7b', '--env', 'staging', '--repository', 's3://models/x', `--weight=${bad}`);
      expect(r.code, bad).toBe(2);
    }
    const misplaced = await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging', '--image', 'x');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--image applies to `canary start` only');
  });
});

describe('tritonops canary remove', () => {
  it('removes a drained canary (weight 0, no routes left) with its comment, and its track from the render', async () => {
    const root = workspace();
    const file = join(root, 'environments/staging/models/densenet.yaml');
    const withMirror = readFileSync(file, 'utf8');
    const mirror = withMirror.slice(withMirror.indexOf('    mirror:'), withMirror.indexOf('      percent: 100\n') + '      percent: 100\n'.length);
    expect(mirror).toMatch(/^ {4}mirror:\n {6}percent: 100\n$/);
    // First step, merged before: the mirror goes.
    writeFileSync(file, withMirror.replace(mirror, ''));
    const before = readFileSync(file, 'utf8');
    const result = await cli(root, 'canary', 'remove', 'densenet', '--env', 'staging');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('removed the canary of densenet without promoting it');
    const block = before.slice(before.indexOf('  # Shadow the TensorRT build'), before.indexOf('    weight: 0\n') + '    weight: 0\n'.length);
    expect(block).toContain('  canary:\n');
    expect(readFileSync(file, 'utf8')).toBe(before.replace(block, ''));
    const names = rendered(root, 'staging')
      .filter((o) => o.kind === 'Deployment' && o.metadata.labels['tritonops.dev/model'] === 'densenet')
      .map((d) => d.metadata.name);
    expect(names).toEqual(['densenet']);
  });

  it('refuses a drained canary that still has a header route or a mirror: routes first, as the transition analysis says', async () => {
    const root = workspace();
    for (const [env, model, routes] of [
      ['dev', 'whisper', 'a header route'],
      ['staging', 'densenet', 'mirrored traffic'],
    ] as const) {
      const file = join(root, `environments/${env}/models/${model}.yaml`);
      const before = readFileSync(file, 'utf8');
      const result = await cli(root, 'canary', 'remove', model, '--env', env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `error: the canary of this model still gets ${routes}: removing it with its routes in one change makes requests on their way to it fail (503)`,
      );
      expect(result.stderr).toContain('Nothing was written.');
      expect(readFileSync(file, 'utf8')).toBe(before);
    }
  });

  it('refuses a canary that receives traffic with the drain step, and a Flagger canary, writing nothing', async () => {
    const root = workspace();
    const file = join(root, 'environments/staging/models/whisper.yaml');
    const before = readFileSync(file, 'utf8');
    const live = await cli(root, 'canary', 'remove', 'whisper', '--env', 'staging');
    expect(live.code).toBe(1);
    expect(live.stderr).toBe(
      'environments/staging/models/whisper.yaml: error: the canary of this model still receives 10% of the traffic: removing it would abort it mid-flight\n' +
        '  = hint: drain it first: `tritonops canary weight whisper 0 --env staging`, merge and let Flux apply it, then remove it\n' +
        'Nothing was written.',
    );
    expect(readFileSync(file, 'utf8')).toBe(before);

    const flagger = join(root, 'environments/production/models/stable-diffusion.yaml');
    const flaggerBefore = readFileSync(flagger, 'utf8');
    const analysis = await cli(root, 'canary', 'remove', 'stable-diffusion', '--env', 'production');
    expect(analysis.code).toBe(1);
    expect(analysis.stderr).toContain('Flagger runs its canary');
    expect(analysis.stderr).toContain('remove `canary.analysis`');
    expect(readFileSync(flagger, 'utf8')).toBe(flaggerBefore);
  });

  it('offers the closest action for a misspelt one (exit 2)', async () => {
    const root = workspace();
    for (const [typo, meant] of [
      ['remov', 'remove'],
      ['strat', 'start'],
    ]) {
      const r = await cli(root, 'canary', typo!, 'whisper', '--env', 'staging');
      expect(r.code, typo).toBe(2);
      expect(r.stderr, typo).toContain(`did you mean "${meant}"?`);
    }
  });
});

describe('planCanaryEdit', () => {
  it('returns the edited text and its changes without writing or printing', () => {
    const root = workspace();
    const file = join(root, 'environments/staging/models/llama-7b.yaml');
    const before = readFileSync(file, 'utf8');
    const plan = planCanaryEdit({
      root,
      env: 'staging',
      action: 'start',
      model: 'llama-7b',
      release: { image: 'nvcr.io/nvidia/tritonserver:24.11-vllm-python-py3' },
      weight: 5,
    });
    expect(plan).toEqual({
      ok: true,
      rel: 'environments/staging/models/llama-7b.yaml',
      text: `${before}  canary:\n    image: nvcr.io/nvidia/tritonserver:24.11-vllm-python-py3\n    weight: 5\n`,
      changes: ['canary.image: (none) -> nvcr.io/nvidia/tritonserver:24.11-vllm-python-py3', 'canary.weight: (none) -> 5'],
      message: 'started a canary of llama-7b on 5% of the traffic',
    });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('returns refusals with the exit code, the hint and the diagnostics of an invalid edit', () => {
    const root = workspace();
    const live = planCanaryEdit({ root, env: 'staging', action: 'remove', model: 'whisper' });
    expect(live).toMatchObject({ ok: false, exit: 1, rel: 'environments/staging/models/whisper.yaml', hint: expect.stringContaining('drain it first') });
    const unknown = planCanaryEdit({ root, env: 'staging', action: 'remove', model: 'wisper' });
    expect(unknown).toMatchObject({ ok: false, exit: 2, hint: 'did you mean "whisper"?' });
    const invalid = planCanaryEdit({ root, env: 'staging', action: 'start', model: 'llama-7b', release: { repository: 'https://x' }, weight: 10 });
    expect(invalid.ok).toBe(false);
    if (invalid.ok) return;
    expect(invalid.diagnostics?.some((d) => d.severity === 'error' && d.file.endsWith('llama-7b.yaml'))).toBe(true);
    expect(invalid.sources?.size).toBeGreaterThan(0);
  });

  it('marks a promotion refused because the canary may be the older release, and only that refusal', () => {
    const root = bundledRepository('canary-older');
    const rel = 'environments/staging/models/whisper.yaml';
    // The canary now runs what the committed stable release ran: promoting it would go back.
    edit(root, rel, 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-11-2x');
    edit(root, rel, 'repository: s3://models/whisper/2024-11-25', 'repository: s3://models/whisper/2024-11-20');
    edit(root, rel, 'repository: s3://models/whisper/2024-11-2x', 'repository: s3://models/whisper/2024-11-25');
    const older = planCanaryEdit({ root, env: 'staging', action: 'promote', model: 'whisper' });
    expect(older).toMatchObject({ ok: false, exit: 1, rel, olderRelease: true, message: expect.stringContaining('ran as the stable release before') });
    expect(planCanaryEdit({ root, env: 'staging', action: 'promote', model: 'whisper', allowOlder: true }).ok).toBe(true);
    const live = planCanaryEdit({ root, env: 'staging', action: 'remove', model: 'whisper' });
    expect(live.ok).toBe(false);
    expect(live).not.toHaveProperty('olderRelease');
  });
});
