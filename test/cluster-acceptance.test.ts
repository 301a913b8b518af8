/**
 * Acceptance by a real kube-apiserver (support/apiserver.ts): every object tritonops renders is
 * applied the way Flux's kustomize-controller applies it — server-side apply, field manager
 * kustomize-controller, forced, strict field validation — as a dry run, against the real CRDs of
 * Istio, Flux, KEDA, prometheus-operator and Flagger. Zero may be refused. Rendered from:
 *
 * - test/fixtures/every-feature: every feature at once (MIG and time-sliced pools, static and
 *   Flagger canaries, autoscaling of every kind, scale to zero, pipelines with remote and local
 *   steps, auth with roles, tracing, the SFS cache, commit statuses);
 * - a generated fleet of 30 models per environment;
 * - the environments of this repository, whatever they hold (a property every valid spec must
 *   have, not a snapshot of the bundled examples). This world reads the repository's
 *   environments/ on purpose: the API server must accept whatever the team keeps there
 *   (allowlisted in test/team-specs.test.ts).
 *
 * The schema tests (upstream-schemas.test.ts) stay: they check every field against the typed
 * models; this asks the cluster itself.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAll } from '@tritonops/charts';
import { planRepository } from '@tritonops/planner';
import { apiServer, type KubeObject } from './support/apiserver.ts';
import { writeFleet } from './support/fleet.ts';
import { REPO_ROOT, tempDir } from './support/workspace.ts';

const EVERY_FEATURE = join(REPO_ROOT, 'test/fixtures/every-feature');

function rendered(root: string): KubeObject[] {
  const result = planRepository({ root, displayBase: root });
  if (result.hasErrors)
    throw new Error(`the specs of ${root} do not validate: ${result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('; ')}`);
  return renderAll(result.plans).flatMap((f) => f.objects) as KubeObject[];
}

async function refusals(objects: readonly KubeObject[]): Promise<string[]> {
  const api = apiServer();
  if ('unavailable' in api) throw new Error(api.unavailable);
  const refused: string[] = [];
  for (const object of objects) {
    const why = await api.wouldAccept(object);
    if (why) refused.push(why);
  }
  return refused;
}

describe('the real API server accepts everything tritonops renders', () => {
  const api = apiServer();
  const skip = 'unavailable' in api ? api.unavailable : undefined;

  it(`every feature at once${skip ? ` (skipped: ${skip})` : ''}`, async (ctx) => {
    if (skip) return ctx.skip(skip);
    const objects = rendered(EVERY_FEATURE);
    const kinds = new Set(objects.map((o) => o.kind));
    // The fixture must keep covering what it claims to.
    for (const kind of [
      'Deployment',
      'Service',
      'ScaledObject',
      'Canary',
      'MetricTemplate',
      'VirtualService',
      'DestinationRule',
      'AuthorizationPolicy',
      'RequestAuthentication',
      'PeerAuthentication',
      'PodMonitor',
      'PrometheusRule',
      'Telemetry',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'ConfigMap',
      'HelmRelease',
      'Kustomization',
      'GitRepository',
      'Provider',
      'Alert',
      'Gateway',
      'NetworkPolicy',
      'PodDisruptionBudget',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    expect(await refusals(objects)).toEqual([]);
  }, 120_000);

  it(`a generated fleet of 30 models per environment${skip ? ` (skipped: ${skip})` : ''}`, async (ctx) => {
    if (skip) return ctx.skip(skip);
    const dir = tempDir('fleet-acceptance');
    try {
      writeFleet(dir.path, 30);
      const objects = rendered(dir.path);
      expect(objects.length).toBeGreaterThan(600);
      expect(await refusals(objects)).toEqual([]);
    } finally {
      dir.remove();
    }
  }, 300_000);

  it(`the environments of this repository${skip ? ` (skipped: ${skip})` : ''}`, async (ctx) => {
    if (skip) return ctx.skip(skip);
    const copy = tempDir('repository-acceptance');
    try {
      cpSync(join(REPO_ROOT, 'environments'), join(copy.path, 'environments'), { recursive: true });
      const result = planRepository({ root: copy.path, displayBase: copy.path });
      // Specs that do not validate are `tritonops validate`'s to report, not this test's.
      if (result.hasErrors) return ctx.skip("the repository's environments do not validate (tritonops validate says why)");
      expect(await refusals(renderAll(result.plans).flatMap((f) => f.objects) as KubeObject[])).toEqual([]);
    } finally {
      copy.remove();
    }
  }, 300_000);
});
