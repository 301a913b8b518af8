/**
 * What `diff` and `validate --base` tell a reviewer about a change a live cluster cannot take in
 * one step, on a throw-away Git repository of its own (no bundled environment): the refusal with
 * the two-step plan, the handover that follows it, and the located error CI fails on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from './support.ts';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, env: GIT_ENV, encoding: 'utf8' });
const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

const ENVIRONMENT = `apiVersion: tritonops.dev/v1alpha1
kind: Environment
metadata: { name: production }
spec:
  namespace: inference
  git: { url: "ssh://git@git.example.com/acme/platform.git", secretRef: flux-git-auth }
  gpuPools:
    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 4, maxNodes: 4, gpuMemory: 16Gi }
  s3: { endpoint: "https://s3.example.com:443", region: ru-1, credentialsSecret: s3-model-reader }
  gateway: { domain: inference.example.com, tlsSecret: inference-tls }
`;

const WHISPER = `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: whisper }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/whisper/v1
  gpuPool: t4
  replicas: 3
`;

const MODEL = 'environments/production/models/whisper.yaml';

/** A repository whose main holds a live whisper with 3 replicas; the working tree is the branch. */
function repository(): string {
  const root = mkdtempSync(join(tmpdir(), 'tritonops-transitions-'));
  roots.push(root);
  mkdirSync(join(root, 'environments/production/models'), { recursive: true });
  writeFileSync(join(root, 'environments/production/environment.yaml'), ENVIRONMENT);
  writeFileSync(join(root, MODEL), WHISPER);
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
  return root;
}

const append = (root: string, text: string) => writeFileSync(join(root, MODEL), readFileSync(join(root, MODEL), 'utf8') + text);

