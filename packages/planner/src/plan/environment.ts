/**
 * Planning: builds the plan (the types in ./types.ts) of an environment that passed validation,
 * a validated environment and its models with every default applied and every reference
 * resolved, so that the charts render without making decisions of their own.
 */
import { own } from '../values/records.ts';
import { createHash } from 'node:crypto';
import { compareStrings } from '../diagnostics.ts';
import type { Loaded, LoadedEnvironment } from '../load/read-specs.ts';
import type { SourceFile } from '../load/source-file.ts';
import { resolvePipeline, type PipelineGraph } from './pipeline-graph.ts';
import { NOT_A_SECRET } from '../load/credentials.ts';
import { PROMOTION_OVERRIDE } from '../check/promotion-gate.ts';
import type { Environment, Model, Pipeline } from '@tritonops/spec';
import type { MonitoringSpec } from '@tritonops/spec';
import { S3_DOWNLOAD_EPHEMERAL_STORAGE, type AutoscalingSpec, type ModelSpec } from '@tritonops/spec';
import { parseQuantity, quantityString } from '../values/quantity.ts';
import { awsCliUri, formatEndpoint, parseEndpoint, parseS3Uri, tritonUri, type S3Endpoint } from '../values/s3.ts';
import type {
  AutoscalingPlan,
  EnvironmentCore,
  EnvironmentPlan,
  GpuPlacement,
  GpuPoolPlan,
  ModelPlan,
  MonitoringPlan,
  PipelinePlan,
  ReleasePlan,
  ResourcesPlan,
  SecretsPlan,
  SopsSecretPlan,
  Toleration,
  TrackPlan,
  TrafficPlan,
} from './types.ts';

// The plan types moved to ./types.ts; re-exported so that imports of this module keep working.
export type * from './types.ts';

export function environmentCore(env: EnvironmentPlan): EnvironmentCore {
  const { models: _models, pipelines: _pipelines, sopsSecrets: _sopsSecrets, ...core } = env;
  return core;
}

/** What a time-sliced pool advertises (the GPU operator's `renameByDefault`). */
export const TIME_SLICED_RESOURCE = 'nvidia.com/gpu.shared';
/** Node label that picks a node's device-plugin configuration in the GPU operator. */
export const DEVICE_PLUGIN_CONFIG_LABEL = 'nvidia.com/device-plugin.config';

/** The toleration every GPU model carries: GPU nodes are tainted so that other pods stay off them. */
export const GPU_TOLERATION: Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

/** Production environments get stricter warnings (auth opt-outs, plain HTTP). */
export function isProduction(environment: string): boolean {
  return environment === 'production' || environment.startsWith('prod-') || environment === 'prod';
}

type EnvironmentSpec = Environment['spec'];

/** What every model of an environment is planned against. */
interface ModelContext {
  /** Folder name under environments/. */
  readonly environment: string;
  readonly spec: EnvironmentSpec;
  readonly endpoint: S3Endpoint | undefined;
  readonly gpuPools: Record<string, GpuPoolPlan>;
}

/** Builds the plan of an environment that passed validation (`checkEnvironment` found no errors). */
export function planEnvironment(loaded: LoadedEnvironment): EnvironmentPlan {
  if (!loaded.environment) throw new Error(`planEnvironment: environment "${loaded.name}" was not loaded`);
  const spec = loaded.environment.value.spec;
  const endpoint = spec.s3.endpoint ? expectOk(parseEndpoint(spec.s3.endpoint)) : undefined;
  const core = planCore(loaded.name, loaded.environment.value, endpoint);
  const context: ModelContext = { environment: loaded.name, spec, endpoint, gpuPools: core.gpuPools };
  const models = loaded.models.map((model) => planModel(context, model)).sort((a, b) => compareStrings(a.name, b.name));
  const pipelines = loaded.pipelines
    .map((p) => planPipeline(loaded, p, { namespace: spec.namespace, endpoint, jwt: spec.auth !== undefined, tracing: spec.tracing }))
    .sort((a, b) => compareStrings(a.server.name, b.server.name));
  const sopsSecrets = core.secrets?.delivery === 'sops' ? sopsSecretsPlan(loaded) : undefined;
  return { ...core, ...(sopsSecrets ? { sopsSecrets } : {}), models, pipelines };
}

