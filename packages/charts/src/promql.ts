/**
 * PromQL over Triton's own metrics, in one place for autoscaling, alerts and dashboards.
 *
 * Label names used here are the ones the scraped series carry: Triton's (`model`, `version`,
 * `gpu_uuid`, `le`), those prometheus-operator adds to every PodMonitor target (`namespace`,
 * `pod`, `container`, `endpoint`, `job`, `instance`) and the PodMonitor's `podTargetLabels`,
 * which Prometheus spells with underscores (`tritonops_dev_model`, `tritonops_dev_track`,
 * `app_kubernetes_io_name`), and the GPU pool its PodMonitor sets on a GPU model's targets
 * (`tritonops_dev_gpu_pool`). Pods are selected by those labels, never by a pattern on their
 * names: Kubernetes truncates long pod names, which would make such a pattern match nothing.
 * Triton's `*_duration_us` metrics are cumulative counters: always through `rate()`.
 */
import { TRIGGER_METRIC_TYPES, type TriggersPlan } from '@tritonops/planner';

/** Prometheus' spelling of the PodMonitor target labels. */
export const PROM_MODEL_LABEL = 'tritonops_dev_model';
export const PROM_TRACK_LABEL = 'tritonops_dev_track';
/** `app.kubernetes.io/name`: the model's name, or `<model>-primary` on the copy Flagger makes. */
export const PROM_APP_LABEL = 'app_kubernetes_io_name';
/**
 * The GPU pool of a model's pods, set on its Triton series by its own PodMonitor (a static
 * relabelling): what lets the environment's dashboard select a pool's series without listing the
 * models on it.
 */
export const PROM_GPU_POOL_LABEL = 'tritonops_dev_gpu_pool';

/**
 * Failures that count against a model: Triton also counts requests its client cancelled
 * (`reason="CANCELED"`, routine for streams), which say nothing about the model. Series of a Triton
 * without the `reason` label match too.
 */
export const COUNTED_FAILURES = 'reason!="CANCELED"';

/** `metric{selection}`, narrowed to the failures that count when `metric` is Triton's failure counter. */
export function selectSeries(metric: string, selection: string): string {
  return `${metric}{${selection}${metric === 'nv_inference_request_failure' ? `,${COUNTED_FAILURES}` : ''}}`;
}

/** Rate window: four scrapes at the 15 s interval of the PodMonitors. */
export const RATE_WINDOW = '1m';

/** The pods of one Deployment, two ways: Triton's own series by exact labels, DCGM's by pod name. */
export interface DeploymentPods {
  /** Exact label matchers on the PodMonitor's target labels: immune to pod-name truncation. */
  readonly labels: string;
  /**
   * `<deployment>-<replicaset hash>-<suffix>`: for DCGM's series, which carry only the pod's name.
   * Sound only while the name is not truncated (Deployment names of at most 46 characters, which
   * validation enforces where DCGM is used).
   */
  readonly names: string;
}

/**
 * The pods of Deployment `deployment` of `model`. Their `app.kubernetes.io/name` label is the
 * model's name, except on Flagger's primary copy (`<model>-primary`), which Flagger renames;
 * their track label tells the canary track from the stable one.
 */
export function deploymentPods(namespace: string, model: string, deployment: string, track: 'stable' | 'canary'): DeploymentPods {
  const app = deployment === `${model}-primary` ? deployment : model;
  return {
    labels: `namespace="${namespace}",${PROM_APP_LABEL}="${app}",${PROM_TRACK_LABEL}="${track}"`,
    names: `namespace="${namespace}",pod=~"${deployment}-[a-z0-9]+-[a-z0-9]+"`,
  };
}

export interface TriggerQuery {
  /** KEDA trigger name; unique per ScaledObject. */
  readonly name: string;
  readonly query: string;
  readonly threshold: number;
  /** AverageValue: the query sums over replicas and the threshold is per replica. Value: a mean. */
  readonly metricType: 'AverageValue' | 'Value';
}

