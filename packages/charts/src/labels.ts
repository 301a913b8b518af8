/**
 * Label conventions. Selectors use only the `tritonops.dev/*` labels, which never change for the
 * life of a Deployment (selectors are immutable); everything else is informational.
 */
import type { EnvironmentCore, ModelPlan, TrackName } from '@tritonops/planner';

export const MODEL_LABEL = 'tritonops.dev/model';
export const TRACK_LABEL = 'tritonops.dev/track';
export const ENVIRONMENT_LABEL = 'tritonops.dev/environment';
export const APP_NAME_LABEL = 'app.kubernetes.io/name';

/**
 * Labels that select one track's pods: Deployment selector, DestinationRule subset. It carries
 * `app.kubernetes.io/name` because Flagger finds a target's pods by that label (and renames it
 * for the primary copy it makes).
 */
export function deploymentSelector(model: ModelPlan, track: TrackName): Record<string, string> {
  return { [APP_NAME_LABEL]: model.name, [TRACK_LABEL]: track };
}

/** Labels that survive Flagger's copy of a Deployment: PodDisruptionBudget, auth policies. */
export function trackSelector(model: ModelPlan, track: TrackName): Record<string, string> {
  return { [MODEL_LABEL]: model.name, [TRACK_LABEL]: track };
}

/** Labels that select every pod of a model, whatever its track: Service and PodMonitor. */
export function modelSelector(model: ModelPlan): Record<string, string> {
  return { [MODEL_LABEL]: model.name };
}

/** Labels on every object of an environment. */
export function environmentLabels(env: EnvironmentCore): Record<string, string> {
  return {
    ...env.labels,
    'app.kubernetes.io/managed-by': 'tritonops',
    [ENVIRONMENT_LABEL]: env.name,
  };
}

/**
 * Labels on every object of a model: the environment's and the spec's own first, so that ours
 * win (validation refuses reserved keys in specs; this keeps it so should one slip through).
 */
export function modelLabels(env: EnvironmentCore, model: ModelPlan): Record<string, string> {
  return {
    ...env.labels,
    ...model.labels,
    ...environmentLabels(env),
    [APP_NAME_LABEL]: model.name,
    'app.kubernetes.io/component': 'inference-server',
    'app.kubernetes.io/part-of': 'tritonops',
    [MODEL_LABEL]: model.name,
  };
}

/** Annotation that tells Flux never to delete an object, even when it leaves Git. */
export const FLUX_PRUNE_DISABLED = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } as const;

/**
 * Annotation that tells Flux to create an object but never to update it: what a handover puts on
 * a Deployment, so that `spec.replicas` can change hands (docs/transitions.md).
 */
export const FLUX_APPLY_IF_NOT_PRESENT = { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } as const;