/** The checked SOPS files, only the fields the charts copy, sorted by name. */
function sopsSecretsPlan(loaded: LoadedEnvironment): SopsSecretPlan[] {
  return (loaded.secretFiles ?? [])
    .map((f) => ({
      name: f.name,
      sourcePath: f.sourcePath,
      ...(f.labels ? { labels: f.labels } : {}),
      ...(f.data ? { data: f.data } : {}),
      ...(f.stringData ? { stringData: f.stringData } : {}),
      sops: f.sops,
    }))
    .sort((a, b) => compareStrings(a.name, b.name));
}

function secretsPlan(secrets: NonNullable<EnvironmentSpec['secrets']>): SecretsPlan {
  return {
    delivery: secrets.delivery,
    ...(secrets.store ? { store: secrets.store } : {}),
    ...(secrets.refreshInterval ? { refreshInterval: secrets.refreshInterval } : {}),
    ...(secrets.sops ? { ageRecipients: [...secrets.sops.ageRecipients] } : {}),
    declared: Object.fromEntries(
      Object.entries(secrets.declared)
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([name, d]) => [name, { keys: [...d.keys], ...(d.remoteKey ? { remoteKey: d.remoteKey } : {}) }]),
    ),
  };
}

/** The environment's own plan, without its models and pipelines. */
function planCore(environment: string, value: Environment, endpoint: S3Endpoint | undefined): EnvironmentCore {
  const spec = value.spec;
  return {
    name: value.metadata.name,
    sourcePath: `environments/${environment}/environment.yaml`,
    namespace: spec.namespace,
    namespaceLabels: spec.namespaceLabels ?? {},
    labels: value.metadata.labels ?? {},
    ...(value.metadata.annotations?.[NOT_A_SECRET] ? { notASecret: value.metadata.annotations[NOT_A_SECRET] } : {}),
    ...(spec.promotedFrom ? { promotedFrom: spec.promotedFrom } : {}),
    git: gitPlan(spec.git),
    gpuPools: gpuPoolsPlan(spec.gpuPools),
    s3: s3Plan(spec.s3, endpoint),
    ...(spec.gateway ? { gateway: { domain: spec.gateway.domain, ...(spec.gateway.tlsSecret ? { tlsSecret: spec.gateway.tlsSecret } : {}) } } : {}),
    ...(spec.tracing ? { tracing: { collector: spec.tracing.collector, samplingPercent: spec.tracing.samplingPercent } } : {}),
    ...(spec.auth ? { jwt: jwtPlan(spec.auth.jwt) } : {}),
    ...(spec.sfs ? { sfs: sfsPlan(spec.sfs) } : {}),
    monitoring: monitoringPlan(spec.monitoring),
    ...(spec.secrets ? { secrets: secretsPlan(spec.secrets) } : {}),
    platformCharts: { ...spec.platform.charts },
  };
}

function gitPlan(git: EnvironmentSpec['git']): EnvironmentCore['git'] {
  return {
    url: git.url,
    branch: git.branch,
    ...(git.secretRef ? { secretRef: git.secretRef } : {}),
    interval: git.interval,
    ...(git.commitStatus ? { commitStatus: { ...git.commitStatus } } : {}),
  };
}

