/**
 * What Prometheus would store for a cluster running one environment's render: the series each
 * exporter exposes, with the labels Prometheus attaches after prometheus-operator's target
 * relabelling. Built from the rendered objects themselves — the PodMonitors tritonops renders
 * and the monitors of the charts it installs — so that a query is tested against the series a
 * real cluster scrapes, not against the series its author had in mind.
 *
 * The sources, as their upstream projects define them:
 * - Triton (container `triton`, port `metrics`): `nv_inference_*` per loaded model and version,
 *   `nv_gpu_*` per GPU when GPU metrics are on, the first-response histogram only when
 *   `--metrics-config=histogram_latencies=true`. Triton reports the whole physical GPU, so pods
 *   that time-slice one GPU report the same utilisation.
 * - PodMonitor targets (prometheus-operator): `namespace`, `pod`, `container`, `endpoint` (the
 *   port's name), `job` (`<namespace>/<podmonitor>`), `instance`, and each `podTargetLabels`
 *   label with its name sanitised (`tritonops.dev/model` → `tritonops_dev_model`), then the
 *   labels an endpoint's `relabelings` set to a constant (a GPU model's pool). With
 *   `honorLabels` false (the default) an exposed label that clashes with a target label is kept
 *   as `exported_<name>`.
 * - dcgm-exporter, through the GPU operator's ServiceMonitor (`honorLabels` from the chart
 *   values, false by default): one series per GPU, attributed to the pod using it by
 *   `namespace`/`pod`/`container` — a time-shared GPU to one of its pods only (no
 *   `--kubernetes-virtual-gpus`); none of `DCGM_FI_DEV_GPU_UTIL` for MIG instances.
 * - Envoy (`istio-proxy`, port `http-envoy-prom`): `istio_requests_total` as the ingress
 *   gateway and any scraped sidecar report their outbound requests (`reporter="source"`), counted
 *   even when the destination has no replica.
 * - kube-state-metrics (kube-prometheus-stack's ServiceMonitor, `honorLabels: true`):
 *   Deployment and HPA state; KEDA names a ScaledObject's HPA `keda-hpa-<name>`.
 */
import { createHash } from 'node:crypto';
import type { EnvironmentPlan } from '@tritonops/planner';

type Obj = Record<string, any>;
export type Labels = Record<string, string>;

/** Scrape interval of every monitor involved, and of the generated series. */
export const SCRAPE_SECONDS = 15;

/** What one pod does, per Triton model it serves, while a scenario runs. */
export interface PodLoad {
  readonly successPerSecond: number;
  /** Failures of the model (Triton's `reason="BACKEND"`). */
  readonly failurePerSecond: number;
  /** Requests their clients cancelled (`reason="CANCELED"`): no failure of the model. */
  readonly canceledPerSecond: number;
  /** Requests per execution: Triton's dynamic batcher runs several at once. */
  readonly batchSize: number;
  /** Mean time a successful request waits in Triton's queue. */
  readonly queueMs: number;
  /** Mean compute time of one execution (one request per execution: no batching). */
  readonly computeMs: number;
  readonly pending: number;
  /** This pod's own share of its GPU's busy time, 0..1. */
  readonly gpuUtilization: number;
  readonly gpuMemoryUsedBytes: number;
  /** Every first response lands in the histogram bucket whose upper bound is this (ms). */
  readonly firstResponseBucketMs: number;
}

export const NO_LOAD: PodLoad = {
  successPerSecond: 0,
  failurePerSecond: 0,
  canceledPerSecond: 0,
  batchSize: 1,
  queueMs: 0,
  computeMs: 0,
  pending: 0,
  gpuUtilization: 0,
  gpuMemoryUsedBytes: 2 ** 30,
  firstResponseBucketMs: 500,
};

/** Triton's default bucket bounds of the first-response histogram (ms). */
export const FIRST_RESPONSE_BUCKETS = [100, 500, 2000, 5000];

