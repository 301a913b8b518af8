/**
 * Where a model's pods land: the pool's GPU resource in limits, its nodeSelector, and tolerations
 * for the taints GPU nodes carry. CPU-only models get none of these and stay off GPU nodes.
 */
import { k8s } from 'cdk8s-plus-28';
import type { ModelPlan } from '@tritonops/planner';

export interface Placement {
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  /** Extended-resource limits, e.g. `{ 'nvidia.com/gpu': 1 }`. */
  readonly limits: Record<string, k8s.Quantity>;
}

export function gpuPlacement(model: ModelPlan): Placement {
  const gpu = model.gpu;
  if (!gpu) return { limits: {} };
  return {
    nodeSelector: { ...gpu.nodeSelector },
    tolerations: gpu.tolerations.map((t) => ({ key: t.key, operator: t.operator, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
    // Extended resources are requested through limits only; requests default to the same value.
    limits: { [gpu.resource]: k8s.Quantity.fromNumber(gpu.count) },
  };
}
