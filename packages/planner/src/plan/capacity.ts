/**
 * GPU capacity planning: for each pool, the units of its resource (whole GPUs, MIG slices or
 * time-sliced shares) that every model and track demands at minimum and at maximum scale, against
 * what the pool can offer (`maxNodes × gpusPerNode`).
 *
 * Rollouts are counted too. Every Deployment rolls with `maxSurge: 1, maxUnavailable: 0`: it
 * starts one new replica before it stops an old one, so while it rolls it needs one replica's
 * units more, and when the pool has no room for them the new replica stays Pending and the
 * rollout waits (old replicas keep serving; nothing fails over). What rolls: each track that runs
 * a replica (the stable and a static canary track alike), and for a Flagger model the primary,
 * which Flagger rolls the same way when it promotes, with the canary still running beside it.
 * A track at 0 replicas rolls without starting anything.
 *
 * - A minimum that does not fit is an error (the environment cannot even start), and so is a
 *   minimum that leaves no room for the largest single surge: no change to that model's pods
 *   could ever roll out (for a Flagger model at minimum scale the room is its canary's minimum
 *   plus the surge, or no release could pass its analysis).
 * - Room is counted per node for that rollout: a replica of `g` units needs them on one node, and
 *   free units spread over nodes may add up without any node holding `g`. See `strandedUnits`.
 * - A maximum that does not fit is a warning, and the maximum counts one surge replica per
 *   rolling Deployment: an environment-wide change rolls every Deployment at once, and at peak
 *   load those that find no room wait for the others (and may pass their progress deadline).
 */
import { compareStrings, type Diagnostic } from '../diagnostics.ts';
import { parseQuantity } from '../values/quantity.ts';
import type { EnvironmentPlan } from './types.ts';
import { formatBytes } from '../values/quantity.ts';
import type { SourceFile } from '../load/source-file.ts';

/** What one track of a model (or a Flagger model's primary and canary) needs of its pool, in the pool's units. */
export interface TrackDemand {
  /** The model's (or pipeline server's) name. */
  readonly model: string;
  /** `stable`, `canary`, or for Flagger models `primary+canary`. */
  readonly track: string;
  /** Units of the pool's resource one replica requests. */
  readonly gpusPerReplica: number;
  /** GPU memory one replica needs, when its spec says. */
  readonly gpuMemoryPerReplica?: string;
  /** Fewest replicas the track runs: its autoscaling minimum, or its fixed count. */
  readonly minReplicas: number;
  /** Most replicas the track runs: its autoscaling maximum, or its fixed count. */
  readonly maxReplicas: number;
  /** Units at minimum and at maximum scale, steady (no rollout). */
  readonly min: number;
  /** See `min`. */
  readonly max: number;
  /** Units of the one extra replica the track starts while it rolls at maximum scale (maxSurge 1); 0 when it runs none. */
  readonly surge: number;
  /**
   * Units a rollout adds at minimum scale: the surge replica, and for a Flagger model also its
   * canary at its minimum, which runs through the analysis and the promotion; 0 at 0 replicas.
   */
  readonly surgeAtMin: number;
  /**
   * Free units of the pool that rollout may be unable to use at minimum scale, so that it needs
   * them on top of `surgeAtMin`: its replicas need `gpusPerReplica` units on one node, and other
   * pods can leave fewer than that free on a node. 0 for replicas of one unit.
   */
  readonly stranded: number;
}

