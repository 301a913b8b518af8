/**
 * Every field of a Model or Pipeline spec is either part of the release `tritonops promote` copies
 * or the target environment's own (docs/promotion.md): a new field must be classified, not forgotten.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_PROMOTED_FIELDS, MODEL_TARGET_FIELDS, ModelSchema, PIPELINE_PROMOTED_FIELDS, PIPELINE_TARGET_FIELDS, PipelineSchema } from '../src/index.ts';

const specFields = (schema: { properties: { spec: { properties: Record<string, unknown> } } }) => Object.keys(schema.properties.spec.properties).sort();

describe.each([
  ['Model', ModelSchema, MODEL_PROMOTED_FIELDS, MODEL_TARGET_FIELDS],
  ['Pipeline', PipelineSchema, PIPELINE_PROMOTED_FIELDS, PIPELINE_TARGET_FIELDS],
] as const)('%s spec fields', (_kind, schema, promoted, target) => {
  it('are each classified exactly once: promoted (release) or the target environment’s own', () => {
    const classified = [...promoted, ...target];
    expect(classified.filter((f, i) => classified.indexOf(f) !== i)).toEqual([]);
    expect([...classified].sort()).toEqual(specFields(schema));
  });

  it('promote the image but never placement, scale or the canary', () => {
    expect(promoted).toContain('image');
    for (const own of ['replicas', 'autoscaling', 'resources', 'auth', 'traffic', 'slo', 'canary', 'gpuPool']) expect(promoted).not.toContain(own);
  });
});