export interface Workload {
  readonly namespace: string;
  readonly deployment: string;
  /** `tritonops.dev/model`: the model (or pipeline) the Deployment serves. */
  readonly model: string;
  readonly podLabels: Labels;
  /** Container name → its named ports (the Istio sidecar included). */
  readonly ports: Readonly<Record<string, readonly { name: string; containerPort: number }[]>>;
  readonly tritonModels: readonly string[];
  readonly gpus: number;
  readonly gpuPool?: string;
  readonly mig: boolean;
  /** Pods per physical GPU on a time-sliced pool. */
  readonly podsPerGpu: number;
  readonly gpuMemoryTotalBytes: number;
  readonly gpuMetrics: boolean;
  readonly histogram: boolean;
  /** The ScaledObject that scales it, when one does (KEDA's HPA is `keda-hpa-<name>`). */
  readonly scaledObject?: { readonly name: string; readonly maxReplicas: number };
  /** Flagger's part: the copy Flagger serves from, or the target it keeps at zero between analyses. */
  readonly flagger?: 'primary' | 'target';
  /** Services this workload calls over the mesh (a pipeline's remote steps). */
  readonly calls: readonly string[];
}

/** The state of one workload in a scenario. */
export interface WorkloadState {
  readonly pods: number;
  /** Ready pods; all of them unless said. */
  readonly ready?: number;
  /** `spec.replicas` as the cluster has it; the pod count unless said. */
  readonly specReplicas?: number;
  readonly load: PodLoad;
}

export interface Pod {
  readonly workload: Workload;
  /** Its place among its Deployment's pods. */
  readonly index: number;
  readonly name: string;
  readonly ip: string;
  readonly node: string;
  /** Physical GPUs the pod uses, by UUID. */
  readonly gpuUuids: readonly string[];
}

export interface World {
  readonly environment: EnvironmentPlan;
  readonly workloads: readonly Workload[];
  /** The services the ingress gateway routes to, by model. */
  readonly objects: readonly Obj[];
}

export interface InputSeries {
  readonly metric: string;
  readonly labels: Labels;
  /** promtool's expanding notation, e.g. `0+30x160`. */
  readonly values: string;
}

