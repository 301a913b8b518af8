/**
 * Step targets as GET a pipeline answers them for the bundled examples, for the pipeline tests that
 * stub the API: one spelling of a model's ports, so the tests cannot drift apart on them.
 */
import type { StepTarget } from '../src/api/types.ts';

/** The bundled whisper model: audio in (FP32), text out (BYTES). */
export const WHISPER_TARGET: StepTarget = {
  kind: 'model',
  name: 'whisper',
  tritonModel: 'whisper',
  onlyTritonModel: true,
  inputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }],
  outputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1] }],
};
