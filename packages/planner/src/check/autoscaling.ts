/**
 * Autoscaling rules shared by models and pipelines: KEDA triggers that make sense, bounds in
 * order, scale to zero opted into, fallback only where KEDA can fall back; and the handover that
 * hands a running Deployment to the autoscaler.
 */
import type { AutoscalingSpec } from '@tritonops/spec';
import { type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import type { SourceFile } from '../load/source-file.ts';

/**
 * How KEDA treats each trigger. AverageValue: the query sums over replicas and the threshold is
 * per replica. Value: the query is a mean or a quantile and the threshold is its target.
 */
export const TRIGGER_METRIC_TYPES = {
  queueTimeMs: 'Value',
  gpuUtilization: 'Value',
  inferencesPerSecond: 'AverageValue',
  pendingRequests: 'AverageValue',
  gpuMemoryUtilization: 'Value',
  timeToFirstTokenMs: 'Value',
} as const;

/** Autoscaling rules shared by models and pipelines (whose servers have no GPU). */
export function checkAutoscaling(file: SourceFile, auto: AutoscalingSpec, hasGpu: boolean, handover: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { error, warn } = reporter(file, out);
  const at = ['spec', 'autoscaling'];
  const triggers = auto.triggers;
  const set = (Object.keys(TRIGGER_METRIC_TYPES) as (keyof typeof TRIGGER_METRIC_TYPES)[]).filter((k) => triggers[k] !== undefined);
  if (set.length === 0) {
    error(
      [...at, 'triggers'],
      'no-trigger',
      'autoscaling needs at least one trigger',
      `set one of ${Object.keys(TRIGGER_METRIC_TYPES).join(', ')}; e.g. \`queueTimeMs: 50\``,
      'key',
    );
  }
  if (auto.minReplicas > auto.maxReplicas) {
    error([...at, 'minReplicas'], 'min-over-max', `minReplicas (${auto.minReplicas}) is larger than maxReplicas (${auto.maxReplicas})`);
  }
  if (auto.minReplicas === 0 && !auto.scaleToZero) {
    error(
      [...at, 'minReplicas'],
      'zero-without-opt-in',
      'minReplicas: 0 scales the model to zero, which needs an explicit `scaleToZero`',
      'add `scaleToZero: { idleSeconds: 900 }` (and read its caveat), or keep at least one replica',
    );
  }
  if (auto.scaleToZero && auto.minReplicas !== 0) {
    error([...at, 'scaleToZero'], 'scale-to-zero-min', `scaleToZero needs minReplicas: 0, not ${auto.minReplicas}`, 'set `minReplicas: 0`', 'key');
  }
  if (auto.fallbackReplicas !== undefined) {
    const ratios = set.filter((k) => TRIGGER_METRIC_TYPES[k] === 'Value');
    if (ratios.length > 0) {
      error(
        [...at, 'fallbackReplicas'],
        'fallback-metric-type',
        `fallbackReplicas works only with per-replica triggers, but ${ratios.join(', ')} ${ratios.length === 1 ? 'is a' : 'are'} ratio (Value) trigger${ratios.length === 1 ? '' : 's'}`,
        'KEDA falls back only for AverageValue triggers: use inferencesPerSecond or pendingRequests, or remove fallbackReplicas',
        'key',
      );
    }
  }
  if (!hasGpu) {
    for (const k of ['gpuUtilization', 'gpuMemoryUtilization'] as const) {
      if (triggers[k] !== undefined)
        error(
          [...at, 'triggers', k],
          'gpu-trigger-on-cpu',
          `${k} needs a GPU, but ${file.path.includes('/pipelines/') ? 'a pipeline server runs on CPU' : 'the model has no gpuPool'}`,
          'scale a CPU-only model on queueTimeMs, inferencesPerSecond or pendingRequests',
          'key',
        );
    }
  }
  if (file.has(['spec', 'replicas']) && !handover) {
    warn(['spec', 'replicas'], 'replicas-ignored', '`replicas` is ignored: the model autoscales between minReplicas and maxReplicas', 'remove `replicas`');
  }
  return out;
}

/**
 * A handover is one pull request of a two-step change: it must have something to hand over, and it
 * must not be forgotten (Flux leaves the Deployment alone while it is set).
 */
export function checkHandover(file: SourceFile, handover: boolean, autoscales: boolean, kind: 'model' | 'pipeline'): Diagnostic[] {
  if (!handover) return [];
  const at = { file: file.path, ...file.locate(['spec', 'handover'], 'key') };
  // A model's handover may also be the step that switches analysis off (then it has neither);
  // `validate --base` judges whether it hands anything over. A pipeline only ever autoscales.
  if (!autoscales && kind === 'pipeline') {
    return [
      {
        severity: 'error',
        code: 'handover-without-takeover',
        ...at,
        message: '`handover` has nothing to hand over: for a pipeline it is the first step of turning `autoscaling` on',
        hint: 'remove `handover`',
      },
    ];
  }
  return [
    {
      severity: 'warning',
      code: 'handover-pending',
      ...at,
      message: 'while `handover` is set Flux leaves the running Deployment as it is: changes to its pods do not reach the cluster',
      hint: 'merge nothing else for this model, and remove `handover` in the next pull request (`tritonops diff` says when)',
    },
  ];
}