/** The cluster one environment's render makes: its workloads, Flagger's primaries included. */
export function worldOf(environment: EnvironmentPlan, objects: readonly Obj[]): World {
  const mine = objects.filter((o) => o.metadata?.labels?.['tritonops.dev/environment'] === environment.name);
  const scaledObjects = mine.filter((o) => o.kind === 'ScaledObject');
  const canaries = new Map(mine.filter((o) => o.kind === 'Canary').map((c) => [c.spec.targetRef.name as string, c]));
  const callsOf = (model: string) => {
    const pipeline = environment.pipelines.find((p) => p.server.name === model);
    return pipeline ? Object.values(pipeline.endpoints).map((url) => new URL(url).hostname.split('.')[0]!) : [];
  };
  const workloads: Workload[] = [];
  for (const d of mine.filter((o) => o.kind === 'Deployment' && o.spec.template.metadata.labels['app.kubernetes.io/component'] === 'inference-server')) {
    const model = d.metadata.labels['tritonops.dev/model'] as string;
    const plan = environment.models.find((m) => m.name === model);
    const pool = plan?.gpu ? environment.gpuPools[plan.gpu.pool] : undefined;
    const triton = (d.spec.template.spec.containers as Obj[]).find((c) => c.name === 'triton')!;
    const args = (triton.args ?? []) as string[];
    const loaded = args.filter((a) => a.startsWith('--load-model=')).map((a) => a.slice('--load-model='.length));
    const gpus = Object.entries((triton.resources?.limits ?? {}) as Record<string, unknown>)
      .filter(([k]) => k.startsWith('nvidia.com/'))
      .reduce((n, [, v]) => n + Number(v), 0);
    const so = scaledObjects.find((s) => s.spec.scaleTargetRef.name === d.metadata.name);
    const base: Workload = {
      namespace: d.metadata.namespace,
      deployment: d.metadata.name,
      model,
      podLabels: { ...d.spec.template.metadata.labels },
      ports: {
        ...Object.fromEntries(
          (d.spec.template.spec.containers as Obj[]).map((c) => [c.name, (c.ports ?? []).map((p: Obj) => ({ name: p.name, containerPort: p.containerPort }))]),
        ),
        // Injected by Istio into every pod of the mesh (the namespace is labelled for injection).
        'istio-proxy': [{ name: 'http-envoy-prom', containerPort: 15090 }],
      },
      tritonModels: loaded.length > 0 ? loaded : ['model'],
      gpus,
      ...(plan?.gpu ? { gpuPool: plan.gpu.pool } : {}),
      mig: pool?.resource.startsWith('nvidia.com/mig-') ?? false,
      podsPerGpu: pool?.timeSlicingReplicas ?? 1,
      gpuMemoryTotalBytes: 16 * 2 ** 30,
      gpuMetrics: args.includes('--allow-gpu-metrics=true') && gpus > 0,
      histogram: args.includes('--metrics-config=histogram_latencies=true'),
      ...(so ? { scaledObject: { name: so.metadata.name, maxReplicas: so.spec.maxReplicaCount } } : {}),
      calls: callsOf(model),
    };
    const canary = canaries.get(d.metadata.name);
    if (!canary) {
      workloads.push(base);
      continue;
    }
    // Flagger copies the target into `<target>-primary`, renaming the value of its selector label
    // (`app.kubernetes.io/name`, the first of Flagger's defaults the Deployment selects on) and
    // copying the ScaledObject as `<name>-primary` with the Canary's primaryScalerQueries.
    const primary = `${d.metadata.name}-primary`;
    workloads.push({ ...base, flagger: 'target' });
    workloads.push({
      ...base,
      deployment: primary,
      podLabels: { ...base.podLabels, 'app.kubernetes.io/name': primary },
      flagger: 'primary',
      ...(so ? { scaledObject: { name: `${so.metadata.name}-primary`, maxReplicas: so.spec.maxReplicaCount } } : {}),
    });
  }
  return { environment, workloads, objects: mine };
}

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function alphabetHash(seed: string, length: number): string {
  const bytes = createHash('sha256').update(seed).digest();
  return Array.from(bytes.subarray(0, length), (b) => HASH_ALPHABET[b % HASH_ALPHABET.length]).join('');
}

/**
 * A pod's name as Kubernetes makes it: the ReplicaSet's `<deployment>-<template hash>` plus `-`,
 * cut to 58 characters, plus five random ones.
 */
export function podName(deployment: string, index: number): string {
  const base = `${deployment}-${alphabetHash(`rs/${deployment}`, 10)}-`.slice(0, 58);
  return `${base}${alphabetHash(`pod/${deployment}/${index}`, 5)}`;
}

/** The pods of every workload in a scenario, each on its node, with its GPUs. */
export function podsOf(world: World, state: (w: Workload) => WorkloadState): Pod[] {
  const pods: Pod[] = [];
  // Time-sliced GPUs are shared in order of arrival: fill one before the next.
  const sharedFill = new Map<string, { uuid: string; used: number }>();
  let ip = 0;
  let gpuIndex = 0;
  for (const workload of world.workloads) {
    const n = state(workload).pods;
    for (let i = 0; i < n; i++) {
      const gpuUuids: string[] = [];
      for (let g = 0; g < workload.gpus; g++) {
        if (workload.podsPerGpu > 1) {
          const key = workload.gpuPool!;
          let slot = sharedFill.get(key);
          if (!slot || slot.used >= workload.podsPerGpu) {
            slot = { uuid: gpuUuid(gpuIndex++), used: 0 };
            sharedFill.set(key, slot);
          }
          slot.used++;
          gpuUuids.push(slot.uuid);
        } else {
          gpuUuids.push(gpuUuid(gpuIndex++));
        }
      }
      ip++;
      pods.push({
        workload,
        index: i,
        name: podName(workload.deployment, i),
        ip: `10.1.${Math.floor(ip / 250)}.${ip % 250}`,
        node: `node-${gpuUuids[0] ?? 'cpu'}`,
        gpuUuids,
      });
    }
  }
  return pods;
}

