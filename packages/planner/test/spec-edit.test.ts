import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MODEL_PROMOTED_FIELDS, PIPELINE_PROMOTED_FIELDS } from '@tritonops/spec';
import { copyRelease, dropSpecComments, promoteCanary, removeCanary, removeEntry, setCanaryWeight, startCanary } from '../src/edit/spec-edit.ts';

const SPEC = `kind: Model
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3   # pinned
  repository: "s3://models/a/v1"
  resources: { cpu: "2", memory: 8Gi }
  # next release
  canary:
    repository: "s3://models/a/v2"
    args:
      - --log-verbose=1
      - --backend-config=python,shm-default-byte-size=16777216
    weight: 5
  traffic:
    timeout: 30s
`;
/** A model without a canary, and one whose canary Flagger runs (its `analysis`): what most edits refuse. */
const NO_CANARY = 'spec:\n  image: x\n';
const FLAGGER_CANARY = 'spec:\n  canary:\n    analysis: {}\n';

describe('comment-preserving spec edits', () => {
  it('promotes: replaces values in place, inserts new release fields, drops the canary block and its comment', () => {
    const result = promoteCanary(SPEC);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.text).toBe(`kind: Model
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3   # pinned
  repository: "s3://models/a/v2"
  resources: { cpu: "2", memory: 8Gi }
  args:
    - --log-verbose=1
    - --backend-config=python,shm-default-byte-size=16777216
  traffic:
    timeout: 30s
`);
    expect(parse(result.text).spec.args).toEqual(['--log-verbose=1', '--backend-config=python,shm-default-byte-size=16777216']);
    expect(result.changes).toEqual([
      'repository: "s3://models/a/v1" -> "s3://models/a/v2"',
      'args: (none) -> - --log-verbose=1 - --backend-config=python,shm-default-byte-size=16777216',
    ]);
  });

  it('sets the weight in place, or adds it under the canary', () => {
    const set = setCanaryWeight(SPEC, 40);
    expect(set.ok && set.text).toBe(SPEC.replace('weight: 5', 'weight: 40'));
    const without = SPEC.replace('    weight: 5\n', '');
    const added = setCanaryWeight(without, 7);
    expect(added.ok && parse(added.text).spec.canary.weight).toBe(7);
    expect(added.ok && added.text.split('\n').filter((l, i) => l !== without.split('\n')[i]).length).toBeLessThanOrEqual(8);
  });

  it('refuses files without a canary, and models under analysis', () => {
    expect(promoteCanary(NO_CANARY)).toMatchObject({ ok: false, problem: 'the model has no canary' });
    expect(setCanaryWeight(FLAGGER_CANARY, 5)).toMatchObject({ ok: false, problem: expect.stringContaining('Flagger') });
  });

  it('starts a canary at the end of spec, indented like its fields, every other byte kept', () => {
    const stable = SPEC.slice(0, SPEC.indexOf('  # next release')) + SPEC.slice(SPEC.indexOf('  traffic:'));
    expect(stable).not.toContain('canary');
    const result = startCanary(stable, { repository: 's3://models/a/v2', args: ['--log-verbose=1'] }, 20);
    expect(result).toEqual({
      ok: true,
      text: `${stable}  canary:\n    repository: s3://models/a/v2\n    args:\n      - --log-verbose=1\n    weight: 20\n`,
      changes: ['canary.repository: (none) -> s3://models/a/v2', 'canary.args: (none) -> [--log-verbose=1]', 'canary.weight: (none) -> 20'],
    });
    // Four-space indentation, a flow `models` and no final newline.
    const wide = 'kind: Model\nspec:\n    image: i:1   # pinned\n    models: [a]';
    const started = startCanary(wide, { models: ['a', 'b'] }, 0);
    expect(started.ok && started.text).toBe(`${wide}\n    canary:\n        models: [a, b]\n        weight: 0\n`);
    expect(started.ok && parse(started.text).spec.canary).toEqual({ models: ['a', 'b'], weight: 0 });
  });

  it('refuses to start a second canary, the stable release, a bad weight, no release and fields that are not the release', () => {
    const stable = 'spec:\n  image: i:1\n  repository: s3://m/v1\n';
    expect(startCanary(SPEC, { repository: 's3://models/a/v3' }, 10)).toMatchObject({ ok: false, problem: 'the model already has a canary' });
    expect(startCanary('spec:\n  image: i:1\n  canary:\n    analysis: {}\n', { image: 'i:2' }, 10)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Flagger'),
    });
    expect(startCanary(stable, { repository: 's3://m/v1' }, 10)).toMatchObject({ ok: false, problem: expect.stringContaining('nothing to try') });
    expect(startCanary(stable, { image: 'i:1', repository: 's3://m/v1' }, 10)).toMatchObject({ ok: false, hint: expect.stringContaining('repository') });
    for (const weight of [-1, 101, 2.5]) expect(startCanary(stable, { image: 'i:2' }, weight), String(weight)).toMatchObject({ ok: false });
    expect(startCanary(stable, {}, 10)).toMatchObject({ ok: false, problem: 'the canary has no release to run' });
    expect(startCanary(stable, { image: 'i:2', header: { 'x-canary': 'true' } }, 10)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('"header" is not a release field'),
    });
    expect(startCanary(stable, { image: 'i:2' }, 100).ok).toBe(true);
  });

  it("removes a drained canary with the comment lines above it, and refuses one that receives traffic or is Flagger's", () => {
    const drained = SPEC.replace('weight: 5', 'weight: 0');
    const removed = removeCanary(drained);
    expect(removed.ok && removed.text).toBe(`kind: Model
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3   # pinned
  repository: "s3://models/a/v1"
  resources: { cpu: "2", memory: 8Gi }
  traffic:
    timeout: 30s
`);
    expect(removed.ok && removed.changes).toEqual([
      'canary.repository: s3://models/a/v2 -> (none)',
      'canary.args: [--log-verbose=1, "--backend-config=python,shm-default-byte-size=16777216"] -> (none)',
      'canary.weight: 0 -> (none)',
    ]);
    const mirrored = drained.replace('    weight: 0\n', '    weight: 0\n    mirror: { percent: 100 }\n    header: { x-canary: "true" }\n');
    // Routes and track must not go in one sync (the transition analysis calls that two steps).
    expect(removeCanary(mirrored)).toEqual({
      ok: false,
      problem:
        'the canary of this model still gets a header route and mirrored traffic: removing it with its routes in one change makes requests on their way to it fail (503)',
      hint: 'remove `canary.header` and `canary.mirror` first, merge and let Flux apply it, then remove the canary',
    });
    expect(removeCanary(SPEC, { model: 'a', env: 'staging' })).toEqual({
      ok: false,
      problem: 'the canary of this model still receives 5% of the traffic: removing it would abort it mid-flight',
      hint: 'drain it first: `tritonops canary weight a 0 --env staging`, merge and let Flux apply it, then remove it',
    });
    expect(removeCanary(FLAGGER_CANARY)).toMatchObject({ ok: false, hint: expect.stringContaining('remove `canary.analysis`') });
    expect(removeCanary(NO_CANARY)).toMatchObject({ ok: false, problem: 'the model has no canary' });
  });

  it('copies only release fields: the target keeps its canary (weight, header, analysis), placement and comments', () => {
    const target = `kind: Model
metadata:
  name: a
spec:
  # the release
  image: nvcr.io/nvidia/tritonserver:24.09-py3
  repository: s3://models/a/v1   # what production runs
  gpuPool: a100
  replicas: 3
  # Flagger checks every release here
  canary:
    analysis:
      interval: 1m
`;
    const source = `kind: Model
metadata:
  name: a
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/a/v2
  models: [a]
  gpuPool: t4
  replicas: 1
  canary:
    repository: s3://models/a/v3
    weight: 10
    header: { x-canary: "true" }
`;
    const result = copyRelease(target, source, MODEL_PROMOTED_FIELDS);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.text).toBe(`kind: Model
metadata:
  name: a
spec:
  # the release
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/a/v2   # what production runs
  gpuPool: a100
  replicas: 3
  # Flagger checks every release here
  canary:
    analysis:
      interval: 1m
  models: [a]
`);
    expect(result.changes).toEqual([
      'image: nvcr.io/nvidia/tritonserver:24.09-py3 -> nvcr.io/nvidia/tritonserver:24.10-py3',
      'repository: s3://models/a/v1 -> s3://models/a/v2',
      'models: (none) -> [a]',
    ]);
  });

  it('copies a pipeline graph, keeping its scale', () => {
    const pipeline = (steps: string, replicas: number) =>
      `kind: Pipeline\nspec:\n  inputs: [{ name: X, datatype: FP32, shape: [1] }]\n  steps:\n${steps}  replicas: ${replicas}\n`;
    const result = copyRelease(
      pipeline('    - { name: a, model: m, inputs: { X: input.X } }\n', 4),
      pipeline('    - { name: b, model: n, inputs: { X: input.X } }\n', 1),
      PIPELINE_PROMOTED_FIELDS,
    );
    expect(result.ok && parse(result.text).spec).toEqual({
      inputs: [{ name: 'X', datatype: 'FP32', shape: [1] }],
      steps: [{ name: 'b', model: 'n', inputs: { X: 'input.X' } }],
      replicas: 4,
    });
  });

  it('removes an entry with its comments, and the mapping it leaves empty', () => {
    const text = `metadata:
  name: a
  annotations:
    # why
    tritonops.dev/promotion-override: hotfix
  labels: { team: x }
spec:
  image: i   # kept
`;
    const override = ['metadata', 'annotations', 'tritonops.dev/promotion-override'];
    expect(removeEntry(text, override)).toEqual({
      removed: true,
      text: 'metadata:\n  name: a\n  labels: { team: x }\nspec:\n  image: i   # kept\n',
    });
    const two = text.replace('  labels:', '    other: kept\n  labels:');
    expect(removeEntry(two, override).text).toBe('metadata:\n  name: a\n  annotations:\n    other: kept\n  labels: { team: x }\nspec:\n  image: i   # kept\n');
    expect(removeEntry(text, ['spec', 'canary'])).toEqual({ removed: false, text });
    const flow = 'metadata: { name: a, annotations: { tritonops.dev/promotion-override: x } }\nspec:\n  image: i\n';
    expect(parse(removeEntry(flow, override).text)).toEqual({
      metadata: { name: 'a' },
      spec: { image: 'i' },
    });
  });

  it('drops the comments of target-own fields inside spec, keeping those of the release and outside spec', () => {
    const source = `# Speech to text on a dev T4.
apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata:
  name: whisper # the name
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/whisper/v1   # the first build
  # Placement: t4 offers 4 × nvidia.com/gpu.shared per node
  gpuPool: t4
  gpuMemory: 3Gi               # fits a quarter of a T4
  env:
    NOTE: "#not a comment" # but this is
  # The tensors pipelines wire to
  signatures:
    whisper:
      # 16 kHz mono
      inputs: [{ name: AUDIO, datatype: FP32, shape: [-1] }]
      outputs: [{ name: TEXT, datatype: BYTES, shape: [1] }]
  # Idle most of the day in dev:
  #   scale to zero.
  autoscaling: { minReplicas: 0, maxReplicas: 2 }
  # replicas: 3     # a commented-out example
# the end
`;
    expect(dropSpecComments(source, MODEL_PROMOTED_FIELDS)).toBe(`# Speech to text on a dev T4.
apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata:
  name: whisper # the name
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/whisper/v1   # the first build
  gpuPool: t4
  gpuMemory: 3Gi
  env:
    NOTE: "#not a comment"
  # The tensors pipelines wire to
  signatures:
    whisper:
      # 16 kHz mono
      inputs: [{ name: AUDIO, datatype: FP32, shape: [-1] }]
      outputs: [{ name: TEXT, datatype: BYTES, shape: [1] }]
  autoscaling: { minReplicas: 0, maxReplicas: 2 }
# the end
`);
    const flow = 'kind: Model\nspec: { image: i, gpuPool: t4 } # flow\n';
    expect(dropSpecComments(flow, MODEL_PROMOTED_FIELDS)).toBe(flow);
  });
});
