import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MODEL_PROMOTED_FIELDS, PIPELINE_PROMOTED_FIELDS } from '@tritonops/spec';
import { copyRelease, dropSpecComments, promoteCanary, removeEntry, setCanaryWeight } from '../src/edit/spec-edit.ts';

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
    expect(promoteCanary('spec:\n  image: x\n')).toMatchObject({ ok: false, problem: 'the model has no canary' });
    expect(setCanaryWeight('spec:\n  canary:\n    analysis: {}\n', 5)).toMatchObject({ ok: false, problem: expect.stringContaining('Flagger') });
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
    expect(removeEntry(text, ['metadata', 'annotations', 'tritonops.dev/promotion-override'])).toEqual({
      removed: true,
      text: 'metadata:\n  name: a\n  labels: { team: x }\nspec:\n  image: i   # kept\n',
    });
    const two = text.replace('  labels:', '    other: kept\n  labels:');
    expect(removeEntry(two, ['metadata', 'annotations', 'tritonops.dev/promotion-override']).text).toBe(
      'metadata:\n  name: a\n  annotations:\n    other: kept\n  labels: { team: x }\nspec:\n  image: i   # kept\n',
    );
    expect(removeEntry(text, ['spec', 'canary'])).toEqual({ removed: false, text });
    const flow = 'metadata: { name: a, annotations: { tritonops.dev/promotion-override: x } }\nspec:\n  image: i\n';
    expect(parse(removeEntry(flow, ['metadata', 'annotations', 'tritonops.dev/promotion-override']).text)).toEqual({
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
