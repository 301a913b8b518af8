/**
 * Scraping Triton's metrics port (8002) with prometheus-operator. The PodMonitor selects every
 * track of a model; the model, the track and `app.kubernetes.io/name` (which Flagger renames on its
 * primary copy) become target labels so that queries can tell the pods of each Deployment apart.
 */
import type { Construct } from 'constructs';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { EnvironmentCore, ModelPlan } from '@tritonops/spec';
import { APP_NAME_LABEL, MODEL_LABEL, modelLabels, modelSelector, TRACK_LABEL } from './labels.ts';
import { typedObject } from './typed-api-object.ts';

export const SCRAPE_INTERVAL = '15s';

export function addPodMonitor(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  typedObject<IPodMonitor>(scope, 'pod-monitor', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: model.name, namespace: env.namespace, labels: modelLabels(env, model) },
    spec: {
      selector: { matchLabels: modelSelector(model) },
      podTargetLabels: [MODEL_LABEL, TRACK_LABEL, APP_NAME_LABEL],
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: SCRAPE_INTERVAL, scheme: 'http' }],
    },
  });
}