function gpuUuid(i: number): string {
  return `GPU-${createHash('sha256').update(String(i)).digest('hex').slice(0, 8)}-0000-0000-0000-${String(i).padStart(12, '0')}`;
}

/** Prometheus' spelling of a Kubernetes label name. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** The labels Prometheus stores for one exposed series of a target. */
export function storedLabels(target: Labels, exposed: Labels, honorLabels: boolean): Labels {
  const out: Labels = { ...target };
  for (const [k, v] of Object.entries(exposed)) {
    if (!(k in target)) out[k] = v;
    else if (honorLabels) out[k] = v;
    else out[`exported_${k}`] = v;
  }
  return out;
}

interface Scrape {
  readonly target: Labels;
  readonly honorLabels: boolean;
  /** `keep` metric relabellings: every rule must match. */
  readonly keep: readonly { sourceLabels: string[]; regex: string }[];
}

/** The targets each rendered PodMonitor makes of a pod's container port, with their labels. */
function podMonitorScrapes(world: World, pod: Pod, container: string, port: string): Scrape[] {
  const out: Scrape[] = [];
  for (const pm of world.objects.filter((o) => o.kind === 'PodMonitor')) {
    const namespaces: string[] = pm.spec.namespaceSelector?.matchNames ?? [pm.metadata.namespace];
    if (!pm.spec.namespaceSelector?.any && !namespaces.includes(pod.workload.namespace)) continue;
    const match = (pm.spec.selector?.matchLabels ?? {}) as Labels;
    if (!Object.entries(match).every(([k, v]) => pod.workload.podLabels[k] === v)) continue;
    for (const endpoint of pm.spec.podMetricsEndpoints as Obj[]) {
      if (endpoint.port !== port) continue;
      const containerPort = pod.workload.ports[container]?.find((p) => p.name === port);
      if (!containerPort) continue;
      const target: Labels = {
        namespace: pod.workload.namespace,
        pod: pod.name,
        container,
        endpoint: port,
        job: `${pm.metadata.namespace}/${pm.metadata.name}`,
        instance: `${pod.ip}:${containerPort.containerPort}`,
      };
      for (const label of (pm.spec.podTargetLabels ?? []) as string[]) {
        const value = pod.workload.podLabels[label];
        if (value !== undefined) target[sanitizeLabelName(label)] = value;
      }
      // Target relabellings, after prometheus-operator's own: only the constant kind (no source
      // label, the default regex, which matches the empty value) that sets a label to its replacement.
      for (const r of (endpoint.relabelings ?? []) as Obj[]) {
        const constant = (r.action ?? 'replace') === 'replace' && !r.sourceLabels?.length && r.regex === undefined;
        if (!constant || typeof r.targetLabel !== 'string' || typeof r.replacement !== 'string')
          throw new Error(`the scrape model knows only relabellings that set a label to a constant, not ${JSON.stringify(r)}`);
        target[r.targetLabel] = r.replacement;
      }
      const keep = ((endpoint.metricRelabelings ?? []) as Obj[]).map((r) => {
        if ((r.action ?? 'replace') !== 'keep') throw new Error(`the scrape model knows only "keep" metric relabellings, not ${r.action}`);
        return { sourceLabels: r.sourceLabels as string[], regex: r.regex as string };
      });
      out.push({ target, honorLabels: endpoint.honorLabels === true, keep });
    }
  }
  return out;
}

function kept(scrape: Scrape, metric: string, labels: Labels): boolean {
  return scrape.keep.every((rule) =>
    new RegExp(`^(?:${rule.regex})$`).test(rule.sourceLabels.map((l) => (l === '__name__' ? metric : (labels[l] ?? ''))).join(';')),
  );
}

