/**
 * The editor's document operations, the canvas's edges against a Mermaid text, and the rule that
 * refuses a wire: pure functions, so what is saved can be asserted key by key.
 */
import { describe, expect, it } from 'vitest';
import type { ApiDiagnostic, PipelineDocument, StepTarget } from '../src/api/types.ts';
import { canvasEdges, mermaidEdges, mermaidSafe } from '../src/pipeline/canvas-edges.ts';
import {
  addPipelineOutput,
  addStep,
  fits,
  parseShape,
  removePipelineInput,
  removeStep,
  renameStep,
  setStepTimeout,
  uniqueStepName,
  wireStepInput,
} from '../src/pipeline/pipeline-document.ts';
import { outputFromPath, stepInputPath, wireRefusal } from '../src/pipeline/wire-check.ts';
import { WHISPER_TARGET } from './step-targets.ts';

const LLM_TOKENIZER: StepTarget = { kind: 'model', name: 'llm', tritonModel: 'tokenizer', inputs: [], outputs: [] };
const LOCAL: StepTarget = { kind: 'local', name: 'Post_Process', inputs: [], outputs: [] };

const EMPTY: PipelineDocument = {
  apiVersion: 'tritonops.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'p' },
  spec: { inputs: [], outputs: [], steps: [] },
};

/** The bundled speech-to-image pipeline's data. */
const SPEECH: PipelineDocument = {
  ...EMPTY,
  metadata: { name: 'speech-to-image' },
  spec: {
    inputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }],
    outputs: [
      { name: 'IMAGE', datatype: 'UINT8', shape: [-1, -1, 3], from: 'draw.IMAGE' },
      { name: 'TRANSCRIPT', datatype: 'BYTES', shape: [1], from: 'transcribe.TEXT' },
    ],
    steps: [
      { name: 'transcribe', model: 'whisper', inputs: { AUDIO: 'input.AUDIO' } },
      { name: 'draw', model: 'stable-diffusion', inputs: { PROMPT: 'transcribe.TEXT' }, timeoutSeconds: 120 },
    ],
  },
};

describe('document operations', () => {
  it('adds steps in order, with the keys a person writes: tritonModel only for a model with several', () => {
    const doc = addStep(addStep(addStep(EMPTY, WHISPER_TARGET, 'whisper'), LLM_TOKENIZER, 'tokenize'), LOCAL, 'post');
    expect(doc.spec.steps).toEqual([
      { name: 'whisper', model: 'whisper', inputs: {} },
      { name: 'tokenize', model: 'llm', tritonModel: 'tokenizer', inputs: {} },
      { name: 'post', local: 'Post_Process', inputs: {} },
    ]);
    expect(Object.keys(doc.spec.steps[1]!)).toEqual(['name', 'model', 'tritonModel', 'inputs']);
    expect(EMPTY.spec.steps).toEqual([]); // never in place
  });

  it('names a step after its model, unique, as a step name may be written', () => {
    const doc = addStep(EMPTY, WHISPER_TARGET, 'whisper');
    expect(uniqueStepName('whisper', doc)).toBe('whisper-2');
    expect(uniqueStepName('Post_Process', doc)).toBe('post-process');
    expect(uniqueStepName('input', EMPTY)).toBe('input-2');
  });

  it('feeds inputs in the signature’s order, one wire per input (a new one replaces the old)', () => {
    let doc = addStep(EMPTY, WHISPER_TARGET, 's');
    doc = wireStepInput(doc, 's', 'B', 'input.B', ['A', 'B']);
    doc = wireStepInput(doc, 's', 'A', 'input.A', ['A', 'B']);
    expect(Object.entries(doc.spec.steps[0]!.inputs)).toEqual([
      ['A', 'input.A'],
      ['B', 'input.B'],
    ]);
    doc = wireStepInput(doc, 's', 'A', 'other.X', ['A', 'B']);
    expect(doc.spec.steps[0]!.inputs).toEqual({ A: 'other.X', B: 'input.B' });
  });

  it('renames a step together with every wire that reads from it', () => {
    const doc = renameStep(SPEECH, 'transcribe', 'listen');
    expect(doc.spec.steps.map((s) => s.name)).toEqual(['listen', 'draw']);
    expect(doc.spec.steps[1]!.inputs).toEqual({ PROMPT: 'listen.TEXT' });
    expect(doc.spec.outputs.map((o) => o.from)).toEqual(['draw.IMAGE', 'listen.TEXT']);
  });

  it('removes a step with the wires and pipeline outputs it fed', () => {
    const doc = removeStep(SPEECH, 'transcribe');
    expect(doc.spec.steps).toEqual([{ name: 'draw', model: 'stable-diffusion', inputs: {}, timeoutSeconds: 120 }]);
    expect(doc.spec.outputs.map((o) => o.name)).toEqual(['IMAGE']);
    expect(removePipelineInput(SPEECH, 'AUDIO').spec.steps[0]!.inputs).toEqual({});
  });

  it('sets a timeout as the last key and removes it for the default', () => {
    const set = setStepTimeout(SPEECH, 'transcribe', 30);
    expect(Object.keys(set.spec.steps[0]!)).toEqual(['name', 'model', 'inputs', 'timeoutSeconds']);
    const cleared = setStepTimeout(SPEECH, 'draw', undefined);
    expect(cleared.spec.steps[1]).toEqual({ name: 'draw', model: 'stable-diffusion', inputs: { PROMPT: 'transcribe.TEXT' } });
  });

  it('makes a pipeline output from a step output: its name (made unique), datatype and shape', () => {
    const doc = addPipelineOutput(SPEECH, 'transcribe.TEXT', { name: 'TRANSCRIPT', datatype: 'BYTES', shape: [1] });
    expect(doc.spec.outputs[2]).toEqual({ name: 'TRANSCRIPT_2', datatype: 'BYTES', shape: [1], from: 'transcribe.TEXT' });
    expect(Object.keys(doc.spec.outputs[2]!)).toEqual(['name', 'datatype', 'shape', 'from']);
  });

  it('reads shapes as people type them', () => {
    expect(parseShape('-1')).toEqual([-1]);
    expect(parseShape('-1,3')).toEqual([-1, 3]);
    expect(parseShape('[3, 224, 224]')).toEqual([3, 224, 224]);
    expect(parseShape('')).toBeUndefined();
    expect(parseShape('-2')).toBeUndefined();
    expect(parseShape('a')).toBeUndefined();
  });

  it('fits tensors as the validator does: datatype, rank, and fixed dimensions (-1 fits any)', () => {
    expect(fits({ name: 'A', datatype: 'FP32', shape: [-1] }, { datatype: 'FP32', shape: [16000] })).toBe(true);
    expect(fits({ name: 'A', datatype: 'FP32', shape: [3] }, { datatype: 'FP32', shape: [4] })).toBe(false);
    expect(fits({ name: 'A', datatype: 'BYTES', shape: [1] }, { datatype: 'FP32', shape: [1] })).toBe(false);
    expect(fits({ name: 'A', datatype: 'FP32', shape: [-1] }, { datatype: 'FP32', shape: [-1, 3] })).toBe(false);
  });
});

