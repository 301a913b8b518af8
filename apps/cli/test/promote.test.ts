/**
 * Promotion on throw-away Git repositories (docs/promotion.md): `promote` copies releases only
 * (the target's canary, placement and comments stay), promotes pipelines, creates what the target
 * lacks, removes overrides it makes obsolete; the promotion gate compares with the base branch, so
 * one pull request cannot change staging and production together; `new` in a promoted environment
 * copies the source's release instead of writing an override.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanup, cli, copyOfEnvironments, expectGolden } from './support.ts';
import { commit, git } from './git-fixture.ts';

afterEach(cleanup);

/** The bundled environments committed on main. */
function repository(): string {
  const root = copyOfEnvironments('promote');
  git(root, 'init', '-q', '-b', 'main');
  commit(root, 'base');
  return root;
}

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');
const spec = (root: string, path: string) => (parse(read(root, path)) as { spec: Record<string, unknown> }).spec;
const edit = (root: string, path: string, from: string, to: string) => {
  const text = read(root, path);
  expect(text).toContain(from);
  writeFileSync(join(root, path), text.replace(from, to));
};

const WHISPER = (env: string) => `environments/${env}/models/whisper.yaml`;
/** A base label with its commit hidden. */
const hideCommit = (text: string) => text.replace(/\(([0-9a-f]{12})\)/g, '(<commit>)');