/** One GPU pool's capacity against the demand of every track placed on it; units are the pool's resource. */
export interface PoolCapacity {
  /** The pool's name. */
  readonly pool: string;
  /** Extended resource its units are counted in (a time-sliced pool's shares). */
  readonly resource: string;
  /** Most nodes the pool grows to (`maxNodes`). */
  readonly nodes: number;
  /** Units one node offers (the pool's `gpusPerNode`). */
  readonly unitsPerNode: number;
  /** Units the whole pool offers: `nodes × unitsPerNode`. */
  readonly capacity: number;
  /** Memory of one unit: a GPU, a MIG slice, or a time-sliced share of a GPU. */
  readonly unitMemory: string;
  /** GPU memory of the whole pool, and what the models that declare theirs need at maximum. */
  readonly memoryCapacity: string;
  /** See `memoryCapacity`. */
  readonly maxMemoryDeclared: string;
  /** Steady demand at minimum scale. */
  readonly min: number;
  /** Demand at maximum scale with every Deployment rolling at once: the steady maximum plus `surge`. */
  readonly max: number;
  /** The part of `max` that is rollout surge: one replica per rolling Deployment. */
  readonly surge: number;
  /** The least the pool must hold for any one rollout at minimum scale: `min` plus the largest `surgeAtMin + stranded`. */
  readonly minRollout: number;
  /** The worst finding: `min-over-capacity` and `rollout-over-capacity` are errors, `max-over-capacity` a warning. */
  readonly status: 'ok' | 'max-over-capacity' | 'rollout-over-capacity' | 'min-over-capacity';
  /** Every track placed on the pool. */
  readonly demands: readonly TrackDemand[];
}

/** The GPU capacity report of one environment (`planCapacity`). */
export interface EnvironmentCapacity {
  /** The environment's name. */
  readonly environment: string;
  /** One entry per GPU pool. */
  readonly pools: readonly PoolCapacity[];
}

/**
 * Free units a rollout of replicas of `gpus` units may find stranded: a node's free units that are
 * fewer than `gpus`. A node strands at most `gpus − 1`, and only where something leaves a remainder:
 * a pod whose size is not a multiple of `gpus`, or a node size that is not. So with `m` such nodes,
 * k replicas of `gpus` fit however the free units lie when the pool has
 * `k × gpus + (gpus − 1) × (m − 1)` free: spread `gpus − 1` on each of m − 1 nodes, the rest still
 * holds k replicas (with one fewer free, some spread may leave it short). The scheduler
 * spreads pods (least-allocated scoring), so that spread is no corner case. Counted against the
 * minimum, as the rollout check is; the maximum stays a sum of units.
 */
export function strandedUnits(gpus: number, pool: { readonly maxNodes: number; readonly gpusPerNode: number }, replicaSizes: readonly number[]): number {
  if (gpus <= 1) return 0;
  const odd = pool.gpusPerNode % gpus !== 0 ? pool.maxNodes : Math.min(pool.maxNodes, replicaSizes.filter((units) => units % gpus !== 0).length);
  return (gpus - 1) * Math.max(0, odd - 1);
}

export function planCapacity(env: EnvironmentPlan): EnvironmentCapacity {
  const pools = Object.entries(env.gpuPools).map(([name, pool]): PoolCapacity => {
    const demands: Omit<TrackDemand, 'stranded'>[] = [];
    for (const model of env.models) {
      if (model.gpu?.pool !== name) continue;
      const gpus = model.gpu.count;
      for (const track of model.tracks) {
        const minReplicas = track.autoscale ? track.autoscale.minReplicas : track.replicas;
        const maxReplicas = track.autoscale ? track.autoscale.maxReplicas : track.replicas;
        // Flagger runs its primary copy beside the canary during an analysis: twice at most.
        const flagger = model.analysis !== undefined;
        demands.push({
          model: model.name,
          track: flagger ? 'primary+canary' : track.track,
          gpusPerReplica: gpus,
          ...(model.gpuMemoryBytes !== undefined ? { gpuMemoryPerReplica: formatBytes(model.gpuMemoryBytes) } : {}),
          minReplicas,
          maxReplicas: flagger ? maxReplicas * 2 : maxReplicas,
          min: minReplicas * gpus,
          max: (flagger ? maxReplicas * 2 : maxReplicas) * gpus,
          surge: maxReplicas > 0 ? gpus : 0,
          surgeAtMin: minReplicas > 0 ? (flagger ? minReplicas + 1 : 1) * gpus : 0,
        });
      }
    }
    // Every replica running at minimum scale, by its size: what may leave remainders on nodes.
    const sizes = demands.flatMap((d) => Array<number>(d.minReplicas).fill(d.gpusPerReplica));
    const tracks: TrackDemand[] = demands.map((d) => ({ ...d, stranded: d.surgeAtMin > 0 ? strandedUnits(d.gpusPerReplica, pool, sizes) : 0 }));
    const capacity = pool.maxNodes * pool.gpusPerNode;
    const min = tracks.reduce((n, d) => n + d.min, 0);
    const surge = tracks.reduce((n, d) => n + d.surge, 0);
    const max = tracks.reduce((n, d) => n + d.max, 0) + surge;
    const minRollout = min + Math.max(0, ...tracks.map((d) => d.surgeAtMin + d.stranded));
    const unitBytes = (parseQuantity(pool.gpuMemory) ?? 0) / (pool.timeSlicingReplicas ?? 1);
    const declared = env.models
      .filter((m) => m.gpu?.pool === name && m.gpuMemoryBytes !== undefined)
      .reduce((n, m) => n + m.gpuMemoryBytes! * tracks.filter((d) => d.model === m.name).reduce((r, d) => r + d.maxReplicas, 0), 0);
    return {
      pool: name,
      resource: pool.resource,
      nodes: pool.maxNodes,
      unitsPerNode: pool.gpusPerNode,
      capacity,
      unitMemory: pool.timeSlicingReplicas ? formatBytes(unitBytes) : pool.gpuMemory,
      memoryCapacity: formatBytes(unitBytes * capacity),
      maxMemoryDeclared: formatBytes(declared),
      min,
      max,
      surge,
      minRollout,
      status: min > capacity ? 'min-over-capacity' : minRollout > capacity ? 'rollout-over-capacity' : max > capacity ? 'max-over-capacity' : 'ok',
      demands: tracks.sort((a, b) => compareStrings(a.model, b.model) || compareStrings(a.track, b.track)),
    };
  });
  return { environment: env.name, pools: pools.sort((a, b) => compareStrings(a.pool, b.pool)) };
}

