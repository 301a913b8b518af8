/**
 * The platform under the models (`flux/infrastructure/<env>/`): Istio (with its CNI plugin, so
 * that injected pods pass Pod Security "restricted"), KEDA, kube-prometheus-stack and, where the
 * environment has GPU pools, the NVIDIA GPU operator. Helm charts at the exact versions the
 * environment's plan names (its `platform.charts`, or tritonops' pinned defaults), installed by
 * Flux's helm-controller in dependency order.
 */
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { k8s } from 'cdk8s-plus-28';
import type { IHelmRelease } from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2/HelmRelease';
import type { IHelmRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/HelmRepository';
import type { EnvironmentCore, EnvironmentPlan } from '@tritonops/planner';
import { environmentLabels } from '../labels.ts';
import { typedObject } from '../typed-api-object.ts';
import { tracingExtensionProvider } from '../tracing.ts';
import { HELM_REPOSITORIES, type HelmRepositoryName } from './chart-versions.ts';
import { FLUX_NAMESPACE } from './cluster-sync.ts';
import { PLATFORM_NAMESPACES } from '@tritonops/planner';

export const INFRA_NAMESPACES = {
  istio: PLATFORM_NAMESPACES.istio,
  ingress: PLATFORM_NAMESPACES.ingress,
  keda: PLATFORM_NAMESPACES.keda,
  monitoring: PLATFORM_NAMESPACES.monitoring,
  gpuOperator: PLATFORM_NAMESPACES.gpuOperator,
} as const;

/** The Prometheus of kube-prometheus-stack (release `kube-prometheus-stack` in `monitoring`). */
export const PROMETHEUS_URL = 'http://kube-prometheus-stack-prometheus.monitoring:9090';

/**
 * The claim of Prometheus' volume, once it has one: prometheus-operator names it
 * `<volume>-<pod>`, the volume `prometheus-<Prometheus>-db` and the pod `prometheus-<Prometheus>-0`,
 * and the chart names its Prometheus `kube-prometheus-stack-prometheus`.
 */
export const PROMETHEUS_CLAIM = 'prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-0';

/** Whether Flagger joins the infrastructure: only when some model uses canary analysis. */
export function usesFlagger(env: EnvironmentPlan): boolean {
  // A handover may be the step that switches a model's analysis off: Flagger must outlive the
  // last Canary by one step, or nothing would hand the model back (its Canary's finalizer).
  return env.models.some((m) => m.analysis !== undefined || m.handover === true);
}

/** Whether the environment needs the GPU operator: only when it declares GPU pools. */
export function needsGpuOperator(env: EnvironmentCore): boolean {
  return Object.keys(env.gpuPools).length > 0;
}

export function addInfrastructureNamespaces(scope: Construct, env: EnvironmentCore): void {
  const namespaces: [string, 'privileged' | 'baseline' | 'restricted'][] = [
    // istio-cni installs a node agent that writes CNI config on the host.
    [INFRA_NAMESPACES.istio, 'privileged'],
    [INFRA_NAMESPACES.ingress, 'baseline'],
    [INFRA_NAMESPACES.keda, 'restricted'],
    // node-exporter reads the host's /proc and /sys.
    [INFRA_NAMESPACES.monitoring, 'privileged'],
    ...(needsGpuOperator(env) ? [[INFRA_NAMESPACES.gpuOperator, 'privileged'] as [string, 'privileged']] : []),
  ];
  for (const [name, level] of namespaces) {
    new k8s.KubeNamespace(scope, `namespace-${name}`, {
      metadata: { name, labels: { ...environmentLabels(env), 'pod-security.kubernetes.io/enforce': level } },
    });
  }
}

export function addHelmRepositories(scope: Construct, env: EnvironmentPlan): void {
  const used: HelmRepositoryName[] = [
    'istio',
    'kedacore',
    'prometheus-community',
    ...(needsGpuOperator(env) ? ['nvidia' as const] : []),
    ...(usesFlagger(env) ? ['flagger' as const] : []),
  ];
  for (const name of used) {
    typedObject<IHelmRepository>(scope, `helm-repository-${name}`, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name, namespace: FLUX_NAMESPACE, labels: environmentLabels(env) },
      spec: { interval: '12h', url: HELM_REPOSITORIES[name] },
    });
  }
}

interface ReleaseOptions {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly version: string;
  readonly repository: HelmRepositoryName;
  readonly values?: Record<string, unknown>;
  readonly dependsOn?: { name: string; namespace: string }[];
}

function addHelmRelease(scope: Construct, env: EnvironmentCore, o: ReleaseOptions): void {
  typedObject<IHelmRelease>(scope, `helm-release-${o.name}`, {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: o.name, namespace: o.namespace, labels: environmentLabels(env) },
    spec: {
      interval: '30m',
      releaseName: o.name,
      chart: {
        spec: {
          chart: o.chart,
          version: o.version,
          sourceRef: { kind: 'HelmRepository', name: o.repository, namespace: FLUX_NAMESPACE },
          interval: '12h',
        },
      },
      install: { crds: 'CreateReplace', remediation: { retries: 3 } },
      upgrade: { crds: 'CreateReplace', remediation: { retries: 3, remediateLastFailure: true } },
      ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}),
      ...(o.values ? { values: o.values } : {}),
    },
  });
}