describe('tritonops promote', () => {
  it('copies the release and keeps every comment and the placement of the target (golden); never brings the source canary', async () => {
    const root = repository();
    // On main, staging made its canary the stable release.
    expect((await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging')).code).toBe(0);
    commit(root, 'staging: whisper 2024-11-25');
    git(root, 'checkout', '-q', '-b', 'promote-whisper');
    const r = await cli(root, 'promote', 'whisper', '--from', 'staging', '--to', 'production');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Promote whisper from staging to production');
    expect(r.stdout).toContain(
      'Copies the release (models: image, repository, models, args, signatures) from `staging` to `production`. Everything else in `production` - placement, scale, its canary, traffic, auth - is unchanged',
    );
    expect(r.stdout).toContain('<tr><td><code>model whisper</code></td><td><code>release</code></td>');
    await expectGolden('production-whisper-promoted.yaml', read(root, WHISPER('production')));
    expect(read(root, WHISPER('production'))).not.toContain('canary');
    expect((await cli(root, 'validate')).code).toBe(0);
    const rendered = read(root, 'flux/models/production/models/whisper/whisper.yaml');
    expect(rendered).toContain('whisper/2024-11-25');
    expect(rendered).not.toContain('whisper-canary');
  });

  it("keeps the target's canary: weight and header in staging, Flagger analysis in production", async () => {
    const root = repository();
    edit(root, WHISPER('dev'), 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-11-22');
    const sd = 'environments/staging/models/stable-diffusion.yaml';
    edit(root, sd, 'stable-diffusion-xl/2024-09-30', 'stable-diffusion-xl/2024-12-01');
    commit(root, 'dev and staging move on');
    const stagingBefore = spec(root, WHISPER('staging'));
    expect((await cli(root, 'promote', 'whisper', '--from', 'dev', '--to', 'staging')).code).toBe(0);
    const staging = spec(root, WHISPER('staging'));
    expect(staging.repository).toBe('s3://models/whisper/2024-11-22');
    expect(staging.canary).toEqual({ repository: 's3://models/whisper/2024-11-25', weight: 10, header: { 'x-canary': 'true' } });
    for (const own of ['autoscaling', 'gpuMemory', 'resources', 'cache', 'env']) expect(staging[own]).toEqual(stagingBefore[own]);

    const productionSd = 'environments/production/models/stable-diffusion.yaml';
    const analysis = spec(root, productionSd).canary;
    const r = await cli(root, 'promote', 'stable-diffusion', '--from', 'staging', '--to', 'production');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(spec(root, productionSd).repository).toBe('s3://models/stable-diffusion-xl/2024-12-01');
    expect(spec(root, productionSd).canary).toEqual(analysis);
    expect(read(root, productionSd)).toContain('# Every release change is rolled out by Flagger');
  });

  it('promotes pipelines by name and with --all, keeping their scale', async () => {
    const root = repository();
    const pipeline = (env: string) => `environments/${env}/pipelines/speech-to-image.yaml`;
    edit(root, pipeline('staging'), 'timeoutSeconds: 120          # an image takes tens of seconds', 'timeoutSeconds: 180');
    commit(root, 'staging: a longer draw step');
    const autoscaling = spec(root, pipeline('production')).autoscaling;
    const r = await cli(root, 'promote', 'speech-to-image', '--from', 'staging', '--to', 'production');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(pipelines: image, localRepository, signatures, inputs, outputs, steps)');
    const production = spec(root, pipeline('production'));
    expect((production.steps as { name: string; timeoutSeconds?: number }[]).find((s) => s.name === 'draw')?.timeoutSeconds).toBe(180);
    expect(production.autoscaling).toEqual(autoscaling);

    // Only whisper moved on in staging: --all names only what changes.
    expect((await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging')).code).toBe(0);
    commit(root, 'staging: whisper 2024-11-25, speech-to-image in production');
    const all = await cli(root, 'promote', '--all', '--from', 'staging', '--to', 'production');
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')[0]).toBe('Promote whisper from staging to production');
    expect(all.stdout).toContain('- Already the same in production: `densenet`, `llama-7b`, `stable-diffusion`, `speech-to-image`.');
    expect(all.stdout).toContain('Files: `environments/production/models/whisper.yaml` and `flux/*/production/` (rendered).');
    expect(all.stdout).not.toContain('Not promoted');
    const none = await cli(root, 'promote', '--all', '--from', 'staging', '--to', 'production');
    expect(none.code).toBe(0);
    expect(none.stdout.split('\n')[0]).toBe('Nothing to promote from staging to production');
    expect(none.stdout).not.toContain('Files:');
    // dev has a pipeline staging lacks: --all says so instead of creating it.
    const dev = await cli(root, 'promote', '--all', '--from', 'dev', '--to', 'staging');
    expect(dev.code).toBe(0);
    expect(dev.stdout).toContain(
      '- Not promoted: dev has `pipeline image-classification`, which staging does not; `--all` creates nothing: promote it by name.',
    );

    const typo = await cli(root, 'promote', 'speech-to-imag', '--from', 'staging', '--to', 'production');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('error: "speech-to-imag" is neither a model nor a pipeline of "staging"');
    expect(typo.stderr).toContain('did you mean "speech-to-image"?');
  });

  it('creates a model missing in the target from the source spec, without its canary and override, and says so', async () => {
    const root = repository();
    const tokenizer = (env: string) => `environments/${env}/models/tokenizer.yaml`;
    writeFileSync(
      join(root, tokenizer('dev')),
      `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata:
  name: tokenizer
  annotations:
    tritonops.dev/promotion-override: tried in dev only
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/tokenizer/v1   # the first build
  # Placement: t4 offers 4 × nvidia.com/gpu.shared per node
  resources: { cpu: "1", memory: 2Gi, shm: 256Mi }   # a dev node's share
  # testers only
  canary:
    repository: s3://models/tokenizer/v2
    weight: 0
    header: { x-canary: "true" }
`,
    );
    commit(root, 'dev: tokenizer');
    const r = await cli(root, 'promote', 'tokenizer', '--from', 'dev', '--to', 'staging');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('- New in staging: model `tokenizer`, placement copied from dev; review gpuPool, replicas, autoscaling.');
    // The comments on dev's placement are gone; the release's stays.
    expect(read(root, tokenizer('staging'))).toBe(`apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata:
  name: tokenizer
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/tokenizer/v1   # the first build
  resources: { cpu: "1", memory: 2Gi, shm: 256Mi }
`);
    expect((await cli(root, 'validate')).code).toBe(0);
  });

  it('writes nothing when a model new in the target would not validate there, naming the pool and what to do', async () => {
    const root = repository();
    edit(
      root,
      'environments/dev/environment.yaml',
      '  gpuPools:\n',
      '  gpuPools:\n    l4: { nodeSelector: { gpu.example.com/model: l4 }, gpusPerNode: 1, maxNodes: 2, gpuMemory: 24Gi }\n',
    );
    writeFileSync(
      join(root, 'environments/dev/models/bert.yaml'),
      'apiVersion: tritonops.dev/v1alpha1\nkind: Model\nmetadata: { name: bert }\nspec:\n  image: nvcr.io/nvidia/tritonserver:24.10-py3\n  repository: s3://models/bert/v1\n  gpuPool: l4\n',
    );
    commit(root, 'dev: bert on l4');
    const r = await cli(root, 'promote', 'bert', '--from', 'dev', '--to', 'staging');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/environments\/staging\/models\/bert\.yaml:7:\d+: error: .*"l4"/);
    expect(r.stderr).toContain('nothing was written');
    expect(r.stderr).toContain('model "bert" is new in staging; its spec was copied from dev, placement included');
    expect(r.stderr).toContain('`tritonops new model bert --env staging --pool <gpu-pool>`');
    expect(existsSync(join(root, 'environments/staging/models/bert.yaml'))).toBe(false);
  });

  it('suggests promoting a model together with the pipeline whose step it fails; shows the signatures it adds', async () => {
    const root = repository();
    const r = await cli(root, 'promote', 'image-classification', '--from', 'dev', '--to', 'staging');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('model "densenet" declares no signature for Triton model "densenet_onnx"');
    expect(r.stderr).toContain(
      '= note: pipeline "image-classification" calls model "densenet", whose release differs between dev and staging: promote it together with the pipeline: `tritonops promote densenet image-classification --from dev --to staging`',
    );
    expect(r.stderr).not.toContain('by hand');
    expect(existsSync(join(root, 'environments/staging/pipelines/image-classification.yaml'))).toBe(false);

    const both = await cli(root, 'promote', 'densenet', 'image-classification', '--from', 'dev', '--to', 'staging');
    expect(both.code).toBe(0);
    expect(both.stdout.split('\n')[0]).toBe('Promote densenet, image-classification from dev to staging');
    expect(both.stdout).toContain(
      '<tr><td><code>model densenet</code></td><td><code>signatures</code></td><td><code>(none)</code></td><td><code>densenet_onnx: data_0 FP32 [3,224,224] -&#62; fc6_1 FP32 [1000]</code></td></tr>',
    );
  });

  it('puts the warnings of the target into the pull-request body, as code, and on stderr', async () => {
    const root = repository();
    expect((await cli(root, 'new', 'model', 'bert', '--env', 'dev', '--pool', 't4')).code).toBe(0);
    commit(root, 'dev: bert');
    const r = await cli(root, 'promote', 'bert', '--from', 'dev', '--to', 'staging');
    expect(r.code).toBe(0);
    const warning = 'environments/staging/environment.yaml:23:17: warning: GPU pool "t4" cannot fit the demand at maximum scale';
    expect(r.stderr).toContain(warning);
    const body = r.stdout.split('\n');
    const at = body.indexOf('### Warnings');
    expect(at).toBeGreaterThan(0);
    expect(body.slice(at + 1, at + 4)).toEqual(['', '```', expect.stringContaining(warning)]);
    expect(body.slice(at).indexOf('```', 3)).toBeGreaterThan(0);
    // The template's commented-out scaling example of dev is not copied; the release's comment is.
    const text = read(root, 'environments/staging/models/bert.yaml');
    expect(text).not.toContain('# autoscaling:');
    expect(text).toContain('# The release: what runs.');
  });

  it('warns when the stable release moves under a static canary; `canary promote` then refuses to go back unless --allow-older', async () => {
    const root = repository();
    edit(root, WHISPER('dev'), 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-12-01');
    commit(root, 'dev: whisper 2024-12-01');
    const r = await cli(root, 'promote', 'whisper', '--from', 'dev', '--to', 'staging');
    expect(r.code).toBe(0);
    const warning =
      'warning: the canary of "whisper" in "staging" still runs repository s3://models/whisper/2024-11-25 (weight 10), while the stable release is now repository s3://models/whisper/2024-12-01';
    const hint = '= hint: update or remove the canary: set its release fields to the release to try next, or `tritonops canary weight whisper 0 --env staging`';
    expect(r.stderr).toContain(`environments/staging/models/whisper.yaml: ${warning}`);
    expect(r.stderr).toContain(hint);
    const body = r.stdout.slice(r.stdout.indexOf('### Warnings'));
    expect(body).toContain(`\n\`\`\`\nenvironments/staging/models/whisper.yaml: ${warning}`);
    expect(body).toContain(hint);

    const before = read(root, WHISPER('staging'));
    const refused = await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'environments/staging/models/whisper.yaml: error: promoting the canary of "whisper" may go back to an earlier release: it was set up when the stable release was s3://models/whisper/2024-11-20',
    );
    expect(refused.stderr).toContain('run again with --allow-older');
    expect(read(root, WHISPER('staging'))).toBe(before);
    const rollback = await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging', '--allow-older');
    expect(rollback.code).toBe(0);
    expect(spec(root, WHISPER('staging')).repository).toBe('s3://models/whisper/2024-11-25');
  });

  it('`canary promote` refuses a canary whose release the stable track ran before', async () => {
    const root = repository();
    // staging's stable moved to 2024-11-25 (its canary's), and a canary brings 2024-11-20 back.
    expect((await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging')).code).toBe(0);
    writeFileSync(
      join(root, WHISPER('staging')),
      `${read(root, WHISPER('staging'))}  canary:\n    repository: s3://models/whisper/2024-11-20\n    weight: 5\n`,
    );
    const r = await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'may go back to an earlier release: its release (s3://models/whisper/2024-11-20, nvcr.io/nvidia/tritonserver:24.10-py3, models whisper) ran as the stable release before',
    );
    expect((await cli(root, 'canary', 'weight', 'whisper', '0', '--env', 'staging')).code).toBe(0);
  });

  it('removes the override the promotion makes obsolete, which validate reports as stale', async () => {
    const root = repository();
    // A hotfix reached production ahead of staging, with an override.
    edit(root, WHISPER('production'), 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-11-25');
    edit(
      root,
      WHISPER('production'),
      '  name: whisper\n',
      '  name: whisper\n  annotations:\n    # until staging runs it\n    tritonops.dev/promotion-override: hotfix\n',
    );
    commit(root, 'production: hotfix');
    expect((await cli(root, 'canary', 'promote', 'whisper', '--env', 'staging')).code).toBe(0);
    commit(root, 'staging catches up');
    const stale = await cli(root, 'validate');
    expect(stale.code).toBe(0);
    expect(stale.stderr).toContain(
      'environments/production/models/whisper.yaml:9:5: warning: the promotion override of "whisper" is not needed any more: "staging" at merge-base with main',
    );
    const r = await cli(root, 'promote', 'whisper', '--from', 'staging', '--to', 'production');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('- Removed the promotion override of `whisper` (`hotfix`): production now runs releases staging runs.');
    expect(r.stdout).toContain('<td><code>promotion override</code></td><td><code>hotfix</code></td><td><code>(none)</code></td>');
    const text = read(root, WHISPER('production'));
    expect(text).not.toContain('annotations');
    expect(text).not.toContain('until staging runs it');
    expect(text).toContain('  name: whisper\n  labels:\n    team: speech\n');
    const clean = await cli(root, 'validate');
    expect(clean.stderr).not.toContain('promotion override');
  });

  it('refuses a release the source has only in this change, not on main, naming the base', async () => {
    const root = repository();
    edit(root, WHISPER('dev'), 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-12-01');
    commit(root, 'dev: whisper 2024-12-01');
    git(root, 'checkout', '-q', '-b', 'too-fast');
    expect((await cli(root, 'promote', 'whisper', '--from', 'dev', '--to', 'staging')).code).toBe(0);
    commit(root, 'staging: whisper 2024-12-01, not merged');
    const before = read(root, WHISPER('production'));
    const r = await cli(root, 'promote', 'whisper', '--from', 'staging', '--to', 'production');
    expect(r.code).toBe(1);
    const stderr = hideCommit(r.stderr);
    expect(stderr).toContain(
      'environments/production/models/whisper.yaml:11:15: error: the release of "whisper" (s3://models/whisper/2024-12-01, nvcr.io/nvidia/tritonserver:24.10-py3) has not run in "staging" at merge-base with main (<commit>)',
    );
    expect(stderr).toContain('"staging" runs it only in this change, not at merge-base with main (<commit>): merge the change to staging first');
    expect(stderr).toContain('nothing was written');
    expect(read(root, WHISPER('production'))).toBe(before);
  });

  it('refuses unknown names and environments with a clear error, writing nothing', async () => {
    const root = repository();
    const before = read(root, WHISPER('production'));
    const model = await cli(root, 'promote', 'wisper', '--from', 'staging', '--to', 'production');
    expect(model.code).toBe(2);
    expect(model.stderr).toContain('"wisper" is neither a model nor a pipeline of "staging"');
    expect(model.stderr).toContain('did you mean "whisper"?');
    const env = await cli(root, 'promote', 'whisper', '--from', 'stagng', '--to', 'production');
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('did you mean "staging"?');
    const order = await cli(root, 'promote', 'whisper', '--from', 'dev', '--to', 'production');
    expect(order.code).toBe(2);
    expect(order.stderr).toContain('environment "production" is promoted from "staging", not from "dev"');
    expect(read(root, WHISPER('production'))).toBe(before);
  });
});

describe('the promotion gate', () => {
  it('refuses a pull request that changes staging and production together; passes once staging’s change is on main', async () => {
    const root = repository();
    edit(root, WHISPER('dev'), 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-12-01');
    commit(root, 'dev: whisper 2024-12-01');
    git(root, 'checkout', '-q', '-b', 'both');
    for (const env of ['staging', 'production']) edit(root, WHISPER(env), 'whisper/2024-11-20', 'whisper/2024-12-01');
    commit(root, 'staging and production at once');
    const r = await cli(root, 'validate');
    expect(r.code).toBe(1);
    expect(hideCommit(r.stderr)).toContain(
      'environments/production/models/whisper.yaml:11:15: error: the release of "whisper" (s3://models/whisper/2024-12-01, nvcr.io/nvidia/tritonserver:24.10-py3) has not run in "staging" at merge-base with main (<commit>), which environment "production" is promoted from',
    );
    expect(r.stderr).not.toContain('environments/staging/models/whisper.yaml');
    // --base names the commit to compare with: the branch itself lets it through.
    expect((await cli(root, 'validate', '--base', 'HEAD')).stderr).not.toContain('has not run');

    // Staging's change merges to main on its own; the branch takes main in.
    git(root, 'checkout', '-q', 'main');
    edit(root, WHISPER('staging'), 'whisper/2024-11-20', 'whisper/2024-12-01');
    commit(root, 'staging: whisper 2024-12-01');
    git(root, 'checkout', '-q', 'both');
    git(root, 'merge', '-q', '--no-edit', 'main');
    const after = await cli(root, 'validate');
    expect(after.stderr).not.toContain('error');
    expect(after.code).toBe(0);
  });

  it('accepts a release the source ran earlier on main (Git history), and an explicit override', async () => {
    const root = repository();
    edit(root, WHISPER('dev'), 's3://models/whisper/2024-11-20', 's3://models/whisper/2024-11-22');
    commit(root, 'dev moves on');
    expect((await cli(root, 'promote', 'whisper', '--from', 'dev', '--to', 'staging')).code).toBe(0);
    commit(root, 'staging moves on');
    expect((await cli(root, 'validate')).code).toBe(0); // production still runs 2024-11-20, which staging ran
    edit(root, WHISPER('production'), 's3://models/whisper/2024-11-20', 's3://models/whisper/2024-12-01');
    const refused = await cli(root, 'validate');
    expect(refused.code).toBe(1);
    // staging runs 2024-11-22, which production never ran: promoting moves it on.
    expect(refused.stderr).toContain(
      'hint: promote it: `tritonops promote whisper --from staging --to production` replaces the release of "production" with the one "staging" runs',
    );
    edit(
      root,
      WHISPER('production'),
      '  name: whisper\n',
      '  name: whisper\n  annotations:\n    tritonops.dev/promotion-override: hotfix, staging follows tomorrow\n',
    );
    expect((await cli(root, 'validate')).code).toBe(0);
  });

  it('tells a hotfix ahead of the source to run there first, not to promote (which would set it back)', async () => {
    const root = repository();
    edit(root, WHISPER('production'), 's3://models/whisper/2024-11-20', 's3://models/whisper/2024-12-01');
    const r = await cli(root, 'validate');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      '= hint: run it in "staging" first (merge it there), or set metadata.annotations["tritonops.dev/promotion-override"] to the reason',
    );
    expect(r.stderr).not.toContain('promote it:');
  });

  it('outside Git compares with the working tree, quietly', async () => {
    const root = copyOfEnvironments('no-git');
    edit(root, WHISPER('production'), 's3://models/whisper/2024-11-20', 's3://models/whisper/2024-12-01');
    const r = await cli(root, 'validate');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has not run in "staging", which environment "production" is promoted from');
  });
});

describe('tritonops new', () => {
  it('writes a commented model spec that validates as written', async () => {
    const root = repository();
    const r = await cli(root, 'new', 'model', 'bert', '--env', 'dev', '--pool', 't4');
    expect(r.code).toBe(0);
    const text = read(root, 'environments/dev/models/bert.yaml');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../../packages/spec/schemas/model.schema.json');
    expect(text).toContain('gpuPool: t4');
    expect((await cli(root, 'validate')).code).toBe(0);
    const again = await cli(root, 'new', 'model', 'bert', '--env', 'dev');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('in a promoted environment copies the source’s release, without an override; refuses a model the source lacks', async () => {
    const root = repository();
    const bert = (env: string) => `environments/${env}/models/bert.yaml`;
    const lacking = await cli(root, 'new', 'model', 'bert', '--env', 'staging', '--pool', 't4');
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toContain('error: model "bert" does not exist in "dev", which environment "staging" is promoted from');
    expect(lacking.stderr).toContain(
      'create it there first (`tritonops new model bert --env dev`), merge that, then `tritonops promote bert --from dev --to staging`',
    );
    expect(existsSync(join(root, bert('staging')))).toBe(false);

    expect((await cli(root, 'new', 'model', 'bert', '--env', 'dev', '--pool', 't4')).code).toBe(0);
    edit(root, bert('dev'), 's3://models/bert/v1', 's3://models/bert/2024-12-01');
    // Not merged yet: the gate compares with main, where dev has no bert.
    const early = await cli(root, 'new', 'model', 'bert', '--env', 'staging', '--pool', 't4');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('model "bert" does not exist in "dev" at merge-base with main');
    commit(root, 'dev: bert');

    const r = await cli(root, 'new', 'model', 'bert', '--env', 'staging', '--pool', 'a100');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("its release is dev's");
    const text = read(root, bert('staging'));
    expect(text).not.toContain('promotion-override');
    expect(spec(root, bert('staging'))).toMatchObject({ repository: 's3://models/bert/2024-12-01', gpuPool: 'a100' });
    expect((await cli(root, 'validate')).code).toBe(0);
  });

  it('writes a pipeline wired to a model with signatures, valid as written; refuses unknown pools', async () => {
    const root = repository();
    expect((await cli(root, 'new', 'pipeline', 'my-flow', '--env', 'staging')).code).toBe(0);
    expect((await cli(root, 'validate', '--env', 'staging')).code).toBe(0);
    const pool = await cli(root, 'new', 'model', 'x', '--env', 'production', '--pool', 'a10');
    expect(pool.code).toBe(2);
    expect(pool.stderr).toContain('did you mean "a100"?');
  });
});