/** Errors and warnings for pools that do not fit, at the pool's `maxNodes` in environment.yaml. */
export function capacityDiagnostics(capacity: EnvironmentCapacity, environmentFile: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const pool of capacity.pools) {
    if (pool.status === 'ok') continue;
    const at = { file: environmentFile.path, ...environmentFile.locate(['spec', 'gpuPools', pool.pool, 'maxNodes']) };
    const label = (d: TrackDemand) => `${d.model}${d.track === 'stable' ? '' : ` (${d.track})`}`;
    const offered = `${pool.nodes} nodes × ${pool.unitsPerNode} = ${pool.capacity}`;
    if (pool.status === 'min-over-capacity') {
      const parts = pool.demands.filter((d) => d.min > 0).map((d) => `${label(d)} ${d.minReplicas}×${d.gpusPerReplica}`);
      out.push({
        severity: 'error',
        code: 'capacity-min',
        ...at,
        message: `GPU pool "${pool.pool}" cannot fit the minimum demand: ${pool.min} ${pool.resource} (${parts.join(', ')}) but ${offered}`,
        hint: 'raise maxNodes, lower replicas or minReplicas, or move a model to another pool',
      });
    } else if (pool.status === 'rollout-over-capacity') {
      const largest = largestRollout(pool);
      const flagger = largest.track === 'primary+canary';
      out.push({
        severity: 'error',
        code: 'capacity-rollout',
        ...at,
        message:
          `GPU pool "${pool.pool}" has no room to roll out ${largest.model} at minimum scale: ${pool.min} ${pool.resource} run, and its rollout needs ${largest.surgeAtMin} more ` +
          `(${flagger ? `its canary ${largest.minReplicas}×${largest.gpusPerReplica} through the analysis, then ` : ''}one surge replica of ${largest.gpusPerReplica}, maxSurge 1)` +
          `${largest.stranded > 0 ? `, each replica's ${largest.gpusPerReplica} on one node, where pods of other sizes may leave up to ${largest.stranded} free units stranded on other nodes` : ''}, but ${offered}`,
        hint: 'rollouts start a new replica before stopping an old one (maxUnavailable 0): with no room for it, no change to its pods could ever roll out. Raise maxNodes, or lower replicas or minReplicas',
      });
    } else {
      const parts = pool.demands.filter((d) => d.max > 0).map((d) => `${label(d)} ${d.maxReplicas}×${d.gpusPerReplica}`);
      const steady = pool.max - pool.surge;
      out.push({
        severity: 'warning',
        code: 'capacity-max',
        ...at,
        message:
          `GPU pool "${pool.pool}" cannot fit the demand at maximum scale: ${pool.max} ${pool.resource} (${parts.join(', ')}, ` +
          `and ${pool.surge} for rollout surge: one replica per rolling Deployment) but ${offered}`,
        hint:
          steady > pool.capacity
            ? 'autoscaling will stop short of maxReplicas: raise maxNodes or lower maxReplicas'
            : `the replicas fit (${steady}), but at peak load a change that rolls every model finds no room for their surge replicas: the rollouts queue one after another and may pass their progress deadlines. Raise maxNodes to ${Math.ceil(pool.max / pool.unitsPerNode)}, or lower maxReplicas`,
      });
    }
  }
  return out;
}

