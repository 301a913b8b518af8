import { describe, expect, it } from 'vitest';
import { parsedObjects, renderBundled } from './support/workspace.ts';
import { needsSharedSchema, sharedSchemasAvailable, validateUpstream } from './support/upstream-schemas.ts';

const objects = parsedObjects(renderBundled());

describe('every rendered object is valid for the real API', () => {
  it('renders objects for every bundled environment', () => {
    const envs = new Set(objects.map((o) => o.file.split('/')[2]));
    expect([...envs].sort()).toEqual(['dev', 'production', 'staging']);
  });

  it.for(objects.map((o) => [`${o.file} ${String(o.object.kind)}/${String((o.object.metadata as { name: string }).name)}`, o.object] as const))(
    '%s validates against its upstream schema',
    ([, object], ctx) => {
      if (needsSharedSchema(object) && !sharedSchemasAvailable()) ctx.skip('needs ../shared/flagger/crd.yaml (present in CI, not in a user clone)');
      expect(() => validateUpstream(object)).not.toThrow();
    },
  );

  it('the upstream validators do reject a broken object (so the checks above can fail)', () => {
    const deployment = objects.find((o) => o.object.kind === 'Deployment')!.object;
    const broken = structuredClone(deployment) as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
    broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'eight thousand';
    expect(() => validateUpstream(broken as unknown as Record<string, unknown>)).toThrow(/containerPort/);
    const kustomization = objects.find((o) => o.object.kind === 'Kustomization')!.object;
    expect(() => validateUpstream({ ...kustomization, spec: { ...(kustomization.spec as object), prune: 'yes' } })).toThrow(/prune/);
  });

  it('the Flagger CRD schema rejects a misspelled field (so the Flagger checks can fail)', (ctx) => {
    if (!sharedSchemasAvailable()) ctx.skip('needs ../shared/flagger/crd.yaml (present in CI, not in a user clone)');
    const canary = objects.find((o) => o.object.kind === 'Canary')!.object as { spec: Record<string, unknown> };
    expect(() => validateUpstream({ ...canary, spec: { ...canary.spec, analysys: {} } })).toThrow(/additionalProperties|analysys/);
    expect(() => validateUpstream({ ...canary, spec: { ...canary.spec, service: { name: 'x' } } })).toThrow(/port/);
  });

  it('refuses kinds it has no upstream schema for', () => {
    expect(() => validateUpstream({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } })).toThrow(/no upstream schema/);
  });
});
