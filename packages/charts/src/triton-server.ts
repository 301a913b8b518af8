/**
 * One model served by Triton: a Deployment and a PodDisruptionBudget per track (stable, and the
 * canary when there is one), the Service in front of all tracks, and a ServiceAccount of its own.
 * Rollouts add a replica before removing one (`maxUnavailable: 0`), so serving capacity never
 * drops; a stopping replica first leaves the endpoints, then lets Triton finish in-flight requests.
 * Under Flagger the Service is Flagger's to make (with every container port discovered).
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { EnvironmentPlan, ModelPlan, ReleasePlan, TrackPlan } from '@tritonops/spec';
import { gpuPlacement } from './gpu-placement.ts';
import { deploymentSelector, modelLabels, modelSelector, trackSelector } from './labels.ts';
import { CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT } from './pod-security.ts';
import { s3CredentialEnv } from './s3-source.ts';
import { HF_CACHE_MOUNT, HF_CACHE_SUBPATH, MODEL_CACHE_CLAIM, MODEL_CACHE_MOUNT, modelSyncInitContainer } from './sfs-cache.ts';

/** Triton's ports. Fixed, so that Services, probes, monitors and routes always agree. */
export const PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;

/** How often the startup probe looks; with the timeout it gives the failure threshold. */
const STARTUP_PERIOD_SECONDS = 10;

export interface TritonServerProps {
  readonly env: EnvironmentPlan;
  readonly model: ModelPlan;
}

