/**
 * Autoscaling on GPUs with KEDA: a ScaledObject per autoscaled track, its Prometheus triggers on
 * Triton's own metrics scoped to that track's pods. Scale-up is fast (a queue grows in seconds),
 * scale-down slow and stabilised (a GPU replica takes minutes to load its model again). Scale to
 * zero is opt-in; such a model is woken by the requests sent to it through the ingress gateway or
 * by a pipeline (whose sidecars are scraped for them).
 */
import type { Construct } from 'constructs';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { AutoscalingPlan, EnvironmentCore, ModelPlan, TrackName, TrackPlan } from '@tritonops/planner';
import { PROMETHEUS_URL } from './flux/infrastructure.ts';
import { modelLabels, trackSelector } from './labels.ts';
import { deploymentPods, incomingRequestRate, triggerQueries, type TriggerQuery } from './promql.ts';
import { typedObject } from './typed-api-object.ts';

/** Name of the trigger that wakes a model scaled to zero. */
export const WAKE_TRIGGER = 'incoming-requests';

/** The KEDA triggers of one Deployment's pods. */
export function scaledObjectTriggers(
  env: EnvironmentCore,
  model: ModelPlan,
  autoscaling: AutoscalingPlan,
  deployment: string,
  track: TrackName,
): TriggerQuery[] {
  const queries = triggerQueries(autoscaling.triggers, deploymentPods(env.namespace, model.name, deployment, track));
  if (autoscaling.idleSeconds === undefined) return queries;
  // Any request sent to the model activates it (activationThreshold 0); the threshold is
  // high so that this trigger never asks for more than one replica on its own.
  return [...queries, { name: WAKE_TRIGGER, query: incomingRequestRate(env.namespace, model.name), threshold: 1_000_000, metricType: 'AverageValue' }];
}

export function addScaledObject(scope: Construct, env: EnvironmentCore, model: ModelPlan, track: TrackPlan): void {
  const autoscaling = model.autoscaling;
  const bounds = track.autoscale;
  if (!autoscaling || !bounds) return;
  scaledObject(scope, env, model, track, autoscaling, bounds);
}

/**
 * What a Flagger target that does not autoscale gets instead of `spec.replicas` (which Flagger
 * sets to zero and Flux would set back): a ScaledObject whose bounds are equal, for Flagger to
 * copy to its primary. Its trigger (queue time at the model's SLO) never moves the count. It stays
 * during a handover after analysis is switched off: Flagger's finaliser resumes it before it
 * hands the model back, and fails for as long as it is missing.
 */
export function addFixedSizeScaledObject(scope: Construct, env: EnvironmentCore, model: ModelPlan): void {
  const stable = model.tracks[0]!;
  if (model.autoscaling || !(model.analysis || model.handover)) return;
  scaledObject(scope, env, model, stable, fixedSizeScaling(model), { minReplicas: stable.replicas, maxReplicas: stable.replicas });
}

function fixedSizeScaling(model: ModelPlan): AutoscalingPlan {
  return {
    triggers: { queueTimeMs: model.slo.queueTimeMs, gpuUtilizationSource: 'triton', timeToFirstTokenQuantile: 0.95 },
    pollingIntervalSeconds: 60,
    scaleDownStabilizationSeconds: 600,
  };
}

/**
 * Above what a trigger keeps a scale-to-zero model awake (KEDA: active when any trigger reads more
 * than its activation threshold). Requests, queues and latencies are 0 when idle: any of them wakes
 * it. GPU memory is what the loaded model holds, never 0, and GPU utilisation may be a co-tenant's:
 * they keep it awake only above their scaling target, or it would never go to zero.
 */
function activationThreshold(trigger: TriggerQuery): number {
  return trigger.name === 'gpu-memory' || trigger.name === 'gpu-utilization' ? trigger.threshold : 0;
}

/** The scaling Flagger copies to its primary: the model's own, or the fixed size. */
export function flaggerScaling(model: ModelPlan): AutoscalingPlan {
  return model.autoscaling ?? fixedSizeScaling(model);
}

function scaledObject(
  scope: Construct,
  env: EnvironmentCore,
  model: ModelPlan,
  track: TrackPlan,
  autoscaling: AutoscalingPlan,
  bounds: { minReplicas: number; maxReplicas: number },
): void {
  const triggers = scaledObjectTriggers(env, model, autoscaling, track.deploymentName, track.track);
  const scaleToZero = autoscaling.idleSeconds !== undefined && bounds.minReplicas === 0;
  typedObject<IScaledObject>(scope, `scaled-object-${track.track}`, {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: track.deploymentName, namespace: env.namespace, labels: { ...modelLabels(env, model), ...trackSelector(model, track.track) } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: track.deploymentName },
      minReplicaCount: bounds.minReplicas,
      maxReplicaCount: bounds.maxReplicas,
      pollingInterval: autoscaling.pollingIntervalSeconds,
      ...(scaleToZero ? { cooldownPeriod: autoscaling.idleSeconds } : {}),
      // KEDA can fall back only for AverageValue triggers; validation enforces it.
      ...(autoscaling.fallbackReplicas !== undefined ? { fallback: { failureThreshold: 3, replicas: autoscaling.fallbackReplicas } } : {}),
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: {
              stabilizationWindowSeconds: 0,
              selectPolicy: 'Max',
              policies: [
                { type: 'Pods', value: 2, periodSeconds: 60 },
                { type: 'Percent', value: 100, periodSeconds: 60 },
              ],
            },
            scaleDown: {
              stabilizationWindowSeconds: autoscaling.scaleDownStabilizationSeconds,
              selectPolicy: 'Min',
              policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
            },
          },
        },
      },
      triggers: triggers.map((t) => ({
        type: 'prometheus',
        name: t.name,
        metricType: t.metricType,
        metadata: {
          serverAddress: PROMETHEUS_URL,
          query: t.query,
          threshold: String(t.threshold),
          ...(scaleToZero ? { activationThreshold: String(activationThreshold(t)) } : {}),
          // No series (no replica yet, no traffic yet) means zero, not an error.
          ignoreNullValues: 'true',
        },
      })),
    },
  });
}
