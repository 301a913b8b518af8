/** Pictures of a pipeline (src/plan/pipeline-diagram.ts), from a small three-step pipeline. */
import { describe, expect, it } from 'vitest';
import { pipelineDot, pipelineMermaid } from '../src/plan/pipeline-diagram.ts';
import { ASR_MODEL, chainPipeline, environment, workspace } from './tiny-workspace.ts';

const result = workspace({
  'environments/test/environment.yaml': environment('test'),
  'environments/test/models/asr.yaml': ASR_MODEL,
  'environments/test/pipelines/chain.yaml': chainPipeline(),
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