/** The rollout that needs the most room at minimum scale. */
function largestRollout(pool: PoolCapacity): TrackDemand {
  return pool.demands.reduce((a, d) => (d.surgeAtMin + d.stranded > a.surgeAtMin + a.stranded ? d : a));
}

/** The capacity report as text, one block per environment and pool. */
export function formatCapacityTable(reports: readonly EnvironmentCapacity[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(`environment ${report.environment}`);
    if (report.pools.length === 0) lines.push('  (no GPU pools)');
    for (const pool of report.pools) {
      lines.push(
        `  pool ${pool.pool}: ${pool.resource}, ${pool.nodes} nodes × ${pool.unitsPerNode} = ${pool.capacity}, ${pool.unitMemory} per unit; demand ${pool.min}..${pool.max}: ${statusText(pool.status)}`,
        `    rollout surge (maxSurge 1): max includes ${pool.surge} (one replica per rolling Deployment); a rollout at min needs ${pool.minRollout}${strandedNote(pool)}`,
        `    GPU memory: ${pool.memoryCapacity} in the pool, ${pool.maxMemoryDeclared} declared by its models at maximum`,
      );
      const rows = pool.demands.map((d) => [
        d.model,
        d.track,
        `${d.gpusPerReplica}`,
        d.gpuMemoryPerReplica ?? '-',
        `${d.minReplicas}..${d.maxReplicas}`,
        `${d.min}..${d.max}`,
        d.surge > 0 ? `+${d.surge}` : '-',
      ]);
      const header = ['model', 'track', 'units/replica', 'memory/replica', 'replicas', 'units', 'surge'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const row = (cells: string[]) => `    ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
      lines.push(row(header));
      for (const r of rows) lines.push(row(r));
      if (rows.length === 0) lines.push('    (no models)');
    }
    lines.push('');
  }
  return lines.join('\n');
}

function strandedNote(pool: PoolCapacity): string {
  const largest = pool.demands.length > 0 ? largestRollout(pool) : undefined;
  return largest && largest.stranded > 0
    ? ` (${largest.stranded} of them free units a replica of ${largest.gpusPerReplica} may find stranded on other nodes)`
    : '';
}

function statusText(status: PoolCapacity['status']): string {
  switch (status) {
    case 'ok':
      return 'ok';
    case 'max-over-capacity':
      return 'WARNING: over capacity at max';
    case 'rollout-over-capacity':
      return 'ERROR: no room for a rollout at min';
    case 'min-over-capacity':
      return 'ERROR: over capacity at min';
  }
}

export function formatCapacityMarkdown(reports: readonly EnvironmentCapacity[]): string {
  const lines: string[] = [];
  const status = {
    ok: 'ok',
    'max-over-capacity': '⚠️ over at max',
    'rollout-over-capacity': '❌ no room to roll out at min',
    'min-over-capacity': '❌ over at min',
  } as const;
  for (const report of reports) {
    lines.push(`### ${report.environment}`, '');
    lines.push(
      '| Pool | Resource | Capacity | Unit memory | Min demand | Max demand (with rollout surge) | GPU memory (declared at max / pool) | Status |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const p of report.pools) {
      lines.push(
        `| ${p.pool} | \`${p.resource}\` | ${p.nodes} × ${p.unitsPerNode} = ${p.capacity} | ${p.unitMemory} | ${p.min} | ${p.max} (${p.surge} surge) | ${p.maxMemoryDeclared} / ${p.memoryCapacity} | ${status[p.status]} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
