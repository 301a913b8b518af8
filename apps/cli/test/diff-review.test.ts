/**
 * What an SRE reviewing a PR must not miss: `diff` and `validate --base` refuse what `synth`'s
 * prune guard would refuse (a namespace move that takes a weighted canary with it) and say when
 * synth needs --allow-removal; environment-level changes (Secrets, platform charts) are counted
 * and name what must exist before the merge; warnings the base already has are folded away;
 * text says what markdown says about each transition.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, cli } from './support.ts';
import { bundledRepository, commit, edit, markdownStructureProblem } from './git-fixture.ts';

afterEach(cleanup);

const STAGING_ENV = 'environments/staging/environment.yaml';
const NAMESPACE_MOVE_REFUSAL =
  "environment staging moves from namespace inference to inference-stg: every object in inference is removed, including the canary whisper-canary that receives 10% of whisper's traffic";

interface Json {
  refused: boolean;
  warnings: { about: string; new: boolean; warnings: number; diagnostics: string[] }[];
  environments: {
    environment: string;
    summary: { subject: string; what: string; before: string; after: string }[];
    notes: string[];
    transitions: { class: string; subject: string; change: string; effect: string; step?: string }[];
  }[];
}

const json = async (root: string) => JSON.parse((await cli(root, 'diff', '--base', 'main', '--format', 'json')).stdout) as Json;

describe('diff and validate --base run the prune guard', () => {
  it('refuse a namespace move that removes a canary still receiving traffic, as synth does, naming the move as the cause', async () => {
    const root = bundledRepository('diff-ns-move');
    edit(root, STAGING_ENV, '  namespace: inference\n', '  namespace: inference-stg\n');

    const text = await cli(root, 'diff', '--base', 'main');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('\nrefused: ');
    expect(text.stdout).toContain(`    [needs two steps] model whisper: ${NAMESPACE_MOVE_REFUSAL}\n`);
    expect(text.stdout).toContain('        first: set the weight to 0 (tritonops canary weight whisper 0 --env staging) and sync, then move the namespace\n');
    // The rest of the move is more than a fifth of staging: synth needs --allow-removal for it.
    expect(text.stdout).toMatch(
      /\[disruptive\] environment: environment staging moves from namespace inference to inference-stg: removes \d+ of \d+ objects \(\d+%, more than 20%\)\n +Flux deletes these from the cluster: `tritonops synth` stops unless run with --allow-removal\n/,
    );

    const md = await cli(root, 'diff', '--base', 'main', '--format', 'markdown');
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('> **Refused**:');
    expect(md.stdout).toMatch(/<tr><td><code>staging<\/code><\/td><td>1<\/td>.*<td><b>yes<\/b><\/td><\/tr>/);
    expect(md.stdout).toContain(`<td>⛔ needs two steps</td><td><code>model whisper</code></td><td>${NAMESPACE_MOVE_REFUSAL.replace(/'/g, '&#39;')}</td>`);
    expect(markdownStructureProblem(md.stdout)).toBeUndefined();
    expect((await json(root)).refused).toBe(true);

    const validate = await cli(root, 'validate', '--base', 'main');
    expect(validate.code).toBe(1);
    expect(validate.stdout).not.toContain('safe for a live cluster in one step');
    expect(validate.stderr).toContain(`environments/staging/environment.yaml:9:3: error: model whisper: ${NAMESPACE_MOVE_REFUSAL}`);
    expect(validate.stderr).toContain(
      'environments/staging/environment.yaml:9:3: warning: environment: environment staging moves from namespace inference to inference-stg: removes',
    );
  });

  it('synth refuses the same move even with --allow-removal, with the same cause; drained first, the move needs only --allow-removal', async () => {
    const root = bundledRepository('diff-ns-synth');
    expect((await cli(root, 'synth')).code).toBe(0);
    edit(root, STAGING_ENV, '  namespace: inference\n', '  namespace: inference-stg\n');
    const refused = await cli(root, 'synth', '--allow-removal');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`  staging: ${NAMESPACE_MOVE_REFUSAL}; set the weight to 0`);
    expect(refused.stderr).toContain('--allow-removal does not lift this');

    // Step one: the canary drained (and committed, as the base of step two).
    edit(root, STAGING_ENV, '  namespace: inference-stg\n', '  namespace: inference\n');
    edit(root, 'environments/staging/models/whisper.yaml', 'weight: 10', 'weight: 0');
    expect((await cli(root, 'synth')).code).toBe(0);
    commit(root, 'drain the canary');
    edit(root, STAGING_ENV, '  namespace: inference\n', '  namespace: inference-stg\n');
    const diff = await json(root);
    expect(diff.refused).toBe(false);
    expect(diff.environments[0]!.transitions.map((t) => `${t.class} ${t.subject}`)).toEqual(['disruptive environment', 'disruptive environment']);
    expect((await cli(root, 'validate', '--base', 'main')).code).toBe(0);
    expect((await cli(root, 'synth')).code).toBe(1);
    expect((await cli(root, 'synth', '--allow-removal')).code).toBe(0);
  });

  it('says when a production removal needs --allow-removal, without refusing it', async () => {
    const root = bundledRepository('diff-prod-removal');
    const { rmSync } = await import('node:fs');
    rmSync(`${root}/environments/production/models/densenet.yaml`);
    const diff = await cli(root, 'diff', '--base', 'main');
    expect(diff.code).toBe(3);
    expect(diff.stdout).toContain('[disruptive] environment: removes 1 Deployment(s) from production: densenet\n');
    expect(diff.stdout).toContain('        next: if the removal is intended, render with `tritonops synth --allow-removal`\n');
    const validate = await cli(root, 'validate', '--base', 'main');
    expect(validate.code).toBe(0);
    expect(validate.stderr).toContain('warning: environment: removes 1 Deployment(s) from production: densenet');
  });
});

describe('environment-level changes', () => {
  it('count Secrets declared and read, and name the out-of-band Secret that must exist before the merge', async () => {
    const root = bundledRepository('diff-secrets');
    edit(
      root,
      'environments/dev/environment.yaml',
      '  namespace: inference-dev\n',
      '  namespace: inference-dev\n  secrets:\n    declared:\n      hf-token: { keys: [token] }\n',
    );
    edit(root, 'environments/dev/models/whisper.yaml', '  gpus: 1\n', '  gpus: 1\n  secretEnv:\n    HF_TOKEN: { secret: hf-token, key: token }\n');
    const note = 'Secret hf-token (keys token) must exist in namespace inference-dev before this merges, or new pods fail with CreateContainerConfigError';
    const text = await cli(root, 'diff', '--base', 'main');
    expect(text.stdout).toContain('environment dev: 3 change(s)');
    expect(text.stdout).toContain(`  before merging: ${note}\n`);
    expect(text.stdout).toContain('  model whisper: secretEnv HF_TOKEN: (none) -> hf-token/token\n');
    const md = (await cli(root, 'diff', '--base', 'main', '--format', 'markdown')).stdout;
    expect(md).toContain(`**Before merging**:\n\n<ul>\n<li>${note}</li>\n</ul>`);
    expect(md).toMatch(/<tr><td><code>dev<\/code><\/td><td>3<\/td>/);
    expect((await json(root)).environments[0]!.notes).toEqual([note]);
  });

  it('count a platform chart upgrade', async () => {
    const root = bundledRepository('diff-istio');
    // dev: staging and production may only run what dev ran (the promotion gate).
    edit(
      root,
      'environments/dev/environment.yaml',
      '  namespace: inference-dev\n',
      '  namespace: inference-dev\n  platform:\n    charts:\n      istio: 1.99.0\n',
    );
    const [dev] = (await json(root)).environments;
    expect(dev!.summary).toEqual([{ subject: 'environment', what: 'platform.charts.istio', before: expect.stringMatching(/^1\.\d+\.\d+$/), after: '1.99.0' }]);
    const md = (await cli(root, 'diff', '--base', 'main', '--format', 'markdown')).stdout;
    expect(md).toMatch(/<tr><td><code>dev<\/code><\/td><td>1<\/td>/);
  });
});

describe('warnings', () => {
  it('show those new in this change first and fold those already at the base', async () => {
    const root = bundledRepository('diff-old-warnings');
    // At the base: dev's whisper autoscales, so its replica count is ignored (a warning).
    edit(root, 'environments/dev/models/whisper.yaml', '  gpus: 1\n', '  gpus: 1\n  replicas: 2\n');
    commit(root, 'a warning at the base');
    // This change: the same on staging's llama-7b, and an unrelated release.
    edit(root, 'environments/staging/models/llama-7b.yaml', '  gpus: 1\n', '  gpus: 1\n  replicas: 2\n');
    const md = (await cli(root, 'diff', '--base', 'main', '--format', 'markdown')).stdout;
    const fresh = md.indexOf("**Warning**: The working tree's specs have 1 new warning");
    const folded = md.indexOf('<details><summary>1 warning also at the base</summary>');
    expect(fresh).toBeGreaterThan(0);
    expect(folded).toBeGreaterThan(fresh);
    expect(md.slice(fresh, folded)).toContain('environments/staging/models/llama-7b.yaml:');
    expect(md.slice(fresh, folded)).not.toContain('environments/dev/models/whisper.yaml:');
    expect(md.slice(folded)).toContain('environments/dev/models/whisper.yaml:');
    expect(markdownStructureProblem(md)).toBeUndefined();

    const warnings = (await json(root)).warnings;
    expect(warnings.map((w) => [w.new, w.warnings, w.diagnostics[0]!.split(':')[0]])).toEqual([
      [true, 1, 'environments/staging/models/llama-7b.yaml'],
      [false, 1, 'environments/dev/models/whisper.yaml'],
    ]);
    const text = (await cli(root, 'diff', '--base', 'main')).stdout;
    expect(text).toContain("warning: the working tree's specs have 1 new warning");
    expect(text).toContain('warning (not new): 1 warning also at the base (not brought by this change)');
  });
});

describe('the text format', () => {
  it('gives each transition its effect and its step, as the comment does', async () => {
    const root = bundledRepository('diff-text-transitions');
    // Production's whisper gets staging's canary release, weighted at once: two steps.
    edit(
      root,
      'environments/production/models/whisper.yaml',
      '  gpus: 1\n',
      '  gpus: 1\n  canary:\n    repository: s3://models/whisper/2024-11-25\n    weight: 25\n    header:\n      x-canary: "true"\n',
    );
    const { stdout, code } = await cli(root, 'diff', '--base', 'main');
    expect(code).toBe(1);
    const { environments } = await json(root);
    const refusal = environments[0]!.transitions.find((t) => t.class === 'two-steps')!;
    expect(stdout).toContain(`    [needs two steps] ${refusal.subject}: ${refusal.change}\n        ${refusal.effect}\n        first: ${refusal.step}\n`);
  });
});
