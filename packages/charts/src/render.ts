/**
 * Plans in, files out. Each output file is one cdk8s Chart, so the tree mirrors the concerns:
 *
 *   flux/clusters/<env>/        Flux entry points: Git source, Kustomizations (one per model too)
 *   flux/infrastructure/<env>/  Istio, KEDA, monitoring, GPU operator (Helm releases)
 *   flux/models/<env>/          environment/ (namespace, security, gateway, SFS share), then a
 *                               folder per model and per pipeline server, each its own Kustomization
 */
import { App, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { compareStrings, environmentCore, type EnvironmentCore, type EnvironmentPlan, type ModelPlan, type PipelinePlan } from '@tritonops/planner';
import { addPipelineServer } from './pipeline-server.ts';
import {
  addClusterKustomization,
  addEnvironmentKustomization,
  addGitRepository,
  addInfrastructureKustomization,
  addRetiredModelsKustomization,
  addSecretsKustomization,
  addServedKustomization,
  fluxPaths,
  servedPath,
  sopsSecretsPath,
} from './flux/cluster-sync.ts';
import { addExternalSecrets, addSopsSecret } from './external-secrets.ts';
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
import { addModelAlerts, addRetiredAlerts } from './alerts.ts';
import { addFixedSizeScaledObject, addScaledObject } from './autoscaling.ts';
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

/**
 * One file tritonops writes, before it is rendered. `inputs` is everything its content depends on
 * besides the renderer's own code: `render()` reads nothing else, so two renders with equal
 * inputs give the same bytes. That makes it the key of the render cache (apps/cli/src/cache.ts).
 */
export interface OutputFile {
  readonly path: string;
  readonly inputs: object;
  render(): RenderedFile;
}

/** What a model's file depends on: its own plan and the environment's, never the other models. */
interface ServedInputs {
  readonly sources: readonly string[];
  readonly env: EnvironmentCore;
  readonly model: ModelPlan;
}

interface PipelineInputs {
  readonly sources: readonly string[];
  readonly env: EnvironmentCore;
  readonly pipeline: PipelinePlan;
}

function outputFile<I extends { readonly sources: readonly string[] }>(path: string, inputs: I, build: (chart: Construct, inputs: I) => void): OutputFile {
  return {
    path,
    inputs,
    render: () => {
      // An App per file: cdk8s resolves dependencies across a whole App on every chart's toJson,
      // which grows with the square of the fleet when all files share one.
      const chart = new Chart(new App(), path.replace(/[^A-Za-z0-9]+/g, '-'), { disableResourceNameHashes: true });
      build(chart, inputs);
      return renderFile(path, inputs.sources, chart.toJson());
    },
  };
}

/** Everything a served Triton needs around it, for models and pipeline servers alike. */
function addServing(c: Construct, env: EnvironmentCore, model: ModelPlan, options: { callsModels?: boolean } = {}): void {
  for (const track of model.tracks) addScaledObject(c, env, model, track);
  addFixedSizeScaledObject(c, env, model);
  if (model.analysis) addCanary(c, env, model);
  // Under analysis Flagger routes; during a handover ours stay until it has taken over.
  if (!model.analysis || model.handover) {
    addDestinationRule(c, env, model);
    addVirtualServices(c, env, model);
  }
  addModelSecurity(c, env, model);
  addPodMonitor(c, env, model, { outboundRequests: options.callsModels === true });
  // Pipeline servers are Triton servers too: same metrics, same alerts.
  addModelAlerts(c, env, model);
}

function renderModel(c: Construct, { env, model }: ServedInputs): void {
  new TritonServer(c, 'triton', { env, model });
  addServing(c, env, model);
}

function renderPipeline(c: Construct, { env, pipeline }: PipelineInputs): void {
  addPipelineServer(c, env, pipeline);
  addServing(c, env, pipeline.server, { callsModels: pipeline.graph.steps.some((s) => s.model !== undefined) });
}

/** Every file tritonops writes for `env`, sorted by path, not yet rendered. */
export function environmentFiles(env: EnvironmentPlan): OutputFile[] {
  const files: OutputFile[] = [];
  const paths = fluxPaths(env.name);
  // Environment-wide files are built from the environment without its models and pipelines, so a
  // pull request that adds, changes or removes one rewrites none of them, and two such pull
  // requests merge without conflict (docs/architecture.md, "Concurrent pull requests"). The
  // exception is Flagger: installed while some model uses canary analysis (usesFlagger), which
  // decides whether its files exist and the Helm repositories list, the one file built from the
  // whole plan.
  const core = environmentCore(env);
  const shared = { sources: [env.sourcePath], env: core };
  const file = (path: string, build: (chart: Construct, env: EnvironmentCore) => void) => files.push(outputFile(path, shared, (c, i) => build(c, i.env)));
  const whole = { sources: [env.sourcePath], env };

  file(`${paths.cluster}/git-repository.yaml`, addGitRepository);
  file(`${paths.cluster}/cluster.yaml`, addClusterKustomization);
  file(`${paths.cluster}/infrastructure.yaml`, addInfrastructureKustomization);
  file(`${paths.cluster}/environment.yaml`, addEnvironmentKustomization);
  file(`${paths.cluster}/models.yaml`, addRetiredModelsKustomization);
  if (env.git.commitStatus) file(`${paths.cluster}/notifications.yaml`, addCommitStatus);

  file(`${paths.infrastructure}/namespaces.yaml`, addInfrastructureNamespaces);
  files.push(outputFile(`${paths.infrastructure}/helm-repositories.yaml`, whole, (c, i) => addHelmRepositories(c, i.env)));
  file(`${paths.infrastructure}/istio.yaml`, addIstio);
  file(`${paths.infrastructure}/keda.yaml`, addKeda);
  file(`${paths.infrastructure}/monitoring.yaml`, addMonitoring);
  if (needsGpuOperator(env)) file(`${paths.infrastructure}/gpu-operator.yaml`, addGpuOperator);
  if (usesFlagger(env)) file(`${paths.infrastructure}/flagger.yaml`, addFlagger);

  file(`${paths.models}/environment/namespace.yaml`, (c, e) => new InferenceNamespace(c, 'namespace', e));
  file(`${paths.models}/environment/security.yaml`, addNamespaceSecurity);
  const gateway = env.gateway;
  if (gateway) {
    file(`${paths.models}/environment/gateway.yaml`, (c, e) => {
      addGateway(c, e, gateway);
      addGatewayMonitor(c, e);
    });
  }
  file(`${paths.models}/environment/alerts.yaml`, addRetiredAlerts);
  file(`${paths.models}/environment/dashboard.yaml`, addDashboard);
  const tracing = env.tracing;
  if (tracing) file(`${paths.models}/environment/tracing.yaml`, (c, e) => addTelemetry(c, e, tracing));
  const sfs = env.sfs;
  if (sfs) file(`${paths.models}/environment/model-cache.yaml`, (c, e) => new SfsShare(c, 'model-cache', e, sfs));
  if (usesFlagger(env)) file(`${paths.models}/environment/flagger-metrics.yaml`, addMetricTemplates);
  const secrets = env.secrets;
  if (secrets?.delivery === 'external-secrets') file(`${paths.models}/environment/secrets.yaml`, (c, e) => addExternalSecrets(c, e, secrets));
  if (secrets?.delivery === 'sops') {
    file(`${paths.cluster}/secrets.yaml`, addSecretsKustomization);
    // One file per Secret, depending on its own source file only: a rotation re-renders one file.
    for (const secret of env.sopsSecrets ?? []) {
      const inputs = { sources: [secret.sourcePath, env.sourcePath], env: environmentCore(env), secret };
      files.push(outputFile(`${sopsSecretsPath(env.name)}/${secret.name}.yaml`, inputs, (c, i) => addSopsSecret(c, i.env, i.secret)));
    }
  }

  for (const model of env.models) {
    const inputs = { sources: [model.sourcePath, env.sourcePath], env: core, model };
    files.push(outputFile(`${paths.cluster}/models/${model.name}.yaml`, inputs, (c, i) => addServedKustomization(c, i.env, 'model', i.model)));
    files.push(outputFile(`${servedPath(env.name, 'model', model.name)}/${model.name}.yaml`, inputs, renderModel));
  }
  for (const pipeline of env.pipelines) {
    const inputs = { sources: [pipeline.server.sourcePath, env.sourcePath], env: core, pipeline };
    files.push(
      outputFile(`${paths.cluster}/pipelines/${pipeline.server.name}.yaml`, inputs, (c, i) => addServedKustomization(c, i.env, 'pipeline', i.pipeline.server)),
    );
    files.push(outputFile(`${servedPath(env.name, 'pipeline', pipeline.server.name)}/${pipeline.server.name}.yaml`, inputs, renderPipeline));
  }
  return files.sort((a, b) => compareStrings(a.path, b.path));
}

/** Every file tritonops writes for `env`, rendered, sorted by path. */
export function renderEnvironment(env: EnvironmentPlan): RenderedFile[] {
  return environmentFiles(env).map((f) => f.render());
}

/** Every file for every plan, sorted by path. */
export function renderAll(plans: readonly EnvironmentPlan[]): RenderedFile[] {
  return plans.flatMap(renderEnvironment).sort((a, b) => compareStrings(a.path, b.path));
}

/** The folders under flux/ that belong to `env`: what a render of that environment replaces. */
export function environmentRoots(env: string): string[] {
  return Object.values(fluxPaths(env));
}
