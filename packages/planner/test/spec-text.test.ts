import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLE_PIPELINE } from '@tritonops/spec';
import { newModelText, newPipelineText } from '../src/edit/spec-text.ts';

describe('newPipelineText', () => {
  it('writes a two-step pipeline as a person does from the reference: block style, keys in the schema order', () => {
    // Keys given in another order than the schema's, and one the schema does not know.
    const doc = {
      spec: {
        steps: [
          { inputs: { AUDIO: 'input.AUDIO' }, model: 'whisper', name: 'transcribe' },
          { timeoutSeconds: 120, inputs: { PROMPT: 'transcribe.TEXT' }, name: 'draw', model: 'stable-diffusion' },
        ],
        outputs: [{ from: 'draw.IMAGE', shape: [-1, -1, 3], datatype: 'UINT8', name: 'IMAGE' }],
        inputs: [{ shape: [-1], name: 'AUDIO', datatype: 'FP32' }],
        traffic: { timeout: '300s' },
        image: 'nvcr.io/nvidia/tritonserver:24.10-py3',
        replicas: 2,
      },
      metadata: { labels: { team: 'speech' }, name: 'speech-to-image' },
      kind: 'Pipeline',
      apiVersion: 'tritonops.dev/v1alpha1',
      zUnknown: 'true',
    };
    expect(newPipelineText(doc)).toBe(`# yaml-language-server: $schema=../../../packages/spec/schemas/pipeline.schema.json
apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata:
  name: speech-to-image
  labels:
    team: speech
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  inputs:
    - name: AUDIO
      datatype: FP32
      shape:
        - -1
  outputs:
    - name: IMAGE
      datatype: UINT8
      shape:
        - -1
        - -1
        - 3
      from: draw.IMAGE
  steps:
    - name: transcribe
      model: whisper
      inputs:
        AUDIO: input.AUDIO
    - name: draw
      model: stable-diffusion
      inputs:
        PROMPT: transcribe.TEXT
      timeoutSeconds: 120
  replicas: 2
  traffic:
    timeout: 300s
zUnknown: "true"
`);
  });

  it("writes the reference's example exactly as docs/spec-reference.md shows it", () => {
    const reference = readFileSync(join(import.meta.dirname, '../../../docs/spec-reference.md'), 'utf8');
    const example = /`environments\/production\/pipelines\/speech-to-image\.yaml`:\n\n```yaml\n([^`]*)```/.exec(reference)?.[1];
    expect(example).toBeDefined();
    expect(newPipelineText(EXAMPLE_PIPELINE)).toBe(example);
  });

  it('orders the keys of signatures and tensors by the schema, and keeps the order of unknown keys', () => {
    const text = newPipelineText({
      spec: { signatures: { pre: { outputs: [{ shape: [1], datatype: 'FP32', name: 'B' }], inputs: [{ name: 'A', shape: [1], datatype: 'BYTES' }] } } },
      kind: 'Pipeline',
      b: 1,
      a: 2,
    });
    expect(text).toContain('kind: Pipeline\nspec:\n  signatures:\n    pre:\n      inputs:\n        - name: A\n          datatype: BYTES\n');
    expect(text).toContain('      outputs:\n        - name: B\n          datatype: FP32\n');
    expect(text.endsWith('b: 1\na: 2\n')).toBe(true);
  });

  it('reads back as the data it was given, and is deterministic', () => {
    const scalar = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 12 }), fc.constant(null));
    const tensor = fc.record({
      name: fc.string({ minLength: 1, maxLength: 8 }),
      datatype: fc.constantFrom('FP32', 'BYTES'),
      shape: fc.array(fc.integer({ min: -1, max: 9 }), { minLength: 1, maxLength: 4 }),
    });
    const pipeline = fc.record({
      apiVersion: fc.constant('tritonops.dev/v1alpha1'),
      kind: fc.constant('Pipeline'),
      metadata: fc.record({ name: fc.string({ maxLength: 10 }), labels: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })) }),
      spec: fc.record({
        inputs: fc.array(tensor, { maxLength: 2 }),
        steps: fc.array(
          fc.record({ name: fc.string(), inputs: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 10 })), timeoutSeconds: fc.integer() }),
          { maxLength: 3 },
        ),
        extra: fc.dictionary(fc.string({ maxLength: 6 }), scalar),
      }),
    });
    fc.assert(
      fc.property(pipeline, (doc) => {
        const text = newPipelineText(doc);
        expect(parse(text)).toEqual(doc);
        expect(newPipelineText(structuredClone(doc))).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
});

describe('newModelText', () => {
  it('writes a model as the reference does: schema line, block style, keys in the schema order whatever order the form added them', () => {
    const doc = {
      spec: { gpuPool: 't4', repository: 's3://models/bert/v1', image: 'nvcr.io/nvidia/tritonserver:24.10-py3', resources: { memory: '8Gi', cpu: '2' } },
      metadata: { name: 'bert' },
      kind: 'Model',
      apiVersion: 'tritonops.dev/v1alpha1',
    };
    const text = newModelText(doc);
    expect(text).toBe(`# yaml-language-server: $schema=../../../packages/spec/schemas/model.schema.json
apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata:
  name: bert
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/bert/v1
  gpuPool: t4
  resources:
    cpu: "2"
    memory: 8Gi
`);
    expect(parse(text)).toEqual(doc);
  });
});