describe('changes a live cluster takes in two steps', () => {
  it('diff --format markdown refuses Flagger analysis switched on for a live model, with the two-step plan', async () => {
    const root = repository();
    append(root, '  canary:\n    analysis: { stepWeight: 10, maxWeight: 50 }\n');
    const r = await cli(root, 'diff', '--base', 'main', '--format', 'markdown');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('> **Refused**: this change needs two steps');
    expect(r.stdout).toContain('<tr><td>⛔ needs two steps</td><td><code>model whisper</code></td><td>Flagger analysis turned on</td>');
    expect(r.stdout).toContain(
      '<b>First:</b> merge <code>canary.analysis</code> together with <code>handover: true</code> in environments/production/models/whisper.yaml',
    );

    // The first step itself: disruptive, said what it does, and what to merge next and when.
    append(root, '  handover: true\n');
    const first = await cli(root, 'diff', '--base', 'main', '--format', 'markdown');
    expect(first.code).toBe(3);
    expect(first.stdout).not.toContain('**Refused**');
    expect(first.stdout).toContain('<td>⚠ disruptive</td><td><code>model whisper</code></td><td>Flagger analysis turned on (handover)</td>');
    expect(first.stdout).toContain('<b>Next:</b> when <code>kubectl -n inference get canary whisper</code> says Initialized, remove <code>handover</code>');
  });

  it('diff --format markdown of autoscaling switched on shows the handover: refused in one step, the handover as the first', async () => {
    const root = repository();
    const autoscaling = '  autoscaling: { minReplicas: 2, maxReplicas: 4, triggers: { queueTimeMs: 50 } }\n';
    append(root, autoscaling);
    const r = await cli(root, 'diff', '--base', 'main', '--format', 'markdown');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('autoscaling turned on for whisper, which runs 3 replicas');
    expect(r.stdout).toContain('whisper would go from 3 replicas to 1 until the autoscaler catches up');
    expect(r.stdout).toContain('<b>First:</b> merge <code>autoscaling</code> together with <code>handover: true</code> and <code>replicas: 3</code>');

    append(root, '  handover: true\n');
    const handover = await cli(root, 'diff', '--base', 'main', '--format', 'markdown');
    expect(handover.code).toBe(3);
    expect(handover.stdout).toContain('KEDA&#39;s autoscaler starts at 4 replicas (one more than the 3 that run)');
    expect(handover.stdout).toContain(
      '<b>Next:</b> when <code>kubectl -n inference get deployment whisper</code> shows 4 replicas, remove <code>handover</code>',
    );
    // The object diff shows how: Flux only creates the Deployment, and the autoscaler starts above 3.
    expect(handover.stdout).toContain('+    kustomize.toolkit.fluxcd.io/ssa: IfNotPresent');
    expect(handover.stdout).toContain('+  minReplicaCount: 4');
  });

  it('validate --base fails CI with the error at the spec field and the first step as the hint; the handover passes with a warning', async () => {
    const root = repository();
    append(root, '  autoscaling: { minReplicas: 2, maxReplicas: 4, triggers: { queueTimeMs: 50 } }\n');
    const r = await cli(root, 'validate', '--base', 'main');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${MODEL}:9:3: error: model whisper: autoscaling turned on for whisper, which runs 3 replicas`);
    expect(r.stderr).toContain('= hint: first: merge `autoscaling` together with `handover: true` and `replicas: 3`');
    expect(r.stderr).toContain('validation failed: 1 error');

    append(root, '  handover: true\n');
    const ok = await cli(root, 'validate', '--base', 'main');
    expect(ok.stderr).toContain(`${MODEL}:10:3: warning: model whisper: autoscaling turned on for whisper (handover)`);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('every change from main safe for a live cluster in one step');

    // Without --base, nothing is compared: the handover alone is only reminded of.
    const plain = await cli(root, 'validate');
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('warning: while `handover` is set Flux leaves the running Deployment as it is');
  });

  it('refuses removals in the first sync of per-model Kustomizations (a base rendered by an earlier version): they would never be pruned', async () => {
    const root = repository();
    // What earlier versions rendered: one pruning `models` Kustomization for every model.
    mkdirSync(join(root, 'flux/clusters/production'), { recursive: true });
    writeFileSync(
      join(root, 'flux/clusters/production/models.yaml'),
      '# Rendered by tritonops. Do not edit: change the spec and run `tritonops synth`.\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: models\n  namespace: flux-system\nspec:\n  path: ./flux/models/production\n  prune: true\n',
    );
    writeFileSync(join(root, 'environments/production/models/tts.yaml'), WHISPER.replace('name: whisper', 'name: tts').replace('whisper/v1', 'tts/v1'));
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'as rendered by an earlier version');
    rmSync(join(root, 'environments/production/models/tts.yaml'));
    const r = await cli(root, 'diff', '--base', 'main');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[needs two steps] environment: 10 object(s) leave Git in the first sync of the per-model Kustomizations');
    expect(r.stdout).toContain('first: merge the upgrade of tritonops alone (flux/ re-rendered');
    // Once the base is rendered by this version (`models` suspended), the same removal is an ordinary one.
    writeFileSync(
      join(root, 'flux/clusters/production/models.yaml'),
      readFileSync(join(root, 'flux/clusters/production/models.yaml'), 'utf8').replace('  prune: true\n', '  prune: false\n  suspend: true\n'),
    );
    git(root, 'add', 'flux');
    git(root, 'commit', '-q', '-m', 'upgrade alone');
    const after = await cli(root, 'diff', '--base', 'main');
    expect(after.code).toBe(3);
    expect(after.stdout).toContain('[disruptive] model tts: removed');
  });

  it('validate --base refuses a handover with nothing to hand over', async () => {
    const root = repository();
    append(root, '  handover: true\n');
    // On its own a model's handover may be the step that switches analysis off: only the base tells.
    expect((await cli(root, 'validate')).code).toBe(0);
    const r = await cli(root, 'validate', '--base', 'main');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${MODEL}:9:3: error: model whisper: \`handover\` with nothing to hand over`);
    expect(r.stderr).toContain('= hint: first: remove `handover` from environments/production/models/whisper.yaml');
  });

  it('validate --base warns when a larger Prometheus volume comes with a retentionSize the claim as it is cannot hold', async () => {
    const root = repository();
    const file = join(root, 'environments/production/environment.yaml');
    const monitoring = (size: string, retentionSize: string) =>
      `  monitoring:\n    prometheus:\n      retentionSize: ${retentionSize}\n      storage: { size: ${size}, storageClass: fast-ssd }\n`;
    writeFileSync(file, ENVIRONMENT + monitoring('100Gi', '85GB'));
    git(root, 'commit', '-q', '-am', 'Prometheus on a volume');
    writeFileSync(file, ENVIRONMENT + monitoring('200Gi', '170GB'));
    // On its own the new declaration is consistent: retentionSize fits the new size.
    expect((await cli(root, 'validate')).stderr).not.toContain('retentionSize');
    const r = await cli(root, 'validate', '--base', 'main');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('environments/production/environment.yaml:14:18: warning: environment: Prometheus storage size 100Gi → 200Gi: ');
    expect(r.stderr).toContain('Until then Prometheus has only 100Gi, which retentionSize 170GB does not fit (at most 85GB leaves room for compactions)');
    expect(r.stderr).toContain('Expand the claim before merging, or keep retentionSize at 85GB and raise it once the claim has grown.');
  });
});