/** The GPU operator's values as rendered: whether its ServiceMonitor keeps DCGM's own labels. */
function dcgmHonorLabels(world: World): boolean | undefined {
  const release = world.objects.find((o) => o.kind === 'HelmRelease' && o.spec.chart?.spec?.chart === 'gpu-operator');
  const monitor = release?.spec.values?.dcgmExporter?.serviceMonitor;
  if (!monitor?.enabled) return undefined;
  // The chart's default (gpu-operator v25.3.1).
  return monitor.honorLabels ?? false;
}

const GATEWAY_POD = {
  namespace: 'istio-ingress',
  name: 'istio-ingressgateway-6b9f7c8d5-x2k4q',
  ip: '10.0.9.9',
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
};

/** Requests per second from one caller (the gateway or a Deployment) to a Service. */
export interface Call {
  readonly from: 'gateway' | string;
  readonly service: string;
  readonly perSecond: number;
  /** Of those, answered with a 5xx (by Triton, or by a proxy: no endpoint, reset, timeout). */
  readonly failedPerSecond?: number;
}

export interface Scenario {
  readonly name: string;
  /** The state at the time of evaluation. */
  readonly state: (w: Workload) => WorkloadState;
  /** Requests the ingress gateway sends to each exposed Service; by default what its pods serve. */
  readonly gatewayCalls?: (world: World, pods: readonly Pod[]) => Call[];
  /** A state that held until `minutesAgo` before the evaluation (same pods); otherwise `state` held throughout. */
  readonly earlier?: { readonly minutesAgo: number; readonly state: (w: Workload) => WorkloadState; readonly gatewayCalls?: Scenario['gatewayCalls'] };
}

/** Requests each pipeline server sends its steps' models: one per request it serves. */
export function meshCalls(world: World, state: (w: Workload) => WorkloadState): Call[] {
  return world.workloads.flatMap((w) => {
    const s = state(w);
    const perSecond = s.pods * w.tritonModels.length * s.load.successPerSecond;
    return w.calls.map((service) => ({ from: w.deployment, service, perSecond }));
  });
}

/** The gateway's requests by default: what the pods behind each model's Service serve. */
export function defaultGatewayCalls(world: World, state: (w: Workload) => WorkloadState): Call[] {
  const byService = new Map<string, [number, number]>();
  for (const w of world.workloads) {
    const s = state(w);
    // Flagger's routes go to `<model>-primary` and `<model>-canary`; otherwise to the model's Service.
    const service = w.flagger === 'primary' ? w.deployment : w.flagger === 'target' ? `${w.model}-canary` : w.model;
    const n = s.pods * w.tritonModels.length;
    const [total, failed] = byService.get(service) ?? [0, 0];
    // Triton answers a failed inference with a 5xx, which the proxy reports as such.
    byService.set(service, [total + n * (s.load.successPerSecond + s.load.failurePerSecond), failed + n * s.load.failurePerSecond]);
  }
  return [...byService].map(([service, [perSecond, failedPerSecond]]) => ({ from: 'gateway', service, perSecond, failedPerSecond }));
}

/** One series at one state: a counter's rate per second, or a gauge's value. */
interface FrameEntry {
  readonly metric: string;
  readonly labels: Labels;
  readonly kind: 'counter' | 'gauge';
  readonly value: number;
}

/**
 * Busy fraction and memory in use of each physical GPU: the sums of its tenants'. The pods of one
 * Deployment do not keep their GPUs equally busy (each 10 % less than the one before), so that a
 * mean over them differs from their maximum or their sum.
 */
export function gpuUse(pods: readonly Pod[], state: (w: Workload) => WorkloadState): { busy: Map<string, number>; memory: Map<string, number> } {
  const busy = new Map<string, number>();
  const memory = new Map<string, number>();
  for (const pod of pods) {
    const load = state(pod.workload).load;
    const share = load.gpuUtilization * (1 - 0.1 * (pod.index % 5));
    for (const uuid of pod.gpuUuids) {
      busy.set(uuid, Math.min(1, (busy.get(uuid) ?? 0) + share));
      memory.set(uuid, (memory.get(uuid) ?? 0) + load.gpuMemoryUsedBytes);
    }
  }
  return { busy, memory };
}

