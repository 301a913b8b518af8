/** Pictures of a pipeline (src/plan/pipeline-diagram.ts), from a small three-step pipeline. */
import { describe, expect, it } from 'vitest';
import { pipelineDot, pipelineMermaid } from '../src/plan/pipeline-diagram.ts';
import { environment, workspace } from './tiny-workspace.ts';

const result = workspace({
  'environments/test/environment.yaml': environment('test'),
  'environments/test/models/asr.yaml': `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: asr }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/asr/v1
  gpuPool: t4
  signatures:
    asr:
      inputs: [{ name: data_0, datatype: FP32, shape: [3] }]
      outputs: [{ name: fc6_1, datatype: FP32, shape: [10] }]
`,
  'environments/test/pipelines/chain.yaml': `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain }
spec:
  localRepository: s3://models/chain/v1
  inputs: [{ name: IMAGE, datatype: BYTES, shape: [1] }]
  outputs: [{ name: LABELS, datatype: BYTES, shape: [5], from: post.LABELS }]
  steps:
    - { name: pre, local: pre, inputs: { IMAGE: input.IMAGE } }
    - { name: classify, model: asr, inputs: { data_0: pre.PIXELS } }
    - { name: post, local: post, inputs: { SCORES: classify.fc6_1 } }
  signatures:
    pre:
      inputs: [{ name: IMAGE, datatype: BYTES, shape: [1] }]
      outputs: [{ name: PIXELS, datatype: FP32, shape: [3] }]
    post:
      inputs: [{ name: SCORES, datatype: FP32, shape: [10] }]
      outputs: [{ name: LABELS, datatype: BYTES, shape: [5] }]
`,
});

describe('pipeline diagrams', () => {
  it('the small pipeline plans', () => {
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.plans[0]!.pipelines.map((p) => p.graph.name)).toEqual(['chain']);
  });

  it('Mermaid: inputs and outputs as stadiums, steps with their model and GPU pool (or the pipeline server), edges with the tensors', () => {
    const env = result.plans[0]!;
    expect(pipelineMermaid(env, env.pipelines[0]!)).toBe(
      [
        'flowchart LR',
        '  input_IMAGE(["IMAGE<br/>BYTES [1]"])',
        '  step_pre["pre<br/>local pre · pipeline server (CPU)"]',
        '  step_classify["classify<br/>asr/asr · GPU pool t4"]',
        '  step_post["post<br/>local post · pipeline server (CPU)"]',
        '  output_LABELS(["LABELS<br/>BYTES [5]"])',
        '  input_IMAGE -->|"IMAGE"| step_pre',
        '  step_pre -->|"PIXELS → data_0"| step_classify',
        '  step_classify -->|"fc6_1 → SCORES"| step_post',
        '  step_post -->|"LABELS"| output_LABELS',
        '',
      ].join('\n'),
    );
  });

  it('DOT: the same graph, labels quoted', () => {
    const env = result.plans[0]!;
    expect(pipelineDot(env, env.pipelines[0]!)).toBe(
      [
        'digraph "chain" {',
        '  rankdir=LR;',
        '  node [shape=box, fontname="Helvetica"];',
        '  input_IMAGE [label="IMAGE\\nBYTES [1]", shape=oval];',
        '  step_pre [label="pre\\nlocal pre · pipeline server (CPU)"];',
        '  step_classify [label="classify\\nasr/asr · GPU pool t4"];',
        '  step_post [label="post\\nlocal post · pipeline server (CPU)"];',
        '  output_LABELS [label="LABELS\\nBYTES [5]", shape=oval];',
        '  input_IMAGE -> step_pre [label="IMAGE"];',
        '  step_pre -> step_classify [label="PIXELS → data_0"];',
        '  step_classify -> step_post [label="fc6_1 → SCORES"];',
        '  step_post -> output_LABELS [label="LABELS"];',
        '}',
        '',
      ].join('\n'),
    );
  });
});