export class TritonServer extends Construct {
  constructor(scope: Construct, id: string, props: TritonServerProps) {
    super(scope, id);
    const { env, model } = props;
    const labels = modelLabels(env, model);
    const metadata = { name: model.name, namespace: env.namespace, labels };

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata,
      // Triton never talks to the Kubernetes API.
      automountServiceAccountToken: false,
    });

    // Flagger generates the model's Services (apex, primary, canary) itself.
    if (!model.analysis) this.addService(env, model);
    for (const track of model.tracks) this.addTrack(env, model, track);
  }

  private addService(env: EnvironmentPlan, model: ModelPlan): void {
    new k8s.KubeService(this, 'service', {
      metadata: { name: model.name, namespace: env.namespace, labels: modelLabels(env, model) },
      spec: {
        type: 'ClusterIP',
        selector: modelSelector(model),
        ports: [
          { name: 'http', port: PORTS.http, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' },
          { name: 'grpc', port: PORTS.grpc, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP', appProtocol: 'grpc' },
          // Always exposed: autoscaling, alerts and dashboards all read Triton's own metrics.
          { name: 'metrics', port: PORTS.metrics, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP', appProtocol: 'http' },
        ],
      },
    });
  }

  private addTrack(env: EnvironmentPlan, model: ModelPlan, track: TrackPlan): void {
    const selector = deploymentSelector(model, track.track);
    const labels = { ...modelLabels(env, model), ...selector, ...trackSelector(model, track.track) };
    const name = track.deploymentName;

    new k8s.KubeDeployment(this, `deployment-${track.track}`, {
      metadata: { name, namespace: env.namespace, labels },
      spec: {
        // An autoscaled Deployment carries no replica count, or every Flux sync would reset it.
        ...(track.autoscale ? {} : { replicas: track.replicas }),
        selector: { matchLabels: selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
        },
        // A new replica may spend its whole startup budget downloading and loading models.
        progressDeadlineSeconds: model.startupTimeoutSeconds + 300,
        revisionHistoryLimit: 5,
        template: {
          metadata: {
            labels,
            annotations: podAnnotations(env, track.release),
          },
          spec: podSpec(env, model, track.release),
        },
      },
    });

    new k8s.KubePodDisruptionBudget(this, `disruption-budget-${track.track}`, {
      metadata: { name, namespace: env.namespace, labels },
      spec: {
        // One replica at a time during node drains; a single-replica model is still drainable.
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        // Labels Flagger copies unchanged onto its primary pods, so the budget covers them too.
        selector: { matchLabels: trackSelector(model, track.track) },
      },
    });
  }
}

function podAnnotations(env: EnvironmentPlan, release: ReleasePlan): Record<string, string> {
  const annotations: Record<string, string> = { 'kubectl.kubernetes.io/default-container': 'triton' };
  if (release.cache && env.s3.endpoint) {
    // The model-sync init container runs before the Istio sidecar exists; its S3 traffic must
    // bypass the mesh or it would be captured with no proxy to forward it.
    annotations['traffic.sidecar.istio.io/excludeOutboundPorts'] = String(env.s3.endpoint.port);
  } else if (release.cache) {
    annotations['traffic.sidecar.istio.io/excludeOutboundPorts'] = '443';
  }
  // Triton reads S3 at startup; it must not start before its proxy can carry the traffic.
  annotations['proxy.istio.io/config'] = '{ "holdApplicationUntilProxyStarts": true }';
  return annotations;
}

/** OpenTelemetry tracing to the environment's collector, sampled as the spec says. */
export function tracingArgs(model: ModelPlan): string[] {
  const tracing = model.tracing;
  if (!tracing || tracing.samplingPercent === 0) return [];
  return [
    '--trace-config=mode=opentelemetry',
    `--trace-config=opentelemetry,url=http://${tracing.collector}:4318/v1/traces`,
    `--trace-config=opentelemetry,resource=service.name=${model.name}`,
    // Triton samples one request in `rate`.
    `--trace-config=rate=${Math.max(1, Math.round(100 / tracing.samplingPercent))}`,
    '--trace-config=level=TIMESTAMPS',
  ];
}

/** Seconds a stopping pod keeps serving while it leaves the Service endpoints and Istio's routes. */
export function drainSeconds(model: ModelPlan): number {
  return Math.min(15, Math.floor(model.terminationGracePeriodSeconds / 4));
}

function podSpec(env: EnvironmentPlan, model: ModelPlan, release: ReleasePlan): k8s.PodSpec {
  const placement = gpuPlacement(model);
  const cache = release.cache && env.sfs ? release.cache : undefined;
  const repository = cache ? `${MODEL_CACHE_MOUNT}/${cache.key}` : release.repositoryUri;
  const drain = drainSeconds(model);
  // Triton stops accepting new requests on SIGTERM and waits this long for in-flight ones.
  const exitTimeout = Math.max(5, model.terminationGracePeriodSeconds - drain - 5);

  const args = [
    `--model-repository=${repository}`,
    `--http-port=${PORTS.http}`,
    `--grpc-port=${PORTS.grpc}`,
    `--metrics-port=${PORTS.metrics}`,
    '--allow-metrics=true',
    `--allow-gpu-metrics=${model.gpu ? 'true' : 'false'}`,
    `--exit-timeout-secs=${exitTimeout}`,
    ...(release.tritonModels ? ['--model-control-mode=explicit', ...release.tritonModels.map((m) => `--load-model=${m}`)] : []),
    // Time to first token is a histogram, which Triton exports only when asked.
    ...(model.autoscaling?.triggers.timeToFirstTokenMs !== undefined ? ['--metrics-config=histogram_latencies=true'] : []),
    ...tracingArgs(model),
    ...release.args,
  ];

  const env_: k8s.EnvVar[] = [
    // Reading S3 directly needs the keys; loading from the cache does not (least privilege).
    ...(cache ? [] : s3CredentialEnv(env)),
    ...(cache ? [{ name: 'HF_HOME', value: HF_CACHE_MOUNT }] : []),
    ...Object.entries(model.env)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value })),
  ];

  const volumeMounts: k8s.VolumeMount[] = [{ name: 'dshm', mountPath: '/dev/shm' }];
  const volumes: k8s.Volume[] = [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(model.resources.shm) } }];
  if (cache) {
    volumeMounts.push(
      { name: 'model-cache', mountPath: MODEL_CACHE_MOUNT, readOnly: true },
      { name: 'model-cache', mountPath: HF_CACHE_MOUNT, subPath: HF_CACHE_SUBPATH },
    );
    volumes.push({ name: 'model-cache', persistentVolumeClaim: { claimName: MODEL_CACHE_CLAIM } });
  }

  const health = (path: string) => ({ path, port: k8s.IntOrString.fromString('http') });
  const triton: k8s.Container = {
    name: 'triton',
    image: release.image,
    command: ['tritonserver'],
    args,
    ...(env_.length ? { env: env_ } : {}),
    ports: [
      { name: 'http', containerPort: PORTS.http, protocol: 'TCP' },
      { name: 'grpc', containerPort: PORTS.grpc, protocol: 'TCP' },
      { name: 'metrics', containerPort: PORTS.metrics, protocol: 'TCP' },
    ],
    resources: {
      requests: { cpu: k8s.Quantity.fromString(model.resources.cpu), memory: k8s.Quantity.fromString(model.resources.memory) },
      // No CPU limit: throttling a model server adds latency for nothing. Memory is capped.
      limits: { memory: k8s.Quantity.fromString(model.resources.memory), ...placement.limits },
    },
    startupProbe: {
      httpGet: health('/v2/health/ready'),
      periodSeconds: STARTUP_PERIOD_SECONDS,
      timeoutSeconds: 5,
      failureThreshold: Math.ceil(model.startupTimeoutSeconds / STARTUP_PERIOD_SECONDS),
    },
    readinessProbe: { httpGet: health('/v2/health/ready'), periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: health('/v2/health/live'), periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
    lifecycle: {
      // Keep serving while the endpoint removal reaches kube-proxy and the mesh, then stop.
      preStop: { exec: { command: ['/bin/sh', '-c', `sleep ${drain}`] } },
    },
    securityContext: CONTAINER_SECURITY_CONTEXT,
    volumeMounts,
  };

  return {
    serviceAccountName: model.name,
    automountServiceAccountToken: false,
    securityContext: POD_SECURITY_CONTEXT,
    terminationGracePeriodSeconds: model.terminationGracePeriodSeconds,
    ...(placement.nodeSelector ? { nodeSelector: placement.nodeSelector } : {}),
    ...(placement.tolerations ? { tolerations: placement.tolerations } : {}),
    ...(cache && env.sfs ? { initContainers: [modelSyncInitContainer(env, env.sfs, cache)] } : {}),
    containers: [triton],
    volumes,
  };
}
