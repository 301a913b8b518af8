/**
 * GPU-utilisation triggers read a physical GPU, which is not always the model's own:
 * - dcgm-exporter reports no `DCGM_FI_DEV_GPU_UTIL` for MIG instances, so a DCGM trigger on a MIG
 *   pool reads nothing, which KEDA takes for zero: the model never scales up (an error);
 * - on a time-sliced pool several models share one GPU: Triton reports the whole GPU, so a model
 *   scales on its neighbours' load and memory as much as on its own (a warning); and dcgm-exporter
 *   attributes a shared GPU to one of its pods only (without `--kubernetes-virtual-gpus`, off in
 *   the GPU operator's default), so the other tenants' DCGM triggers read nothing (an error).
 * Request-based triggers (queue time, inference rate, pending requests) are the model's own.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { SourceFile } from '../load/source-file.ts';
import type { AutoscalingSpec } from '@tritonops/spec';

export interface PoolKind {
  readonly name: string;
  readonly resource: string;
  readonly timeSliced: boolean;
}

const REQUEST_TRIGGERS = 'queueTimeMs, inferencesPerSecond or pendingRequests';

export function checkGpuTriggers(file: SourceFile, auto: AutoscalingSpec, pool: PoolKind): Diagnostic[] {
  const triggers = auto.triggers;
  const at = (key: string) => ({ file: file.path, ...file.locate(['spec', 'autoscaling', 'triggers', key], 'key') });
  const memory: Diagnostic[] =
    pool.timeSliced && triggers.gpuMemoryUtilization !== undefined
      ? [
          {
            severity: 'warning',
            code: 'gpu-memory-time-sliced',
            ...at('gpuMemoryUtilization'),
            message: `pool "${pool.name}" is time-sliced: the GPU memory this trigger reads is the whole GPU's, shared with other models, so what they hold scales this model too`,
            hint: `scale on ${REQUEST_TRIGGERS}, which count this model's own requests`,
          },
        ]
      : [];
  if (triggers.gpuUtilization === undefined) return memory;
  if (pool.timeSliced && triggers.gpuUtilizationSource === 'dcgm') {
    return [
      ...memory,
      {
        severity: 'error',
        code: 'dcgm-utilization-time-sliced',
        ...at('gpuUtilizationSource'),
        message: `pool "${pool.name}" is time-sliced: dcgm-exporter attributes each shared GPU to one of the pods using it, so the other pods' DCGM series do not exist and this trigger would read 0`,
        hint: `scale on ${REQUEST_TRIGGERS}`,
      },
    ];
  }
  if (pool.resource.startsWith('nvidia.com/mig-') && triggers.gpuUtilizationSource === 'dcgm') {
    return [
      ...memory,
      {
        severity: 'error',
        code: 'dcgm-utilization-on-mig',
        ...at('gpuUtilizationSource'),
        message: `pool "${pool.name}" hands out MIG instances (${pool.resource}), for which DCGM reports no GPU utilisation: the trigger would read 0 and never scale the model up`,
        hint: `scale a model on a MIG slice on ${REQUEST_TRIGGERS}`,
      },
    ];
  }
  if (pool.timeSliced) {
    return [
      ...memory,
      {
        severity: 'warning',
        code: 'gpu-utilization-time-sliced',
        ...at('gpuUtilization'),
        message: `pool "${pool.name}" is time-sliced: the GPU utilisation this trigger reads is the whole GPU's, shared with other models, so their load scales this model too`,
        hint: `scale on ${REQUEST_TRIGGERS}, which count this model's own requests`,
      },
    ];
  }
  return memory;
}
