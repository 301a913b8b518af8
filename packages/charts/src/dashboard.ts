/**
 * A Grafana dashboard per environment, shipped as a ConfigMap that kube-prometheus-stack's Grafana
 * sidecar imports (label `grafana_dashboard: "1"`): traffic and errors by model and track, queue
 * and compute time, GPU utilisation and memory per pool, replicas against their maximum. The data
 * source is a dashboard variable, so the JSON imports into any Grafana.
 *
 * It names no model: the models are the values of the `$model` variable, which Grafana queries
 * from Prometheus, and a pool's panels select its series by the pool label each model's
 * PodMonitor sets. So it is built from the environment without its models (EnvironmentCore), and
 * a pull request that adds, changes or removes a model leaves it as it is: two such pull requests
 * never both edit it (docs/architecture.md, "Concurrent pull requests").
 */
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { Dashboard, Panel, VariableModel } from '@grafana/schema';
import type { EnvironmentCore } from '@tritonops/planner';
import { environmentLabels } from './labels.ts';
import { PROM_APP_LABEL, PROM_GPU_POOL_LABEL, PROM_MODEL_LABEL, PROM_TRACK_LABEL, selectSeries } from './promql.ts';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly { expr: string; legend: string }[];
}

function timeseries(id: number, x: number, y: number, spec: PanelSpec): Panel {
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: 12, x, y },
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options: { legend: { displayMode: 'table', placement: 'right', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: spec.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: t.expr, legendFormat: t.legend })),
  };
}

/** The dashboard's panels, in reading order. */
export function dashboardPanels(env: EnvironmentCore): PanelSpec[] {
  const ns = env.namespace;
  const sel = `namespace="${ns}",${PROM_MODEL_LABEL}=~"$model"`;
  // By Deployment: the app label tells Flagger's primary (`<model>-primary`) from the canary
  // target it analyses, which share the stable track.
  const byTrack = `sum by (${PROM_MODEL_LABEL}, ${PROM_TRACK_LABEL}, ${PROM_APP_LABEL})`;
  const rate = (metric: string) => `rate(${selectSeries(metric, sel)}[$__rate_interval])`;
  const legend = `{{${PROM_APP_LABEL}}} {{${PROM_TRACK_LABEL}}}`;
  const panels: PanelSpec[] = [
    { title: 'Inferences per second', unit: 'reqps', targets: [{ expr: `${byTrack} (${rate('nv_inference_request_success')})`, legend }] },
    { title: 'Failed inferences per second', unit: 'reqps', targets: [{ expr: `${byTrack} (${rate('nv_inference_request_failure')})`, legend }] },
    {
      title: 'Success ratio',
      unit: 'percentunit',
      targets: [
        {
          // No request is no failure: an idle model reads 100 %, not 0 %.
          expr: `1 - ${byTrack} (${rate('nv_inference_request_failure')}) / clamp_min(${byTrack} (${rate('nv_inference_request_success')}) + ${byTrack} (${rate('nv_inference_request_failure')}), 1e-9)`,
          legend,
        },
      ],
    },
    {
      title: 'Queue time per request',
      unit: 'ms',
      targets: [
        {
          expr: `${byTrack} (${rate('nv_inference_queue_duration_us')}) / clamp_min(${byTrack} (${rate('nv_inference_request_success')}), 1e-9) / 1000`,
          legend,
        },
      ],
    },
    {
      title: 'Compute time per request',
      unit: 'ms',
      // Triton adds each request's compute time (a batch's time to every request in it): divide by
      // requests, not by executions, or batching multiplies the figure.
      targets: [
        {
          expr: `${byTrack} (${rate('nv_inference_compute_infer_duration_us')}) / clamp_min(${byTrack} (${rate('nv_inference_request_success')}), 1e-9) / 1000`,
          legend,
        },
      ],
    },
    {
      title: 'Replicas and their maximum',
      unit: 'short',
      targets: [
        { expr: `sum by (deployment) (kube_deployment_status_replicas_available{namespace="${ns}"})`, legend: '{{deployment}} ready' },
        {
          expr: `max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{namespace="${ns}"})`,
          legend: '{{horizontalpodautoscaler}} max',
        },
      ],
    },
  ];
  // A pair of panels per declared pool, whether or not a model runs on it yet: which models do is
  // for Prometheus to say, not for this file.
  for (const pool of Object.keys(env.gpuPools)) {
    const poolSel = `namespace="${ns}",${PROM_GPU_POOL_LABEL}="${pool}",${PROM_MODEL_LABEL}=~"$model"`;
    panels.push(
      {
        title: `GPU utilisation: pool ${pool}`,
        unit: 'percent',
        targets: [{ expr: `100 * avg by (${PROM_MODEL_LABEL}, pod) (nv_gpu_utilization{${poolSel}})`, legend: '{{pod}}' }],
      },
      {
        title: `GPU memory in use: pool ${pool}`,
        unit: 'percentunit',
        targets: [
          {
            expr: `sum by (${PROM_MODEL_LABEL}, pod) (nv_gpu_memory_used_bytes{${poolSel}}) / clamp_min(sum by (${PROM_MODEL_LABEL}, pod) (nv_gpu_memory_total_bytes{${poolSel}}), 1)`,
            legend: '{{pod}}',
          },
        ],
      },
    );
  }
  return panels;
}

export function dashboard(env: EnvironmentCore): Dashboard {
  const variables: VariableModel[] = [
    { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: 0 },
    {
      name: 'model',
      label: 'Model',
      type: 'query',
      datasource: DATASOURCE,
      query: { query: `label_values(nv_inference_request_success{namespace="${env.namespace}"}, ${PROM_MODEL_LABEL})`, refId: 'model' },
      includeAll: true,
      multi: true,
      allValue: '.*',
      refresh: 2,
      sort: 1,
      hide: 0,
    },
  ];
  return {
    uid: `tritonops-${env.name}`,
    title: `Triton models: ${env.name}`,
    tags: ['tritonops', 'triton', env.name],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    templating: { list: variables },
    annotations: { list: [] },
    panels: dashboardPanels(env).map((p, i) => timeseries(i + 1, (i % 2) * 12, Math.floor(i / 2) * 8, p)),
  };
}

export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

export function addDashboard(scope: Construct, env: EnvironmentCore): void {
  new k8s.KubeConfigMap(scope, 'dashboard', {
    metadata: { name: 'triton-dashboard', namespace: env.namespace, labels: { ...environmentLabels(env), ...DASHBOARD_LABEL } },
    data: { [`triton-${env.name}.json`]: `${JSON.stringify(dashboard(env), null, 2)}\n` },
  });
}
