/**
 * Plans in, files out. Each output file is one cdk8s Chart, so the tree mirrors the concerns:
 *
 *   flux/clusters/<env>/        Flux entry points: Git source, Kustomizations
 *   flux/infrastructure/<env>/  Istio, KEDA, monitoring, GPU operator (Helm releases)
 *   flux/models/<env>/          namespace, security, gateway, SFS share; then one file per model
 */
import { App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentPlan, ModelPlan } from '@tritonops/spec';
import { addPipelineServer } from './pipeline-server.ts';
import {
  addClusterKustomization,
  addGitRepository,
  addInfrastructureKustomization,
  addModelsKustomization,
  fluxPaths,
} from './flux/cluster-sync.ts';
import {
  addGpuOperator,
  addHelmRepositories,
  addInfrastructureNamespaces,
  addIstio,
  addKeda,
  addFlagger,
  addMonitoring,
  needsGpuOperator,
  usesFlagger,
} from './flux/infrastructure.ts';
import { addCanary, addMetricTemplates } from './flagger.ts';
import { addAlerts } from './alerts.ts';
import { addScaledObject } from './autoscaling.ts';
import { addDashboard } from './dashboard.ts';
import { addGateway, addGatewayMonitor } from './gateway.ts';
import { addTelemetry } from './tracing.ts';
import { addDestinationRule, addVirtualServices } from './istio-routing.ts';
import { addModelSecurity, addNamespaceSecurity } from './security.ts';
import { addCommitStatus } from './flux/notifications.ts';
import { InferenceNamespace } from './namespace.ts';
import { addPodMonitor } from './pod-monitor.ts';
import { renderFile, type RenderedFile } from './serialize.ts';
import { SfsShare } from './sfs-cache.ts';
import { TritonServer } from './triton-server.ts';

/** Every file tritonops writes for `env`, sorted by path. */
export function renderEnvironment(env: EnvironmentPlan): RenderedFile[] {
  const files: RenderedFile[] = [];
  const paths = fluxPaths(env.name);
  const envSource = [env.sourcePath];
  const file = (path: string, sources: string[], build: (chart: Construct) => void) => {
    // An App per file: cdk8s resolves dependencies across a whole App on every chart's toJson,
    // which grows with the square of the fleet when all files share one.
    const chart = new Chart(new App(), path.replace(/[^A-Za-z0-9]+/g, '-'), { disableResourceNameHashes: true });
    build(chart);
    files.push(renderFile(path, sources, chart.toJson()));
  };

  file(`${paths.cluster}/git-repository.yaml`, envSource, (c) => addGitRepository(c, env));
  file(`${paths.cluster}/cluster.yaml`, envSource, (c) => addClusterKustomization(c, env));
  file(`${paths.cluster}/infrastructure.yaml`, envSource, (c) => addInfrastructureKustomization(c, env));
  file(`${paths.cluster}/models.yaml`, envSource, (c) => addModelsKustomization(c, env));
  if (env.git.commitStatus) file(`${paths.cluster}/notifications.yaml`, envSource, (c) => addCommitStatus(c, env));

  file(`${paths.infrastructure}/namespaces.yaml`, envSource, (c) => addInfrastructureNamespaces(c, env));
  file(`${paths.infrastructure}/helm-repositories.yaml`, envSource, (c) => addHelmRepositories(c, env));
  file(`${paths.infrastructure}/istio.yaml`, envSource, (c) => addIstio(c, env));
  file(`${paths.infrastructure}/keda.yaml`, envSource, (c) => addKeda(c, env));
  file(`${paths.infrastructure}/monitoring.yaml`, envSource, (c) => addMonitoring(c, env));
  if (needsGpuOperator(env)) file(`${paths.infrastructure}/gpu-operator.yaml`, envSource, (c) => addGpuOperator(c, env));
  if (usesFlagger(env)) file(`${paths.infrastructure}/flagger.yaml`, envSource, (c) => addFlagger(c, env));

  file(`${paths.models}/environment/namespace.yaml`, envSource, (c) => new InferenceNamespace(c, 'namespace', env));
  file(`${paths.models}/environment/security.yaml`, envSource, (c) => addNamespaceSecurity(c, env));
  const gateway = env.gateway;
  if (gateway) {
    file(`${paths.models}/environment/gateway.yaml`, envSource, (c) => {
      addGateway(c, env, gateway);
      addGatewayMonitor(c, env);
    });
  }
  file(`${paths.models}/environment/alerts.yaml`, envSource, (c) => addAlerts(c, env));
  file(`${paths.models}/environment/dashboard.yaml`, envSource, (c) => addDashboard(c, env));
  const tracing = env.tracing;
  if (tracing) file(`${paths.models}/environment/tracing.yaml`, envSource, (c) => addTelemetry(c, env, tracing));
  const sfs = env.sfs;
  if (sfs) file(`${paths.models}/environment/model-cache.yaml`, envSource, (c) => new SfsShare(c, 'model-cache', env, sfs));
  if (usesFlagger(env)) file(`${paths.models}/environment/flagger-metrics.yaml`, envSource, (c) => addMetricTemplates(c, env));
  // Everything a served Triton needs around it, for models and pipeline servers alike.
  const serve = (c: Construct, model: ModelPlan) => {
    for (const track of model.tracks) addScaledObject(c, env, model, track);
    if (model.analysis) {
      addCanary(c, env, model);
    } else {
      addDestinationRule(c, env, model);
      addVirtualServices(c, env, model);
    }
    addModelSecurity(c, env, model);
    addPodMonitor(c, env, model);
  };
  for (const model of env.models) {
    file(`${paths.models}/models/${model.name}.yaml`, [model.sourcePath, env.sourcePath], (c) => {
      new TritonServer(c, 'triton', { env, model });
      serve(c, model);
    });
  }
  for (const pipeline of env.pipelines) {
    file(`${paths.models}/pipelines/${pipeline.server.name}.yaml`, [pipeline.server.sourcePath, env.sourcePath], (c) => {
      addPipelineServer(c, env, pipeline);
      serve(c, pipeline.server);
    });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every file for every plan, sorted by path. */
export function renderAll(plans: readonly EnvironmentPlan[]): RenderedFile[] {
  return plans.flatMap(renderEnvironment).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The folders under flux/ that belong to `env`: what a render of that environment replaces. */
export function environmentRoots(env: string): string[] {
  return Object.values(fluxPaths(env));
}
