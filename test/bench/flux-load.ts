/**
 * What one Kustomization per model costs Flux, measured against a real kube-apiserver (the one
 * the tests use, from ../shared): the objects of one model applied as kustomize-controller applies
 * them, then its steady-state reconcile — a server-side dry run of every object, which is how
 * Flux finds that nothing drifted. Returns why it cannot measure when the server cannot run.
 */
import { performance } from 'node:perf_hooks';
import { renderEnvironment } from '@tritonops/charts';
import { planRepository } from '@tritonops/planner';
import { ApiClient, apiServerUnavailable, startApiServer, type KubeObject } from '../support/apiserver.ts';
import { FluxSync } from '../support/flux-sync.ts';

export interface FluxLoad {
  readonly models: number;
  readonly objectsPerModel: number;
  /** A model's first apply (creation), mean ms. */
  readonly createMs: number;
  /** A model's steady-state reconcile (dry run of each object), mean and 95th percentile ms. */
  readonly steadyMs: number;
  readonly steadyP95Ms: number;
}

export async function measureFluxLoad(root: string, sample: number): Promise<FluxLoad | string> {
  const unavailable = apiServerUnavailable();
  if (unavailable) return unavailable;
  const result = planRepository({ root, displayBase: root, only: ['production'] });
  if (result.hasErrors) throw new Error('the fleet does not validate');
  const files = renderEnvironment(result.plans[0]!);
  const server = await startApiServer();
  const api = new ApiClient(server.address);
  try {
    await api.ensureNamespace('istio-ingress');
    const environment = await new FluxSync(api, 'environment').sync(
      files.filter((f) => f.path.startsWith('flux/models/production/environment/')).flatMap((f) => f.objects) as KubeObject[],
    );
    if (environment.refused.length > 0) throw new Error(`the environment's objects were refused: ${environment.refused.join('; ')}`);
    const models = files.filter((f) => f.path.startsWith('flux/models/production/models/')).slice(0, sample);
    const create: number[] = [];
    const steady: number[] = [];
    for (const f of models) {
      const objects = f.objects as KubeObject[];
      let start = performance.now();
      for (const o of objects) await api.apply(o);
      create.push(performance.now() - start);
      start = performance.now();
      for (const o of objects) await api.apply(o, { dryRun: true });
      steady.push(performance.now() - start);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const sorted = [...steady].sort((a, b) => a - b);
    return {
      models: models.length,
      objectsPerModel: models[0]!.objects.length,
      createMs: mean(create),
      steadyMs: mean(steady),
      steadyP95Ms: sorted[Math.floor(sorted.length * 0.95)]!,
    };
  } finally {
    await server.stop();
  }
}