/** One KEDA trigger per threshold the spec set, each scoped to `pods`. */
export function triggerQueries(triggers: TriggersPlan, selection: DeploymentPods): TriggerQuery[] {
  const pods = selection.labels;
  const rate = (metric: string) => `sum(rate(${metric}{${pods}}[${RATE_WINDOW}]))`;
  const out: TriggerQuery[] = [];
  if (triggers.queueTimeMs !== undefined) {
    out.push({
      name: 'queue-time',
      // Mean queue time per request in ms; 0 when there are no requests rather than NaN.
      query: `${rate('nv_inference_queue_duration_us')} / clamp_min(${rate('nv_inference_request_success')}, 1e-9) / 1000`,
      threshold: triggers.queueTimeMs,
      metricType: TRIGGER_METRIC_TYPES.queueTimeMs,
    });
  }
  if (triggers.gpuUtilization !== undefined) {
    out.push({
      name: 'gpu-utilization',
      query: triggers.gpuUtilizationSource === 'dcgm' ? `avg(DCGM_FI_DEV_GPU_UTIL{${selection.names}})` : `100 * avg(nv_gpu_utilization{${pods}})`,
      threshold: triggers.gpuUtilization,
      metricType: TRIGGER_METRIC_TYPES.gpuUtilization,
    });
  }
  if (triggers.inferencesPerSecond !== undefined) {
    out.push({
      name: 'inference-rate',
      query: rate('nv_inference_request_success'),
      threshold: triggers.inferencesPerSecond,
      metricType: TRIGGER_METRIC_TYPES.inferencesPerSecond,
    });
  }
  if (triggers.pendingRequests !== undefined) {
    out.push({
      name: 'pending-requests',
      query: `sum(nv_inference_pending_request_count{${pods}})`,
      threshold: triggers.pendingRequests,
      metricType: TRIGGER_METRIC_TYPES.pendingRequests,
    });
  }
  if (triggers.gpuMemoryUtilization !== undefined) {
    out.push({
      name: 'gpu-memory',
      query: `100 * sum(nv_gpu_memory_used_bytes{${pods}}) / clamp_min(sum(nv_gpu_memory_total_bytes{${pods}}), 1)`,
      threshold: triggers.gpuMemoryUtilization,
      metricType: TRIGGER_METRIC_TYPES.gpuMemoryUtilization,
    });
  }
  if (triggers.timeToFirstTokenMs !== undefined) {
    out.push({
      name: 'time-to-first-token',
      // With no request in the window the quantile is NaN (0/0): the model is not slow, it is idle.
      query: `(histogram_quantile(${triggers.timeToFirstTokenQuantile}, sum by (le) (rate(nv_inference_first_response_histogram_ms_bucket{${pods}}[${RATE_WINDOW}]))) >= 0) or on() vector(0)`,
      threshold: triggers.timeToFirstTokenMs,
      metricType: TRIGGER_METRIC_TYPES.timeToFirstTokenMs,
    });
  }
  return out;
}

/**
 * Requests sent to a model's Service, as the callers' proxies count them (`reporter="source"`):
 * the ingress gateway's, and the sidecars of pipeline servers, which their PodMonitors scrape for
 * this. Counted even while the model has no replica: what wakes a model scaled to zero. Callers
 * elsewhere in the mesh are not scraped, and do not wake it (validate warns where they are declared).
 */
export function incomingRequestRate(namespace: string, service: string): string {
  return `sum(rate(istio_requests_total{reporter="source",destination_service_namespace="${namespace}",destination_service_name="${service}"}[${RATE_WINDOW}]))`;
}

/** Selector of one model's series in alerts and dashboards. */
export function modelSeries(namespace: string, model: string): string {
  return `namespace="${namespace}",${PROM_MODEL_LABEL}="${model}"`;
}
