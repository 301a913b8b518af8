/**
 * Alerts per model, one PrometheusRule per model (in the model's own folder, so they come and go
 * with it, and so that no object grows with the fleet: one rule for 1000 models is 2.7 MB, past
 * what etcd stores): error ratio above the model's SLO, queue
 * time above its target, no ready replica, and autoscaling pinned at its maximum. Deployment and
 * HPA state come from kube-state-metrics (part of kube-prometheus-stack); KEDA names the HPA of a
 * ScaledObject `keda-hpa-<name>`.
 */
import type { Construct } from 'constructs';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { EnvironmentCore, ModelPlan, TrackPlan } from '@tritonops/planner';
import { environmentLabels, modelLabels } from './labels.ts';
import { modelSeries, RATE_WINDOW, selectSeries } from './promql.ts';
import { typedObject } from './typed-api-object.ts';

type Rule = NonNullable<NonNullable<IPrometheusRule['spec']['groups']>[number]['rules']>[number];

/**
 * The Deployments that serve: under Flagger analysis the primary copy (its target runs only during
 * an analysis, and its ScaledObject is paused), otherwise each track's own.
 */
function servingTracks(model: ModelPlan): TrackPlan[] {
  return model.analysis ? model.tracks.map((t) => ({ ...t, deploymentName: `${t.deploymentName}-primary` })) : [...model.tracks];
}

function modelRules(env: EnvironmentCore, model: ModelPlan): Rule[] {
  const series = modelSeries(env.namespace, model.name);
  const labels = { severity: 'warning', model: model.name, environment: env.name };
  const rate = (metric: string) => `sum(rate(${selectSeries(metric, series)}[5m]))`;
  const rules: Rule[] = [
    {
      alert: 'TritonModelErrorRatioHigh',
      expr: `${rate('nv_inference_request_failure')} / clamp_min(${rate('nv_inference_request_success')} + ${rate('nv_inference_request_failure')}, 1e-9) > ${((100 - model.slo.successRate) / 100).toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`,
      for: '5m',
      labels: { ...labels, severity: 'critical' },
      annotations: {
        summary: `${model.name}: more than ${Number((100 - model.slo.successRate).toFixed(4))}% of inferences fail`,
        description: `Error ratio of ${model.name} in ${env.name} is {{ $value | humanizePercentage }}, above its SLO of ${model.slo.successRate}% success.`,
      },
    },
    {
      alert: 'TritonModelQueueTimeHigh',
      expr: `sum(rate(nv_inference_queue_duration_us{${series}}[${RATE_WINDOW}])) / clamp_min(sum(rate(nv_inference_request_success{${series}}[${RATE_WINDOW}])), 1e-9) / 1000 > ${model.slo.queueTimeMs}`,
      for: '10m',
      labels,
      annotations: {
        summary: `${model.name}: requests wait more than ${model.slo.queueTimeMs} ms in Triton's queue`,
        description: `Mean queue time of ${model.name} in ${env.name} is {{ $value | humanize }} ms. More replicas (maxReplicas, GPU capacity) or dynamic batching may help.`,
      },
    },
    ...servingTracks(model).map((track): Rule => ({
      alert: 'TritonModelNoReadyReplicas',
      expr: `sum(kube_deployment_status_replicas_available{namespace="${env.namespace}",deployment="${track.deploymentName}"}) < 1 and sum(kube_deployment_spec_replicas{namespace="${env.namespace}",deployment="${track.deploymentName}"}) > 0`,
      for: '5m',
      labels: { ...labels, severity: 'critical', track: track.track },
      annotations: {
        summary: `${track.deploymentName}: no replica is ready`,
        description: `Deployment ${track.deploymentName} in ${env.name} should run replicas but none is ready: the model is down for this track.`,
      },
    })),
    // Only where autoscaling moves the count: a fixed-size ScaledObject (min = max, what a Flagger
    // target that does not autoscale gets) is always at its maximum, and so is KEDA's HPA of a
    // model scaled to zero with at most one replica (the HPA's minimum is never below 1).
    ...servingTracks(model)
      .filter((t) => t.autoscale && Math.max(1, t.autoscale.minReplicas) < t.autoscale.maxReplicas)
      .map((track): Rule => ({
        alert: 'TritonModelAtMaxReplicas',
        expr: `max(kube_horizontalpodautoscaler_status_current_replicas{namespace="${env.namespace}",horizontalpodautoscaler="keda-hpa-${track.deploymentName}"}) >= max(kube_horizontalpodautoscaler_spec_max_replicas{namespace="${env.namespace}",horizontalpodautoscaler="keda-hpa-${track.deploymentName}"})`,
        for: '30m',
        labels: { ...labels, track: track.track },
        annotations: {
          summary: `${track.deploymentName}: autoscaling is pinned at maxReplicas`,
          description: `${track.deploymentName} in ${env.name} has run at its maximum of replicas for 30 minutes; raise maxReplicas if the GPU pool has room (tritonops capacity --env ${env.name}).`,
        },
      })),
  ];
  return rules;
}

export function addModelAlerts(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  typedObject<IPrometheusRule>(scope, 'prometheus-rule', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `triton-${model.name}`, namespace: env.namespace, labels: modelLabels(env, model) },
    spec: { groups: [{ name: `triton-${model.name}`, rules: modelRules(env, model) }] },
  });
}

/**
 * Earlier versions held every model's alerts in one PrometheusRule of the environment, applied by
 * the Kustomization that is now retired and never prunes: it stays rendered, with no rules, so
 * that its alerts do not fire twice beside the per-model ones.
 */
export function addRetiredAlerts(scope: Construct, env: EnvironmentCore): void {
  typedObject<IPrometheusRule>(scope, 'prometheus-rule', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'triton-models', namespace: env.namespace, labels: environmentLabels(env) },
    spec: { groups: [] },
  });
}