describe('canvas edges and the Mermaid picture', () => {
  it('lists every step input’s wire and each output’s source', () => {
    expect(canvasEdges(SPEECH)).toEqual([
      { from: 'input.AUDIO', to: 'transcribe.AUDIO' },
      { from: 'transcribe.TEXT', to: 'draw.PROMPT' },
      { from: 'draw.IMAGE', to: 'output.IMAGE' },
      { from: 'transcribe.TEXT', to: 'output.TRANSCRIPT' },
    ]);
  });

  it('reads the same edges out of `graph`’s Mermaid text, renamed tensors and sanitised ids included', () => {
    const mermaid = [
      'flowchart LR',
      '  input_AUDIO(["AUDIO<br/>FP32 [-1]"])',
      '  step_my_step["my-step<br/>whisper/whisper · GPU pool t4"]',
      '  input_AUDIO -->|"AUDIO"| step_my_step',
      '  step_my_step -->|"TEXT → PROMPT"| step_draw',
      '  step_draw -->|"IMAGE"| output_IMAGE',
      '',
    ].join('\n');
    expect(mermaidEdges(mermaid)).toEqual([
      { from: 'input.AUDIO', to: 'my_step.AUDIO' },
      { from: 'my_step.TEXT', to: 'draw.PROMPT' },
      { from: 'draw.IMAGE', to: 'output.IMAGE' },
    ]);
    expect(mermaidSafe({ from: 'my-step.TEXT', to: 'output.OUT' })).toEqual({ from: 'my_step.TEXT', to: 'output.OUT' });
  });
});

describe('refusing a wire', () => {
  const FILE = 'environments/dev/pipelines/p.yaml';
  const error = (code: string, path: (string | number)[], file = FILE): ApiDiagnostic => ({
    severity: 'error',
    code,
    file,
    line: 1,
    col: 1,
    message: code,
    path,
  });

  it('refuses on an error at the wire itself', () => {
    const after = [error('dtype-mismatch', ['spec', 'steps', 1, 'inputs', 'PROMPT'])];
    expect(wireRefusal(after, after, FILE, stepInputPath(1, 'PROMPT'))?.code).toBe('dtype-mismatch');
    expect(wireRefusal([], [error('shape-mismatch', ['spec', 'outputs', 0, 'from'])], FILE, outputFromPath(0))?.code).toBe('shape-mismatch');
  });

  it('refuses on an error the document did not have before (a cycle closed elsewhere)', () => {
    const cycle = error('cycle', ['spec', 'steps', 0, 'inputs', 'X']);
    expect(wireRefusal([], [cycle], FILE, stepInputPath(1, 'Y'))).toBe(cycle);
  });

  it('lets a wire stay when the errors left were there before, reworded or not, and ignores warnings', () => {
    const before = [error('unfed-input', ['spec', 'steps', 0, 'inputs']), error('min-items', ['spec', 'outputs'])];
    const after = [
      { ...before[0]!, message: 'leaves "B" unfed' },
      { ...error('note', ['spec', 'steps', 1, 'inputs', 'A']), severity: 'warning' as const },
    ];
    expect(wireRefusal(before, after, FILE, stepInputPath(1, 'A'))).toBeUndefined();
  });
});
