/**
 * The capacity report in words: what a pool's units are, what its status means, and the whole of a
 * pool's chart as one sentence (the chart's accessible name, so a screen reader hears the numbers
 * the bars draw).
 */
import type { PoolCapacity } from '../api/types.ts';

/** What one unit of the pool's resource is: a GPU, a MIG slice, or a time-sliced share of a GPU. */
export function unitKind(resource: string): string {
  if (resource.endsWith('.shared')) return 'time-sliced shares of a GPU';
  const mig = /^nvidia\.com\/mig-(.+)$/.exec(resource);
  if (mig) return `MIG slices (${mig[1]})`;
  if (resource === 'nvidia.com/gpu') return 'whole GPUs';
  return 'units';
}

export type Severity = 'ok' | 'warning' | 'error';

/** `min-over-capacity` and `rollout-over-capacity` are errors (validate fails), `max-over-capacity` a warning. */
export function severityOf(status: PoolCapacity['status']): Severity {
  return status === 'ok' ? 'ok' : status === 'max-over-capacity' ? 'warning' : 'error';
}

/** The status as a sentence with its numbers, as capacity counts them. */
export function statusSentence(pool: PoolCapacity): string {
  switch (pool.status) {
    case 'ok':
      return `fits: the maximum with rollout surge (${pool.max}) is within the capacity (${pool.capacity})`;
    case 'max-over-capacity':
      return `over capacity at maximum: ${pool.max} units with rollout surge, the pool holds ${pool.capacity}`;
    case 'rollout-over-capacity':
      return `no rollout fits: the minimum plus the largest rollout needs ${pool.minRollout} units, the pool holds ${pool.capacity}`;
    case 'min-over-capacity':
      return `the minimum does not fit: ${pool.min} units, the pool holds ${pool.capacity}`;
  }
}

export const STATUS_ICON: Readonly<Record<Severity, string>> = { ok: '✓', warning: '⚠', error: '✗' };
export const SEVERITY_WORD: Readonly<Record<Severity, string>> = { ok: 'OK', warning: 'Warning', error: 'Error' };

/** The chart's numbers in one sentence. */
export function chartDescription(environment: string, pool: PoolCapacity): string {
  return (
    `Pool ${pool.pool} of ${environment}, in ${pool.resource} (${unitKind(pool.resource)}): ` +
    `capacity ${pool.capacity} units; demand ${pool.min} at minimum, ${pool.minRollout} at minimum plus the largest rollout, ` +
    `${pool.max} at maximum with rollout surge. ${SEVERITY_WORD[severityOf(pool.status)]}: ${statusSentence(pool)}.`
  );
}
