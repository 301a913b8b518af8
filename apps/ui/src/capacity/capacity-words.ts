/**
 * The capacity report in words: what a pool's units are, what its status means, how much of the
 * pool the maximum uses, and the whole of a pool's chart as one sentence (the chart's accessible
 * name, so a screen reader hears the numbers the bars draw).
 */
import type { PoolCapacity } from '../api/types.ts';
import { plural } from '../shell/plural.ts';

/** What one unit of the pool's resource is: a GPU, a MIG slice, or a time-sliced share of a GPU. */
export function unitKind(resource: string): string {
  if (resource.endsWith('.shared')) return 'time-sliced shares of a GPU';
  const mig = /^nvidia\.com\/mig-(.+)$/.exec(resource);
  if (mig) return `MIG slices (${mig[1]})`;
  if (resource === 'nvidia.com/gpu') return 'whole GPUs';
  return 'units';
}

/**
 * How the page marks a pool. `min-over-capacity` and `rollout-over-capacity` are errors (validate
 * fails), `max-over-capacity` a warning; a pool that fits with its maximum filling it is "at limit":
 * capacity says ok, but one more replica anywhere on it would not fit.
 */
export type Severity = 'ok' | 'at-limit' | 'warning' | 'error';

export function severityOf(pool: PoolCapacity): Severity {
  if (pool.status === 'ok') return pool.max > 0 && pool.max >= pool.capacity ? 'at-limit' : 'ok';
  return pool.status === 'max-over-capacity' ? 'warning' : 'error';
}

/** The share of the pool the maximum with rollout surge takes (1 = full); a pool of no capacity that something needs is infinitely over. */
export function shareAtMaximum(pool: PoolCapacity): number {
  if (pool.capacity > 0) return pool.max / pool.capacity;
  return pool.max > 0 ? Infinity : 0;
}

/** The pools of an environment, the one closest to (or furthest past) its limit first; ties keep the report's order. */
export function fullestFirst(pools: readonly PoolCapacity[]): PoolCapacity[] {
  return [...pools].sort((a, b) => shareAtMaximum(b) - shareAtMaximum(a));
}

/** "max 7 of 9 units, 77%, 2 units free": the use at maximum and what is left (or missing). Percentages round down, so 100% means full. */
export function usageText(pool: PoolCapacity): string {
  if (pool.capacity === 0) return `max ${pool.max} of 0 units: the pool holds nothing`;
  const percent = Math.floor((pool.max / pool.capacity) * 100);
  const left = pool.capacity - pool.max;
  const headroom = left > 0 ? `${plural(left, 'unit')} free` : left === 0 ? 'no headroom' : `${plural(-left, 'unit')} over`;
  return `max ${pool.max} of ${plural(pool.capacity, 'unit')}, ${percent}%, ${headroom}`;
}

/** The status as a sentence with its numbers, as capacity counts them. */
export function statusSentence(pool: PoolCapacity): string {
  switch (pool.status) {
    case 'ok':
      return severityOf(pool) === 'at-limit'
        ? `fits with no headroom: the maximum with rollout surge (${pool.max}) fills the capacity (${pool.capacity})`
        : `fits: the maximum with rollout surge (${pool.max}) is within the capacity (${pool.capacity})`;
    case 'max-over-capacity':
      return `over capacity at maximum: ${plural(pool.max, 'unit')} with rollout surge, the pool holds ${pool.capacity}`;
    case 'rollout-over-capacity':
      return `no rollout fits: the minimum plus the largest rollout needs ${plural(pool.minRollout, 'unit')}, the pool holds ${pool.capacity}`;
    case 'min-over-capacity':
      return `the minimum does not fit: ${plural(pool.min, 'unit')}, the pool holds ${pool.capacity}`;
  }
}

export const STATUS_ICON: Readonly<Record<Severity, string>> = { ok: '✓', 'at-limit': '⚠', warning: '⚠', error: '✗' };
export const SEVERITY_WORD: Readonly<Record<Severity, string>> = { ok: 'OK', 'at-limit': 'At limit', warning: 'Warning', error: 'Error' };

/** The chart's numbers in one sentence. */
export function chartDescription(environment: string, pool: PoolCapacity): string {
  return (
    `Pool ${pool.pool} of ${environment}, in ${pool.resource} (${unitKind(pool.resource)}): ` +
    `capacity ${plural(pool.capacity, 'unit')}; demand ${pool.min} at minimum, ${pool.minRollout} at minimum plus the largest rollout, ` +
    `${pool.max} at maximum with rollout surge. ${SEVERITY_WORD[severityOf(pool)]}: ${statusSentence(pool)}.`
  );
}