/** Pools by name; a time-sliced one advertises the shared resource on nodes labelled for its config. */
function gpuPoolsPlan(pools: EnvironmentSpec['gpuPools']): Record<string, GpuPoolPlan> {
  return Object.fromEntries(
    Object.entries(pools)
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, pool]) => [
        name,
        {
          nodeSelector: pool.timeSlicing ? { ...pool.nodeSelector, [DEVICE_PLUGIN_CONFIG_LABEL]: name } : pool.nodeSelector,
          resource: pool.timeSlicing ? TIME_SLICED_RESOURCE : pool.resource,
          ...(pool.timeSlicing ? { timeSlicingReplicas: pool.timeSlicing.replicas } : {}),
          gpusPerNode: pool.gpusPerNode,
          maxNodes: pool.maxNodes,
          gpuMemory: quantityString(pool.gpuMemory),
          tolerations: pool.tolerations ?? [],
        },
      ]),
  );
}

function s3Plan(s3: EnvironmentSpec['s3'], endpoint: S3Endpoint | undefined): EnvironmentCore['s3'] {
  return {
    ...(endpoint ? { endpoint, endpointUrl: formatEndpoint(endpoint) } : {}),
    region: s3.region,
    credentialsSecret: s3.credentialsSecret,
    accessKeyIdKey: s3.accessKeyIdKey,
    secretAccessKeyKey: s3.secretAccessKeyKey,
  };
}

function jwtPlan(jwt: NonNullable<EnvironmentSpec['auth']>['jwt']): NonNullable<EnvironmentCore['jwt']> {
  return { issuer: jwt.issuer, jwksUri: jwt.jwksUri, ...(jwt.audiences ? { audiences: jwt.audiences } : {}) };
}

function sfsPlan(sfs: NonNullable<EnvironmentSpec['sfs']>): NonNullable<EnvironmentCore['sfs']> {
  return { server: sfs.server, path: sfs.path, size: quantityString(sfs.size), mountOptions: sfs.mountOptions, syncImage: sfs.syncImage };
}

/** One model's plan: its tracks, routing, scaling and placement, with the environment's defaults applied. */
function planModel(context: ModelContext, { file, value: model }: Loaded<Model>): ModelPlan {
  const { spec } = context;
  const m = model.spec;
  const name = model.metadata.name;
  const canary = m.canary;
  const auto = m.autoscaling;
  const gpu = gpuPlacement(m, context.gpuPools);
  return {
    name,
    sourcePath: `environments/${context.environment}/models/${baseName(file.path)}`,
    labels: model.metadata.labels ?? {},
    ...(model.metadata.annotations?.[PROMOTION_OVERRIDE] ? { promotionOverride: model.metadata.annotations[PROMOTION_OVERRIDE] } : {}),
    ...(model.metadata.annotations?.[NOT_A_SECRET] ? { notASecret: model.metadata.annotations[NOT_A_SECRET] } : {}),
    tracks: trackPlans(name, m, file, context.endpoint),
    ...(m.signatures ? { signatures: m.signatures } : {}),
    ...(canary && !canary.analysis ? { routing: routingPlan(canary) } : {}),
    ...(canary?.analysis ? { analysis: { ...canary.analysis } } : {}),
    traffic: trafficPlan(m.traffic),
    ...(auto ? { autoscaling: autoscalingPlan(auto) } : {}),
    ...(m.handover === true ? { handover: true as const } : {}),
    ...(auto && (fromFixed(m, file, ['spec', 'replicas']) || (canary?.autoscaling && fromFixed(m, file, ['spec', 'canary', 'replicas'])))
      ? { handoverFromReplicas: true as const }
      : {}),
    ...(m.gpuMemory !== undefined ? { gpuMemoryBytes: parseQuantity(m.gpuMemory) ?? 0 } : {}),
    slo: { successRate: m.slo.successRate, queueTimeMs: m.slo.queueTimeMs },
    ...(spec.tracing ? { tracing: { collector: spec.tracing.collector, samplingPercent: m.tracing?.samplingPercent ?? spec.tracing.samplingPercent } } : {}),
    auth: { required: spec.auth !== undefined && m.auth.required, ...(m.auth.roles ? { roles: m.auth.roles } : {}) },
    env: m.env,
    ...(m.secretEnv
      ? {
          secretEnv: Object.fromEntries(
            Object.entries(m.secretEnv)
              .sort(([a], [b]) => compareStrings(a, b))
              .map(([variable, ref]) => [variable, { secret: ref.secret, key: ref.key }]),
          ),
        }
      : {}),
    ...(gpu ? { gpu } : {}),
    resources: resourcesPlan(m.resources, m.cache !== 'sfs'),
    ...(m.callers ? { callers: m.callers.namespaces } : {}),
    startupTimeoutSeconds: m.startupTimeoutSeconds,
    terminationGracePeriodSeconds: m.terminationGracePeriodSeconds,
  };
}