type AddSeries = (scrape: Scrape, metric: string, exposed: Labels, kind: 'counter' | 'gauge', value: number) => void;

/** Every series Prometheus would hold while `state` lasts, keyed by metric and labels. */
function frameOf(world: World, pods: readonly Pod[], state: (w: Workload) => WorkloadState, calls: readonly Call[]): Map<string, FrameEntry> {
  const out = new Map<string, FrameEntry>();
  const add: AddSeries = (scrape, metric, exposed, kind, value) => {
    if (!kept(scrape, metric, exposed)) return;
    const labels = storedLabels(scrape.target, exposed, scrape.honorLabels);
    out.set(seriesText({ metric, labels, values: '' }), { metric, labels, kind, value });
  };
  const { busy, memory } = gpuUse(pods, state);

  for (const pod of pods) {
    const w = pod.workload;
    const load = state(w).load;
    for (const scrape of podMonitorScrapes(world, pod, 'triton', 'metrics')) {
      for (const model of w.tritonModels) {
        const m = { model, version: '1' };
        add(scrape, 'nv_inference_request_success', m, 'counter', load.successPerSecond);
        // Triton creates a failure counter per reason when it loads the model.
        for (const [reason, perSecond] of [
          ['REJECTED', 0],
          ['CANCELED', load.canceledPerSecond],
          ['BACKEND', load.failurePerSecond],
          ['OTHER', 0],
        ] as const) {
          add(scrape, 'nv_inference_request_failure', { ...m, reason }, 'counter', perSecond);
        }
        add(scrape, 'nv_inference_count', m, 'counter', load.successPerSecond);
        add(scrape, 'nv_inference_exec_count', m, 'counter', load.successPerSecond / load.batchSize);
        // Durations are summed over requests: a batch's time counts once per request in it.
        add(scrape, 'nv_inference_queue_duration_us', m, 'counter', load.successPerSecond * load.queueMs * 1000);
        add(scrape, 'nv_inference_compute_infer_duration_us', m, 'counter', load.successPerSecond * load.computeMs * 1000);
        add(scrape, 'nv_inference_request_duration_us', m, 'counter', load.successPerSecond * (load.queueMs + load.computeMs) * 1000);
        add(scrape, 'nv_inference_pending_request_count', m, 'gauge', load.pending);
        if (w.histogram) {
          for (const le of [...FIRST_RESPONSE_BUCKETS.map(String), '+Inf']) {
            const inBucket = le === '+Inf' || Number(le) >= load.firstResponseBucketMs;
            add(scrape, 'nv_inference_first_response_histogram_ms_bucket', { ...m, le }, 'counter', inBucket ? load.successPerSecond : 0);
          }
          add(scrape, 'nv_inference_first_response_histogram_ms_count', m, 'counter', load.successPerSecond);
        }
      }
      if (w.gpuMetrics) {
        // Per device, as the driver reports it: a time-shared GPU's use is all its tenants'.
        for (const uuid of pod.gpuUuids) {
          const g = { gpu_uuid: uuid };
          add(scrape, 'nv_gpu_utilization', g, 'gauge', busy.get(uuid)!);
          add(scrape, 'nv_gpu_memory_total_bytes', g, 'gauge', w.gpuMemoryTotalBytes);
          add(scrape, 'nv_gpu_memory_used_bytes', g, 'gauge', memory.get(uuid)!);
        }
      }
    }
    // A scraped sidecar reports the requests its pod sends.
    for (const scrape of podMonitorScrapes(world, pod, 'istio-proxy', 'http-envoy-prom')) {
      const share = 1 / state(w).pods;
      for (const call of calls.filter((c) => c.from === w.deployment)) addCalls(add, scrape, world, w.deployment, w.namespace, call, share);
    }
  }

  // The ingress gateway's proxy, scraped by the PodMonitor tritonops renders in its namespace.
  const gatewayPod: Pod = {
    index: 0,
    workload: {
      namespace: GATEWAY_POD.namespace,
      deployment: 'istio-ingressgateway',
      model: '',
      podLabels: GATEWAY_POD.labels,
      ports: { 'istio-proxy': [{ name: 'http-envoy-prom', containerPort: 15090 }] },
      tritonModels: [],
      gpus: 0,
      mig: false,
      podsPerGpu: 1,
      gpuMemoryTotalBytes: 0,
      gpuMetrics: false,
      histogram: false,
      calls: [],
    },
    name: GATEWAY_POD.name,
    ip: GATEWAY_POD.ip,
    node: 'node-ingress',
    gpuUuids: [],
  };
  for (const scrape of podMonitorScrapes(world, gatewayPod, 'istio-proxy', 'http-envoy-prom')) {
    for (const call of calls.filter((c) => c.from === 'gateway')) addCalls(add, scrape, world, 'istio-ingressgateway', GATEWAY_POD.namespace, call, 1);
  }

  // dcgm-exporter on each GPU node, through the GPU operator's ServiceMonitor. It maps a device to
  // one pod: a time-shared GPU to the first of its tenants, the others get no series.
  const honor = dcgmHonorLabels(world);
  if (honor !== undefined) {
    const attributed = new Set<string>();
    for (const pod of pods.filter((p) => p.gpuUuids.length > 0 && !p.workload.mig)) {
      pod.gpuUuids.forEach((uuid, i) => {
        if (attributed.has(uuid)) return;
        attributed.add(uuid);
        const target: Labels = {
          namespace: 'gpu-operator',
          service: 'nvidia-dcgm-exporter',
          endpoint: 'gpu-metrics',
          job: 'nvidia-dcgm-exporter',
          pod: `nvidia-dcgm-exporter-${uuid.slice(4, 9)}`,
          container: 'nvidia-dcgm-exporter',
          instance: `${pod.ip.replace(/\.\d+$/, '.1')}:9400`,
        };
        const exposed: Labels = {
          gpu: String(i),
          UUID: uuid,
          device: `nvidia${i}`,
          modelName: 'Tesla T4',
          Hostname: pod.node,
          namespace: pod.workload.namespace,
          pod: pod.name,
          container: 'triton',
        };
        add({ target, honorLabels: honor, keep: [] }, 'DCGM_FI_DEV_GPU_UTIL', exposed, 'gauge', 100 * busy.get(uuid)!);
      });
    }
  }

  // kube-state-metrics: honorLabels keeps the object's namespace over the exporter's own.
  const ksm: Scrape = {
    target: {
      namespace: 'monitoring',
      job: 'kube-state-metrics',
      service: 'kube-prometheus-stack-kube-state-metrics',
      endpoint: 'http',
      container: 'kube-state-metrics',
      pod: 'kube-prometheus-stack-kube-state-metrics-7d5b9c6f4-q8wzt',
      instance: '10.0.8.8:8080',
    },
    honorLabels: true,
    keep: [],
  };
  for (const w of world.workloads) {
    const s = state(w);
    const d = { namespace: w.namespace, deployment: w.deployment };
    add(ksm, 'kube_deployment_spec_replicas', d, 'gauge', s.specReplicas ?? s.pods);
    add(ksm, 'kube_deployment_status_replicas_available', d, 'gauge', s.ready ?? s.pods);
    if (w.scaledObject) {
      const h = { namespace: w.namespace, horizontalpodautoscaler: `keda-hpa-${w.scaledObject.name}` };
      add(ksm, 'kube_horizontalpodautoscaler_spec_max_replicas', h, 'gauge', w.scaledObject.maxReplicas);
      add(ksm, 'kube_horizontalpodautoscaler_status_current_replicas', h, 'gauge', s.specReplicas ?? s.pods);
    }
  }
  return out;
}

