/**
 * Scraping Triton's metrics port (8002) with prometheus-operator. The PodMonitor selects every
 * track of a model; the model, the track and `app.kubernetes.io/name` (which Flagger renames on its
 * primary copy) become target labels so that queries can tell the pods of each Deployment apart.
 * A GPU model's Triton targets also carry its pool, as a constant the PodMonitor sets: the
 * environment's dashboard selects a pool's series by it, so it never lists the models on a pool
 * (a list that two pull requests adding models would both edit). A PodMonitor, not a pod label:
 * a new pod label would roll every GPU Deployment.
 */
import type { Construct } from 'constructs';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { EnvironmentCore, ModelPlan } from '@tritonops/planner';
import { APP_NAME_LABEL, MODEL_LABEL, modelLabels, modelSelector, TRACK_LABEL } from './labels.ts';
import { PROM_GPU_POOL_LABEL } from './promql.ts';
import { typedObject } from './typed-api-object.ts';

export const SCRAPE_INTERVAL = '15s';

/** The port Istio's sidecar serves its own metrics on (15090), as injection names it. */
export const ENVOY_METRICS_PORT = 'http-envoy-prom';

/**
 * `outboundRequests`: also scrape the pods' sidecars for the requests they send — a pipeline's
 * calls to its steps' models, which is what wakes a step model scaled to zero (the ingress gateway
 * counts only the requests that come from outside). Only `istio_requests_total` as the caller
 * reports it is kept: the rest of Envoy's statistics would multiply the series for nothing.
 */
export function addPodMonitor(scope: Construct, env: EnvironmentCore, model: ModelPlan, options: { outboundRequests?: boolean } = {}): void {
  typedObject<IPodMonitor>(scope, 'pod-monitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: model.name, namespace: env.namespace, labels: modelLabels(env, model) },
    spec: {
      selector: { matchLabels: modelSelector(model) },
      podTargetLabels: [MODEL_LABEL, TRACK_LABEL, APP_NAME_LABEL],
      podMetricsEndpoints: [
        {
          port: 'metrics',
          path: '/metrics',
          interval: SCRAPE_INTERVAL,
          scheme: 'http',
          // No source label and the default regex: the label is set to the replacement on every target.
          ...(model.gpu ? { relabelings: [{ action: 'replace' as const, targetLabel: PROM_GPU_POOL_LABEL, replacement: model.gpu.pool }] } : {}),
        },
        ...(options.outboundRequests
          ? [
              {
                port: ENVOY_METRICS_PORT,
                path: '/stats/prometheus',
                interval: SCRAPE_INTERVAL,
                scheme: 'http' as const,
                metricRelabelings: [
                  { sourceLabels: ['__name__'], regex: 'istio_requests_total', action: 'keep' as const },
                  { sourceLabels: ['reporter'], regex: 'source', action: 'keep' as const },
                ],
              },
            ]
          : []),
      ],
    },
  });
}