/** Where a GPU model runs: its pool's resource and nodes, tolerating the GPU taint. */
function gpuPlacement(m: ModelSpec, gpuPools: Record<string, GpuPoolPlan>): GpuPlacement | undefined {
  const pool = m.gpuPool !== undefined ? own(gpuPools, m.gpuPool) : undefined;
  if (m.gpuPool === undefined || !pool) return undefined;
  return { pool: m.gpuPool, resource: pool.resource, count: m.gpus ?? 1, nodeSelector: pool.nodeSelector, tolerations: [GPU_TOLERATION, ...pool.tolerations] };
}

/**
 * An autoscaler takes `spec.replicas` over only by writing a new value: during the handover
 * from a fixed count (written in the spec) it must want one more replica than runs now,
 * never fewer. A handover without a count in the spec hands over from Flagger instead.
 */
function fromFixed(m: ModelSpec, file: SourceFile, path: string[]): boolean {
  return m.handover === true && !m.canary?.analysis && file.has(path);
}

/** The stable track, and a canary track unless Flagger runs the canary. */
function trackPlans(name: string, m: ModelSpec, file: SourceFile, endpoint: S3Endpoint | undefined): TrackPlan[] {
  const canary = m.canary;
  const auto = m.autoscaling;
  const bounds = (replicas: number, b: { minReplicas: number; maxReplicas: number }, path: string[]) =>
    fromFixed(m, file, path) ? handoverBounds(replicas, b) : { minReplicas: b.minReplicas, maxReplicas: b.maxReplicas };
  const tracks: TrackPlan[] = [
    {
      track: 'stable',
      deploymentName: name,
      replicas: m.replicas,
      ...(auto ? { autoscale: bounds(m.replicas, auto, ['spec', 'replicas']) } : {}),
      release: releasePlan(m, m.cache, endpoint),
    },
  ];
  // With analysis Flagger makes the canary of every release change; there is no second track.
  if (canary && !canary.analysis) {
    const models = canary.models ?? m.models;
    tracks.push({
      track: 'canary',
      deploymentName: `${name}-canary`,
      replicas: canary.replicas,
      ...(auto && canary.autoscaling ? { autoscale: bounds(canary.replicas, canary.autoscaling, ['spec', 'canary', 'replicas']) } : {}),
      release: releasePlan(
        {
          image: canary.image ?? m.image,
          repository: canary.repository ?? m.repository,
          ...(models ? { models } : {}),
          args: canary.args ?? m.args,
        },
        m.cache,
        endpoint,
      ),
    });
  }
  return tracks;
}

/** A release's image and repository; with the SFS cache, the cache entry its repository syncs to. */
function releasePlan(
  r: { image: string; repository: string; models?: readonly string[]; args: readonly string[] },
  cache: ModelSpec['cache'],
  endpoint: S3Endpoint | undefined,
): ReleasePlan {
  const location = expectOk(parseS3Uri(r.repository));
  const key = ['repositories', endpoint?.host ?? 'aws', location.bucket, ...(location.prefix ? [location.prefix] : [])].join('/');
  return {
    image: r.image,
    repository: location,
    repositoryUri: tritonUri(location, endpoint),
    ...(r.models ? { tritonModels: r.models } : {}),
    args: r.args,
    ...(cache === 'sfs' ? { cache: { key, digest: createHash('sha256').update(key).digest('hex').slice(0, 16), source: awsCliUri(location) } } : {}),
  };
}

