/**
 * Planning: builds the plan (the types in ./types.ts) of an environment that passed validation,
 * a validated environment and its models with every default applied and every reference
 * resolved, so that the charts render without making decisions of their own.
 */
import { own } from '../values/records.ts';
import { createHash } from 'node:crypto';
import { compareStrings } from '../diagnostics.ts';
import type { Loaded, LoadedEnvironment } from '../load/read-specs.ts';
import { resolvePipeline } from './pipeline-graph.ts';
import { NOT_A_SECRET } from '../load/credentials.ts';
import { PROMOTION_OVERRIDE } from '../check/promotion-gate.ts';
import type { Pipeline } from '@tritonops/spec';
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
  Toleration,
  TrackPlan,
  TrafficPlan,
} from './types.ts';

// The plan types moved to ./types.ts; re-exported so that imports of this module keep working.
export type * from './types.ts';

export function environmentCore(env: EnvironmentPlan): EnvironmentCore {
  const { models: _models, pipelines: _pipelines, ...core } = env;
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

/** Builds the plan of an environment that passed validation (`checkEnvironment` found no errors). */
export function planEnvironment(loaded: LoadedEnvironment): EnvironmentPlan {
  if (!loaded.environment) throw new Error(`planEnvironment: environment "${loaded.name}" was not loaded`);
  const { value } = loaded.environment;
  const spec = value.spec;
  const endpoint = spec.s3.endpoint ? expectOk(parseEndpoint(spec.s3.endpoint)) : undefined;
  const gpuPools: Record<string, GpuPoolPlan> = Object.fromEntries(
    Object.entries(spec.gpuPools)
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

  const models: ModelPlan[] = loaded.models
    .map(({ file: modelFile, value: model }): ModelPlan => {
      const m = model.spec;
      const pool = m.gpuPool !== undefined ? own(gpuPools, m.gpuPool) : undefined;
      const gpu: GpuPlacement | undefined =
        m.gpuPool !== undefined && pool
          ? {
              pool: m.gpuPool,
              resource: pool.resource,
              count: m.gpus ?? 1,
              nodeSelector: pool.nodeSelector,
              tolerations: [GPU_TOLERATION, ...pool.tolerations],
            }
          : undefined;
      const release = (r: { image: string; repository: string; models?: readonly string[]; args: readonly string[] }): ReleasePlan => {
        const location = expectOk(parseS3Uri(r.repository));
        const key = ['repositories', endpoint?.host ?? 'aws', location.bucket, ...(location.prefix ? [location.prefix] : [])].join('/');
        return {
          image: r.image,
          repository: location,
          repositoryUri: tritonUri(location, endpoint),
          ...(r.models ? { tritonModels: r.models } : {}),
          args: r.args,
          ...(m.cache === 'sfs' ? { cache: { key, digest: createHash('sha256').update(key).digest('hex').slice(0, 16), source: awsCliUri(location) } } : {}),
        };
      };
      const name = model.metadata.name;
      const stable = release(m);
      const canary = m.canary;
      const auto = m.autoscaling;
      const handover = m.handover === true;
      // An autoscaler takes `spec.replicas` over only by writing a new value: during the handover
      // from a fixed count (written in the spec) it must want one more replica than runs now,
      // never fewer. A handover without a count in the spec hands over from Flagger instead.
      const fromFixed = (path: string[]) => handover && !canary?.analysis && modelFile.has(path);
      const bounds = (replicas: number, b: { minReplicas: number; maxReplicas: number }, path: string[]) =>
        fromFixed(path) ? handoverBounds(replicas, b) : { minReplicas: b.minReplicas, maxReplicas: b.maxReplicas };
      const tracks: TrackPlan[] = [
        {
          track: 'stable',
          deploymentName: name,
          replicas: m.replicas,
          ...(auto ? { autoscale: bounds(m.replicas, auto, ['spec', 'replicas']) } : {}),
          release: stable,
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
          release: release({
            image: canary.image ?? m.image,
            repository: canary.repository ?? m.repository,
            ...(models ? { models } : {}),
            args: canary.args ?? m.args,
          }),
        });
      }
      const header = canary?.header ? Object.entries(canary.header)[0] : undefined;
      return {
        name,
        sourcePath: `environments/${loaded.name}/models/${baseName(modelFile.path)}`,
        labels: model.metadata.labels ?? {},
        ...(model.metadata.annotations?.[PROMOTION_OVERRIDE] ? { promotionOverride: model.metadata.annotations[PROMOTION_OVERRIDE] } : {}),
        ...(model.metadata.annotations?.[NOT_A_SECRET] ? { notASecret: model.metadata.annotations[NOT_A_SECRET] } : {}),
        tracks,
        ...(canary && !canary.analysis
          ? {
              routing: {
                weight: canary.weight ?? 0,
                ...(header ? { header: { name: header[0], value: header[1] } } : {}),
                ...(canary.mirror ? { mirrorPercent: canary.mirror.percent } : {}),
              },
            }
          : {}),
        ...(canary?.analysis ? { analysis: { ...canary.analysis } } : {}),
        traffic: trafficPlan(m.traffic),
        ...(auto ? { autoscaling: autoscalingPlan(auto) } : {}),
        ...(handover ? { handover: true as const } : {}),
        ...(auto && (fromFixed(['spec', 'replicas']) || (canary?.autoscaling && fromFixed(['spec', 'canary', 'replicas'])))
          ? { handoverFromReplicas: true as const }
          : {}),
        ...(m.gpuMemory !== undefined ? { gpuMemoryBytes: parseQuantity(m.gpuMemory) ?? 0 } : {}),
        slo: { successRate: m.slo.successRate, queueTimeMs: m.slo.queueTimeMs },
        ...(spec.tracing
          ? { tracing: { collector: spec.tracing.collector, samplingPercent: m.tracing?.samplingPercent ?? spec.tracing.samplingPercent } }
          : {}),
        auth: { required: spec.auth !== undefined && m.auth.required, ...(m.auth.roles ? { roles: m.auth.roles } : {}) },
        env: m.env,
        ...(gpu ? { gpu } : {}),
        resources: resourcesPlan(m.resources, m.cache !== 'sfs'),
        ...(m.callers ? { callers: m.callers.namespaces } : {}),
        startupTimeoutSeconds: m.startupTimeoutSeconds,
        terminationGracePeriodSeconds: m.terminationGracePeriodSeconds,
      };
    })
    .sort((a, b) => compareStrings(a.name, b.name));

  const pipelines = loaded.pipelines
    .map((p) => planPipeline(loaded, p, { namespace: spec.namespace, endpoint, jwt: spec.auth !== undefined, tracing: spec.tracing }))
    .sort((a, b) => compareStrings(a.server.name, b.server.name));

  return {
    name: value.metadata.name,
    sourcePath: `environments/${loaded.name}/environment.yaml`,
    namespace: spec.namespace,
    namespaceLabels: spec.namespaceLabels ?? {},
    labels: value.metadata.labels ?? {},
    ...(value.metadata.annotations?.[NOT_A_SECRET] ? { notASecret: value.metadata.annotations[NOT_A_SECRET] } : {}),
    ...(spec.promotedFrom ? { promotedFrom: spec.promotedFrom } : {}),
    git: {
      url: spec.git.url,
      branch: spec.git.branch,
      ...(spec.git.secretRef ? { secretRef: spec.git.secretRef } : {}),
      interval: spec.git.interval,
      ...(spec.git.commitStatus ? { commitStatus: { ...spec.git.commitStatus } } : {}),
    },
    gpuPools,
    s3: {
      ...(endpoint ? { endpoint, endpointUrl: formatEndpoint(endpoint) } : {}),
      region: spec.s3.region,
      credentialsSecret: spec.s3.credentialsSecret,
      accessKeyIdKey: spec.s3.accessKeyIdKey,
      secretAccessKeyKey: spec.s3.secretAccessKeyKey,
    },
    ...(spec.gateway ? { gateway: { domain: spec.gateway.domain, ...(spec.gateway.tlsSecret ? { tlsSecret: spec.gateway.tlsSecret } : {}) } } : {}),
    ...(spec.tracing ? { tracing: { collector: spec.tracing.collector, samplingPercent: spec.tracing.samplingPercent } } : {}),
    ...(spec.auth
      ? { jwt: { issuer: spec.auth.jwt.issuer, jwksUri: spec.auth.jwt.jwksUri, ...(spec.auth.jwt.audiences ? { audiences: spec.auth.jwt.audiences } : {}) } }
      : {}),
    ...(spec.sfs
      ? {
          sfs: {
            server: spec.sfs.server,
            path: spec.sfs.path,
            size: quantityString(spec.sfs.size),
            mountOptions: spec.sfs.mountOptions,
            syncImage: spec.sfs.syncImage,
          },
        }
      : {}),
    monitoring: monitoringPlan(spec.monitoring),
    models,
    pipelines,
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

function planPipeline(
  env: LoadedEnvironment,
  loaded: Loaded<Pipeline>,
  context: { namespace: string; endpoint: S3Endpoint | undefined; jwt: boolean; tracing: { collector: string; samplingPercent: number } | undefined },
): PipelinePlan {
  const { file, value } = loaded;
  const spec = value.spec;
  const name = value.metadata.name;
  const graph = resolvePipeline(env, loaded).graph;
  if (!graph) throw new Error(`planPipeline called on an invalid pipeline: ${file.path}`);
  const local = spec.localRepository ? expectOk(parseS3Uri(spec.localRepository)) : undefined;
  const auto = spec.autoscaling;
  const longestStep = Math.max(...graph.steps.map((s) => s.timeoutSeconds));
  const server: ModelPlan = {
    name,
    sourcePath: `environments/${env.name}/pipelines/${baseName(file.path)}`,
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
  const endpoints = Object.fromEntries(
    graph.steps.filter((s) => s.model !== undefined).map((s) => [s.name, `http://${s.model}.${context.namespace}.svc.cluster.local:8000`]),
  );
  return { graph, server, concurrency: spec.concurrency, endpoints };
}

function expectOk<T>(parsed: { ok: true; value: T } | { ok: false; problem: string }): T {
  if (!parsed.ok) throw new Error(`planEnvironment called on an invalid spec: ${parsed.problem}`);
  return parsed.value;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
