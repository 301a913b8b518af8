/** The reviewer's summary of a change (src/plan/diff.ts), computed from two plans of small specs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedPipelines, changeNotes, summarizeChange } from '../src/plan/diff.ts';
import type { EnvironmentPlan } from '../src/plan/environment.ts';
import { planRepository } from '../src/stages.ts';
import { environment, workspace } from './tiny-workspace.ts';

const ROOMY = environment('test', '', 't4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 1, maxNodes: 16, gpuMemory: 16Gi }');

const model = (name: string, version: string, extra = '') => `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: ${name} }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/${name}/${version}
  replicas: 2
${extra}`;

function plan(models: Record<string, string>, env = ROOMY): EnvironmentPlan {
  const result = workspace({
    'environments/test/environment.yaml': env,
    ...Object.fromEntries(Object.entries(models).map(([name, text]) => [`environments/test/models/${name}.yaml`, text])),
  });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.plans[0]!;
}

const CANARY = '  canary:\n    repository: s3://models/asr/v3\n    weight: 10\n    replicas: 1\n';
const AUTOSCALING = '  autoscaling: { minReplicas: 2, maxReplicas: 4, triggers: { queueTimeMs: 50 } }\n';
const S3 =
  '{"endpoint":"https://s3.example.com:443","region":"ru-1","credentialsSecret":"s3-model-reader","accessKeyIdKey":"AWS_ACCESS_KEY_ID","secretAccessKeyKey":"AWS_SECRET_ACCESS_KEY"}';

describe('summarizeChange', () => {
  const before = plan({ asr: model('asr', 'v1', '  gpuPool: t4\n'), old: model('old', 'v1') });

  it('shows a promotion override added, changed and removed, with its reason', () => {
    const overridden = (reason: string) =>
      model('old', 'v1').replace('metadata: { name: old }', `metadata: { name: old, annotations: { tritonops.dev/promotion-override: "${reason}" } }`);
    const asr = model('asr', 'v1', '  gpuPool: t4\n');
    const [none, hotfix, later] = [
      plan({ asr, old: model('old', 'v1') }),
      plan({ asr, old: overridden('hotfix') }),
      plan({ asr, old: overridden('hotfix 2') }),
    ];
    const item = (b: string, a: string) => [{ subject: 'model old', what: 'promotion override', before: b, after: a }];
    expect(summarizeChange(none, hotfix)).toEqual(item('(none)', 'hotfix'));
    expect(summarizeChange(hotfix, later)).toEqual(item('hotfix', 'hotfix 2'));
    expect(summarizeChange(later, none)).toEqual(item('hotfix 2', '(none)'));
  });

  it('says nothing when nothing changed', () => {
    expect(summarizeChange(before, plan({ asr: model('asr', 'v1', '  gpuPool: t4\n'), old: model('old', 'v1') }))).toEqual([]);
  });

  it('names environment settings, releases, canary traffic and replicas, models added and removed, and GPU demand, in that order', () => {
    const after = plan(
      { asr: model('asr', 'v2', `  gpuPool: t4\n${CANARY}${AUTOSCALING}`), fresh: model('fresh', 'v1') },
      ROOMY.replace('region: ru-1', 'region: ru-2'),
    );
    expect(summarizeChange(before, after)).toEqual([
      { subject: 'environment', what: 's3', before: S3, after: S3.replace('ru-1', 'ru-2') },
      {
        subject: 'model asr',
        what: 'release',
        before: 'nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/asr/v1',
        after: 'nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/asr/v2',
      },
      { subject: 'model asr', what: 'canary release', before: '(none)', after: 'nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/asr/v3' },
      { subject: 'model asr', what: 'canary traffic', before: '(none)', after: '10%' },
      { subject: 'model asr', what: 'replicas', before: '2', after: '2..4 (autoscaled)' },
      { subject: 'model asr', what: 'canary replicas', before: '(none)', after: '1' },
      { subject: 'model fresh', what: 'added', before: '(none)', after: 'nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/fresh/v1' },
      { subject: 'model old', what: 'removed', before: 'nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/old/v1', after: '(none)' },
      { subject: 'pool t4', what: 'GPU demand', before: '2..3 of 16 nvidia.com/gpu', after: '3..7 of 16 nvidia.com/gpu' },
    ]);
  });

  it('a new environment lists every model as added, and its GPU demand', () => {
    expect(summarizeChange(undefined, before)).toEqual([
      { subject: 'model asr', what: 'added', before: '(none)', after: 'nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/asr/v1' },
      { subject: 'model old', what: 'added', before: '(none)', after: 'nvcr.io/nvidia/tritonserver:24.10-py3, s3://models/old/v1' },
      { subject: 'pool t4', what: 'GPU demand', before: '(none)', after: '2..3 of 16 nvidia.com/gpu' },
    ]);
  });

  it('describes Flagger analysis as its step and maximum weight', () => {
    const after = plan({ asr: model('asr', 'v1', '  gpuPool: t4\n  canary:\n    analysis: { stepWeight: 5, maxWeight: 30 }\n'), old: model('old', 'v1') });
    expect(summarizeChange(before, after).filter((i) => i.what === 'canary traffic')).toEqual([
      { subject: 'model asr', what: 'canary traffic', before: '(none)', after: 'Flagger analysis (step 5%, max 30%)' },
    ]);
  });

  it('a model moved off its GPU pool says so, and the pool demand drops to nothing', () => {
    const after = plan({ asr: model('asr', 'v1'), old: model('old', 'v1') });
    expect(summarizeChange(before, after)).toEqual([
      { subject: 'model asr', what: 'GPU pool', before: 't4 × 1', after: 'CPU' },
      { subject: 'pool t4', what: 'GPU demand', before: '2..3 of 16 nvidia.com/gpu', after: '0..0 of 16 nvidia.com/gpu' },
    ]);
  });
});

describe('environment-level changes and what they need before the merge', () => {
  const SECRETS = '  secrets:\n    declared:\n      hf-token: { keys: [token, org] }\n';
  const HF = '  secretEnv:\n    HF_TOKEN: { secret: hf-token, key: token }\n';
  const plain = plan({ asr: model('asr', 'v1') });
  const withSecret = plan({ asr: model('asr', 'v1', HF) }, ROOMY + SECRETS);

  it('shows a secretEnv variable added (where it reads from, never a value) and the Secrets declared', () => {
    expect(summarizeChange(plain, withSecret)).toEqual([
      { subject: 'environment', what: 'secrets.delivery', before: '(none)', after: 'out-of-band' },
      { subject: 'environment', what: 'secrets.declared', before: '(none)', after: 'hf-token (keys token, org)' },
      { subject: 'model asr', what: 'secretEnv HF_TOKEN', before: '(none)', after: 'hf-token/token' },
    ]);
    // A model added with a secretEnv lists it too; a variable pointed at another key shows both.
    expect(summarizeChange(undefined, withSecret).filter((i) => i.what.startsWith('secretEnv'))).toEqual([
      { subject: 'model asr', what: 'secretEnv HF_TOKEN', before: '(none)', after: 'hf-token/token' },
    ]);
    const org = plan({ asr: model('asr', 'v1', HF.replace('key: token', 'key: org')) }, ROOMY + SECRETS);
    expect(summarizeChange(withSecret, org)).toEqual([{ subject: 'model asr', what: 'secretEnv HF_TOKEN', before: 'hf-token/token', after: 'hf-token/org' }]);
  });

  it('shows a platform chart upgrade', () => {
    const upgraded = plan({ asr: model('asr', 'v1') }, ROOMY + '  platform: { charts: { istio: 1.99.0 } }\n');
    const items = summarizeChange(plain, upgraded);
    expect(items).toEqual([{ subject: 'environment', what: 'platform.charts.istio', before: plain.platformCharts.istio, after: '1.99.0' }]);
    expect(plain.platformCharts.istio).not.toBe('1.99.0');
  });

  it('with out-of-band delivery, names each Secret a model newly reads, with the keys it must hold, once', () => {
    const note = 'Secret hf-token (keys token) must exist in namespace inference before this merges, or new pods fail with CreateContainerConfigError';
    expect(changeNotes(plain, withSecret)).toEqual([note]);
    expect(changeNotes(undefined, withSecret)).toEqual([note]);
    // Already read at the base: nothing to do; a second key of it is new: the Secret is named with both.
    expect(changeNotes(withSecret, withSecret)).toEqual([]);
    const two = plan({ asr: model('asr', 'v1', `${HF}    HF_ORG: { secret: hf-token, key: org }\n`) }, ROOMY + SECRETS);
    expect(changeNotes(withSecret, two)).toEqual([note.replace('keys token', 'keys org, token')]);
    // A namespace move needs them all again, in the new namespace.
    const moved = { ...withSecret, namespace: 'inference-2' };
    expect(changeNotes(withSecret, moved)).toEqual([note.replace('namespace inference', 'namespace inference-2')]);
    expect(changeNotes(withSecret, plain)).toEqual([]);
  });

  it('with the first sops delivery, says that the age key must exist in flux-system', () => {
    const sops: EnvironmentPlan = { ...withSecret, secrets: { ...withSecret.secrets!, delivery: 'sops' } };
    expect(changeNotes(withSecret, sops)).toEqual([
      "the sops-age Secret (the age private key) must exist in flux-system before this merges, or Flux cannot decrypt the environment's Secrets and stops applying it",
    ]);
    expect(changeNotes(sops, sops)).toEqual([]);
    expect(summarizeChange(withSecret, sops)).toEqual([{ subject: 'environment', what: 'secrets.delivery', before: 'out-of-band', after: 'sops' }]);
  });
});

describe('changedPipelines', () => {
  it('is empty between environments without pipelines', () => {
    expect(changedPipelines(plan({ asr: model('asr', 'v1') }), plan({ asr: model('asr', 'v2') }))).toEqual([]);
  });
});

describe('summarizeChange of a pipeline', () => {
  const BUNDLED = join(import.meta.dirname, '../../../test/fixtures/bundled');
  /** Staging of the bundled examples, with `edit` applied to its speech-to-image pipeline. */
  function staging(edit: (text: string) => string = (t) => t): EnvironmentPlan {
    const rel = join(BUNDLED, 'environments/staging/pipelines/speech-to-image.yaml');
    const result = planRepository({ root: BUNDLED, only: ['staging'], overrides: new Map([[rel, Buffer.from(edit(readFileSync(rel, 'utf8')))]]) });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return result.plans[0]!;
  }

  it("names a step's timeout change, which leaves the graph as it is", () => {
    const after = staging((t) => t.replace('timeoutSeconds: 120', 'timeoutSeconds: 180'));
    expect(summarizeChange(staging(), after)).toEqual([{ subject: 'pipeline speech-to-image', what: 'step draw timeout', before: '120s', after: '180s' }]);
    expect(changedPipelines(staging(), after)).toEqual([]);
  });
});