/** A caller's requests to a Service, split by response code as its proxy reports them. */
function addCalls(add: AddSeries, scrape: Scrape, world: World, source: string, sourceNamespace: string, call: Call, share: number): void {
  const failed = call.failedPerSecond ?? 0;
  add(scrape, 'istio_requests_total', envoyLabels(world, source, sourceNamespace, call.service, '200'), 'counter', (call.perSecond - failed) * share);
  if (failed > 0) add(scrape, 'istio_requests_total', envoyLabels(world, source, sourceNamespace, call.service, '503'), 'counter', failed * share);
}

/** The calls of a scenario state: the gateway's and the pipelines'. */
export function callsOf(world: World, pods: readonly Pod[], scenario: Pick<Scenario, 'gatewayCalls'>, state: (w: Workload) => WorkloadState): Call[] {
  return [...(scenario.gatewayCalls ? scenario.gatewayCalls(world, pods) : defaultGatewayCalls(world, state)), ...meshCalls(world, state)];
}

/**
 * Every series Prometheus would hold after `samples` scrapes: the scenario's earlier state, then
 * its state for the last `minutesAgo` minutes. Counters continue across the change.
 */
export function seriesOf(world: World, scenario: Scenario, samples: number): InputSeries[] {
  const pods = podsOf(world, scenario.state);
  const now = frameOf(world, pods, scenario.state, callsOf(world, pods, scenario, scenario.state));
  const earlier = scenario.earlier;
  if (!earlier) return [...now.values()].map((e) => ({ metric: e.metric, labels: e.labels, values: segments(e.kind, [[e.value, samples + 1]]) }));
  const before = frameOf(world, podsOf(world, earlier.state), earlier.state, callsOf(world, pods, earlier.gatewayCalls ? earlier : scenario, earlier.state));
  const last = (earlier.minutesAgo * 60) / SCRAPE_SECONDS;
  const out: InputSeries[] = [];
  for (const key of new Set([...before.keys(), ...now.keys()])) {
    const e = (now.get(key) ?? before.get(key))!;
    const first = before.get(key)?.value ?? (e.kind === 'counter' ? 0 : e.value);
    const then = now.get(key)?.value ?? (e.kind === 'counter' ? 0 : first);
    out.push({
      metric: e.metric,
      labels: e.labels,
      values: segments(e.kind, [
        [first, samples + 1 - last],
        [then, last],
      ]),
    });
  }
  return out;
}

