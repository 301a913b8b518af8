import { describe, expect, it } from 'vitest';
import { EXAMPLE_ENVIRONMENT, EXAMPLE_MODEL, EXAMPLE_PIPELINE, EnvironmentSchema, ModelSchema, PipelineSchema } from '@tritonops/spec';
import { isValid } from '../src/load/validate-shape.ts';

describe('the spec language as the loader validates it', () => {
  it('the examples in the reference validate', () => {
    expect(isValid(EnvironmentSchema, structuredClone(EXAMPLE_ENVIRONMENT))).toBe(true);
    expect(isValid(ModelSchema, structuredClone(EXAMPLE_MODEL))).toBe(true);
    expect(isValid(PipelineSchema, structuredClone(EXAMPLE_PIPELINE))).toBe(true);
  });
});