export function addIstio(scope: Construct, env: EnvironmentCore): void {
  const istio = INFRA_NAMESPACES.istio;
  const common = { namespace: istio, version: env.platformCharts.istio, repository: 'istio' as const };
  addHelmRelease(scope, env, { ...common, name: 'istio-base', chart: 'base', values: { defaultRevision: 'default' } });
  addHelmRelease(scope, env, {
    ...common,
    name: 'istio-cni',
    chart: 'cni',
    dependsOn: [{ name: 'istio-base', namespace: istio }],
  });
  addHelmRelease(scope, env, {
    ...common,
    name: 'istiod',
    chart: 'istiod',
    dependsOn: [{ name: 'istio-cni', namespace: istio }],
    values: {
      // Sidecars set up by the CNI plugin need no privileged istio-init container.
      pilot: { cni: { enabled: true } },
      meshConfig: {
        defaultConfig: { holdApplicationUntilProxyStarts: true },
        ...(env.tracing ? { extensionProviders: [tracingExtensionProvider(env.tracing)] } : {}),
      },
    },
  });
  addHelmRelease(scope, env, {
    ...common,
    // The chart labels the gateway pods `istio: ingressgateway` after this release name.
    name: 'istio-ingressgateway',
    namespace: INFRA_NAMESPACES.ingress,
    chart: 'gateway',
    dependsOn: [{ name: 'istiod', namespace: istio }],
  });
}

export function addKeda(scope: Construct, env: EnvironmentCore): void {
  addHelmRelease(scope, env, { name: 'keda', namespace: INFRA_NAMESPACES.keda, chart: 'keda', version: env.platformCharts.keda, repository: 'kedacore' });
}

export function addMonitoring(scope: Construct, env: EnvironmentCore): void {
  const prometheus = env.monitoring.prometheus;
  addHelmRelease(scope, env, {
    name: 'kube-prometheus-stack',
    namespace: INFRA_NAMESPACES.monitoring,
    chart: 'kube-prometheus-stack',
    version: env.platformCharts.kubePrometheusStack,
    repository: 'prometheus-community',
    values: {
      prometheus: {
        prometheusSpec: {
          // Select every PodMonitor / ServiceMonitor / rule, not only those labelled for the chart.
          podMonitorSelectorNilUsesHelmValues: false,
          serviceMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          retention: prometheus.retention,
          ...(prometheus.retentionSize ? { retentionSize: prometheus.retentionSize } : {}),
          ...(prometheus.storage ? { storageSpec: prometheusStorage(prometheus.storage) } : {}),
        },
      },
      grafana: { sidecar: { dashboards: { enabled: true, searchNamespace: 'ALL' } } },
    },
  });
}

/**
 * Prometheus' volume: prometheus-operator turns the template into its StatefulSet's claim
 * template, one ReadWriteOnce claim for its one replica. Without it the samples live in an
 * emptyDir and every restart loses them (see docs/transitions.md for what a change here does).
 */
function prometheusStorage(storage: NonNullable<EnvironmentCore['monitoring']['prometheus']['storage']>): Record<string, unknown> {
  return {
    volumeClaimTemplate: {
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
        resources: { requests: { storage: storage.size } },
      },
    },
  };
}

/** Device-plugin configurations of time-sliced pools, picked per node by its config label. */
export const TIME_SLICING_CONFIG = 'time-slicing-config';

export function addGpuOperator(scope: Construct, env: EnvironmentCore): void {
  // "mixed" advertises each MIG profile as its own resource (nvidia.com/mig-3g.40gb), which is
  // what pools with a MIG `resource` request; "single" keeps plain nvidia.com/gpu.
  const usesMig = Object.values(env.gpuPools).some((p) => p.resource.startsWith('nvidia.com/mig-'));
  const timeSliced = Object.entries(env.gpuPools).filter(([, p]) => p.timeSlicingReplicas !== undefined);
  if (timeSliced.length > 0) {
    new k8s.KubeConfigMap(scope, 'time-slicing-config', {
      metadata: { name: TIME_SLICING_CONFIG, namespace: INFRA_NAMESPACES.gpuOperator, labels: environmentLabels(env) },
      data: Object.fromEntries(
        timeSliced.map(([name, pool]) => [
          name,
          stringify({
            version: 'v1',
            sharing: {
              // renameByDefault: shares are advertised as nvidia.com/gpu.shared, so a model can
              // never take a share believing it has a whole GPU.
              timeSlicing: { renameByDefault: true, resources: [{ name: 'nvidia.com/gpu', replicas: pool.timeSlicingReplicas }] },
            },
          }),
        ]),
      ),
    });
  }
  addHelmRelease(scope, env, {
    name: 'gpu-operator',
    namespace: INFRA_NAMESPACES.gpuOperator,
    chart: 'gpu-operator',
    version: env.platformCharts.gpuOperator,
    repository: 'nvidia',
    values: {
      mig: { strategy: usesMig ? 'mixed' : 'single' },
      ...(timeSliced.length > 0 ? { devicePlugin: { config: { name: TIME_SLICING_CONFIG } } } : {}),
      // Exposes DCGM GPU metrics for Prometheus (utilisation and memory per GPU). dcgm-exporter
      // labels each GPU's series with the namespace and pod that use it; honorLabels keeps those
      // (the chart's default renames them exported_namespace / exported_pod), so that DCGM's
      // series select like Triton's own, by the model's namespace and pods.
      dcgmExporter: { serviceMonitor: { enabled: true, honorLabels: true } },
    },
  });
}

export function addFlagger(scope: Construct, env: EnvironmentCore): void {
  addHelmRelease(scope, env, {
    name: 'flagger',
    namespace: INFRA_NAMESPACES.istio,
    chart: 'flagger',
    version: env.platformCharts.flagger,
    repository: 'flagger',
    dependsOn: [{ name: 'istiod', namespace: INFRA_NAMESPACES.istio }],
    values: { meshProvider: 'istio', metricsServer: PROMETHEUS_URL },
  });
}