/**
 * promtool's expanding notation for consecutive stretches of `count` samples: a counter growing at
 * each stretch's rate per second from 0, or a gauge holding each stretch's value.
 */
function segments(kind: 'counter' | 'gauge', stretches: readonly [value: number, count: number][]): string {
  let at = 0;
  return stretches
    .map(([value, count], i) => {
      if (kind === 'gauge') return `${value}+0x${count - 1}`;
      const step = value * SCRAPE_SECONDS;
      const start = i === 0 ? 0 : at + step;
      at = start + step * (count - 1);
      return `${start}+${step}x${count - 1}`;
    })
    .join(' ');
}

/** Istio's standard request labels, as the caller's proxy reports them. */
function envoyLabels(world: World, sourceWorkload: string, sourceNamespace: string, service: string, responseCode: string): Labels {
  const ns = world.environment.namespace;
  return {
    reporter: 'source',
    source_workload: sourceWorkload,
    source_workload_namespace: sourceNamespace,
    source_app: sourceWorkload,
    destination_service: `${service}.${ns}.svc.cluster.local`,
    destination_service_name: service,
    destination_service_namespace: ns,
    destination_workload: 'unknown',
    destination_workload_namespace: 'unknown',
    request_protocol: 'http',
    response_code: responseCode,
    connection_security_policy: 'unknown',
  };
}

/** One input series in promtool's syntax. */
export function seriesText(s: InputSeries): string {
  const labels = Object.entries(s.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${s.metric}{${labels}}`;
}