/** How traffic splits between the stable and canary tracks. */
function routingPlan(canary: NonNullable<ModelSpec['canary']>): NonNullable<ModelPlan['routing']> {
  const header = canary.header ? Object.entries(canary.header)[0] : undefined;
  return {
    weight: canary.weight ?? 0,
    ...(header ? { header: { name: header[0], value: header[1] } } : {}),
    ...(canary.mirror ? { mirrorPercent: canary.mirror.percent } : {}),
  };
}

function trafficPlan(traffic: ModelSpec['traffic']): TrafficPlan {
  const r = traffic.retries;
  return {
    // A route timeout ends any response that outlasts it: a stream gets none.
    ...(traffic.streaming ? {} : { timeout: traffic.timeout }),
    streaming: traffic.streaming,
    retries: { attempts: r.attempts, ...(r.perTryTimeout ? { perTryTimeout: r.perTryTimeout } : {}), retryOn: r.retryOn },
  };
}

/**
 * A server that reads S3 itself downloads its whole repository into the container before loading
 * it, so it asks for local disk by default; one loading from the SFS cache asks only when told.
 * The default is a request only: a default limit would evict, in a loop, every pod whose
 * repository (with the proxy's logs beside it) outgrows a size nobody chose. A size the spec
 * sets is also the limit.
 */
function resourcesPlan(resources: ModelSpec['resources'], downloadsFromS3: boolean): ResourcesPlan {
  const set = resources.ephemeralStorage !== undefined ? quantityString(resources.ephemeralStorage) : undefined;
  const disk = set ? { request: set, limit: set } : downloadsFromS3 ? { request: S3_DOWNLOAD_EPHEMERAL_STORAGE } : undefined;
  return {
    cpu: quantityString(resources.cpu),
    memory: quantityString(resources.memory),
    shm: quantityString(resources.shm),
    ...(disk ? { ephemeralStorage: disk } : {}),
  };
}

function monitoringPlan(monitoring: MonitoringSpec): MonitoringPlan {
  const p = monitoring.prometheus;
  return {
    prometheus: {
      retention: p.retention,
      ...(p.retentionSize ? { retentionSize: p.retentionSize } : {}),
      ...(p.storage ? { storage: { size: quantityString(p.storage.size), ...(p.storage.storageClass ? { storageClass: p.storage.storageClass } : {}) } } : {}),
    },
  };
}

/** Autoscaling bounds during a handover from `replicas`: at least one more, so the autoscaler writes. */
export function handoverBounds(
  replicas: number,
  b: { readonly minReplicas: number; readonly maxReplicas: number },
): { minReplicas: number; maxReplicas: number } {
  return { minReplicas: Math.max(b.minReplicas, replicas + 1), maxReplicas: Math.max(b.maxReplicas, replicas + 1) };
}

function autoscalingPlan(auto: AutoscalingSpec): AutoscalingPlan {
  return {
    triggers: { ...auto.triggers },
    pollingIntervalSeconds: auto.pollingIntervalSeconds,
    scaleDownStabilizationSeconds: auto.scaleDownStabilizationSeconds,
    ...(auto.fallbackReplicas !== undefined ? { fallbackReplicas: auto.fallbackReplicas } : {}),
    ...(auto.scaleToZero ? { idleSeconds: auto.scaleToZero.idleSeconds } : {}),
  };
}

/** Headers a pipeline passes on to the models it calls (as request parameters in Triton). */
export const FORWARDED_HEADERS = '(authorization|traceparent|tracestate)';

/** What every pipeline of an environment is planned against. */
interface PipelineContext {
  readonly namespace: string;
  readonly endpoint: S3Endpoint | undefined;
  readonly jwt: boolean;
  readonly tracing: { collector: string; samplingPercent: number } | undefined;
}

