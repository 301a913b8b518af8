import { describe, expect, it } from 'vitest';
import { fingerprintInputs, rendererFingerprint } from '../src/fingerprint.ts';

describe('the renderer fingerprint', () => {
  it('covers the renderers, the spec checks, the embedded Python and every rendering library', () => {
    const { files, libraries } = fingerprintInputs();
    const tails = files.map((f) => f.slice(f.lastIndexOf('/packages/')));
    expect(tails).toEqual(
      expect.arrayContaining([
        '/packages/charts/src/render.ts',
        '/packages/charts/python/remote_step.py',
        '/packages/planner/src/load/read-specs.ts',
        '/packages/spec/src/schema/model.ts',
      ]),
    );
    expect(tails.filter((t) => t.includes('__pycache__') || t.includes('/test/'))).toEqual([]);
    expect(Object.keys(libraries)).toEqual(['cdk8s', 'cdk8s-plus-28', 'constructs', 'yaml', 'ajv', '@sinclair/typebox', 'node']);
    for (const [library, version] of Object.entries(libraries)) expect(version, library).toMatch(/^v?\d+\.\d+\.\d+/);
    expect(rendererFingerprint()).toMatch(/^[0-9a-f]{64}$/);
  });
});