function planPipeline(env: LoadedEnvironment, loaded: Loaded<Pipeline>, context: PipelineContext): PipelinePlan {
  const graph = resolvePipeline(env, loaded).graph;
  if (!graph) throw new Error(`planPipeline called on an invalid pipeline: ${loaded.file.path}`);
  const server = pipelineServer(env.name, loaded, graph, context);
  return { graph, server, concurrency: loaded.value.spec.concurrency, endpoints: stepEndpoints(graph, context.namespace) };
}

/** The Triton server that runs a pipeline's ensemble, planned like a model. */
function pipelineServer(environment: string, { file, value }: Loaded<Pipeline>, graph: PipelineGraph, context: PipelineContext): ModelPlan {
  const spec = value.spec;
  const name = value.metadata.name;
  const local = spec.localRepository ? expectOk(parseS3Uri(spec.localRepository)) : undefined;
  const auto = spec.autoscaling;
  const longestStep = Math.max(...graph.steps.map((s) => s.timeoutSeconds));
  return {
    name,
    sourcePath: `environments/${environment}/pipelines/${baseName(file.path)}`,
    labels: value.metadata.labels ?? {},
    ...(value.metadata.annotations?.[NOT_A_SECRET] ? { notASecret: value.metadata.annotations[NOT_A_SECRET] } : {}),
    tracks: [
      {
        track: 'stable',
        deploymentName: name,
        replicas: spec.replicas,
        ...(auto
          ? {
              autoscale:
                spec.handover && file.has(['spec', 'replicas'])
                  ? handoverBounds(spec.replicas, auto)
                  : { minReplicas: auto.minReplicas, maxReplicas: auto.maxReplicas },
            }
          : {}),
        release: {
          image: spec.image,
          ...(local ? { repository: local, repositoryUri: tritonUri(local, context.endpoint) } : {}),
          // Loading the ensemble loads the models it is made of.
          tritonModels: [name],
          args: [`--http-header-forward-pattern=${FORWARDED_HEADERS}`, `--grpc-header-forward-pattern=${FORWARDED_HEADERS}`],
        },
      },
    ],
    traffic: trafficPlan(spec.traffic),
    ...(auto ? { autoscaling: autoscalingPlan(auto) } : {}),
    ...(spec.handover ? { handover: true as const } : {}),
    ...(spec.handover && auto && file.has(['spec', 'replicas']) ? { handoverFromReplicas: true as const } : {}),
    slo: { successRate: spec.slo.successRate, queueTimeMs: spec.slo.queueTimeMs },
    ...(context.tracing ? { tracing: { ...context.tracing } } : {}),
    auth: { required: context.jwt && spec.auth.required, ...(spec.auth.roles ? { roles: spec.auth.roles } : {}) },
    env: {},
    // Its generated repository is a ConfigMap; only `localRepository` is downloaded from S3.
    resources: resourcesPlan(spec.resources, local !== undefined),
    ...(spec.callers ? { callers: spec.callers.namespaces } : {}),
    startupTimeoutSeconds: 600,
    // In-flight requests may wait on their slowest step.
    terminationGracePeriodSeconds: Math.min(3600, Math.max(60, longestStep + 20)),
  };
}

/** The in-cluster address of the model each `model` step calls, by step name. */
function stepEndpoints(graph: PipelineGraph, namespace: string): Record<string, string> {
  return Object.fromEntries(graph.steps.filter((s) => s.model !== undefined).map((s) => [s.name, `http://${s.model}.${namespace}.svc.cluster.local:8000`]));
}

function expectOk<T>(parsed: { ok: true; value: T } | { ok: false; problem: string }): T {
  if (!parsed.ok) throw new Error(`planEnvironment called on an invalid spec: ${parsed.problem}`);
  return parsed.value;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
