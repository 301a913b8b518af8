/**
 * GPU capacity planning: for each pool, the units of its resource (whole GPUs, MIG slices or
 * time-sliced shares) that every model and track demands at minimum and at maximum scale, against
 * what the pool can offer (`maxNodes × gpusPerNode`). A minimum that does not fit is an error (the
 * environment cannot even start); a maximum that does not fit is a warning (autoscaling will stall).
 */
import { compareStrings, type Diagnostic } from './diagnostics.ts';
import { parseQuantity } from './quantity.ts';
import type { EnvironmentPlan } from './plan.ts';
import { formatBytes } from './semantic.ts';
import type { SourceFile } from './source-file.ts';

export interface TrackDemand {
  readonly model: string;
  /** `stable`, `canary`, or for Flagger models `primary+canary`. */
  readonly track: string;
  readonly gpusPerReplica: number;
  /** GPU memory one replica needs, when its spec says. */
  readonly gpuMemoryPerReplica?: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly min: number;
  readonly max: number;
}

export interface PoolCapacity {
  readonly pool: string;
  readonly resource: string;
  readonly nodes: number;
  readonly unitsPerNode: number;
  readonly capacity: number;
  /** Memory of one unit: a GPU, a MIG slice, or a time-sliced share of a GPU. */
  readonly unitMemory: string;
  /** GPU memory of the whole pool, and what the models that declare theirs need at maximum. */
  readonly memoryCapacity: string;
  readonly maxMemoryDeclared: string;
  readonly min: number;
  readonly max: number;
  readonly status: 'ok' | 'max-over-capacity' | 'min-over-capacity';
  readonly demands: readonly TrackDemand[];
}

export interface EnvironmentCapacity {
  readonly environment: string;
  readonly pools: readonly PoolCapacity[];
}

export function planCapacity(env: EnvironmentPlan): EnvironmentCapacity {
  const pools = Object.entries(env.gpuPools).map(([name, pool]): PoolCapacity => {
    const demands: TrackDemand[] = [];
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
        });
      }
    }
    const capacity = pool.maxNodes * pool.gpusPerNode;
    const min = demands.reduce((n, d) => n + d.min, 0);
    const max = demands.reduce((n, d) => n + d.max, 0);
    const unitBytes = (parseQuantity(pool.gpuMemory) ?? 0) / (pool.timeSlicingReplicas ?? 1);
    const declared = env.models
      .filter((m) => m.gpu?.pool === name && m.gpuMemoryBytes !== undefined)
      .reduce((n, m) => n + m.gpuMemoryBytes! * demands.filter((d) => d.model === m.name).reduce((r, d) => r + d.maxReplicas, 0), 0);
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
      status: min > capacity ? 'min-over-capacity' : max > capacity ? 'max-over-capacity' : 'ok',
      demands: demands.sort((a, b) => compareStrings(a.model, b.model) || compareStrings(a.track, b.track)),
    };
  });
  return { environment: env.name, pools: pools.sort((a, b) => compareStrings(a.pool, b.pool)) };
}

/** Errors and warnings for pools that do not fit, at the pool's `maxNodes` in environment.yaml. */
export function capacityDiagnostics(capacity: EnvironmentCapacity, environmentFile: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const pool of capacity.pools) {
    if (pool.status === 'ok') continue;
    const atMin = pool.status === 'min-over-capacity';
    const demand = atMin ? pool.min : pool.max;
    const parts = pool.demands
      .filter((d) => (atMin ? d.min : d.max) > 0)
      .map((d) => `${d.model}${d.track === 'stable' ? '' : ` (${d.track})`} ${atMin ? d.minReplicas : d.maxReplicas}×${d.gpusPerReplica}`);
    out.push({
      severity: atMin ? 'error' : 'warning',
      code: atMin ? 'capacity-min' : 'capacity-max',
      file: environmentFile.path,
      ...environmentFile.locate(['spec', 'gpuPools', pool.pool, 'maxNodes']),
      message:
        `GPU pool "${pool.pool}" ${atMin ? 'cannot fit the minimum demand' : 'cannot fit the demand at maximum scale'}: ` +
        `${demand} ${pool.resource} (${parts.join(', ')}) but ${pool.nodes} nodes × ${pool.unitsPerNode} = ${pool.capacity}`,
      hint: atMin
        ? 'raise maxNodes, lower replicas or minReplicas, or move a model to another pool'
        : 'autoscaling will stop short of maxReplicas: raise maxNodes or lower maxReplicas',
    });
  }
  return out;
}

/** The capacity report as text, one block per environment and pool. */
export function formatCapacityTable(reports: readonly EnvironmentCapacity[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(`environment ${report.environment}`);
    if (report.pools.length === 0) lines.push('  (no GPU pools)');
    for (const pool of report.pools) {
      const status = pool.status === 'ok' ? 'ok' : pool.status === 'max-over-capacity' ? 'WARNING: over capacity at max' : 'ERROR: over capacity at min';
      lines.push(
        `  pool ${pool.pool}: ${pool.resource}, ${pool.nodes} nodes × ${pool.unitsPerNode} = ${pool.capacity}, ${pool.unitMemory} per unit; demand ${pool.min}..${pool.max}: ${status}`,
        `    GPU memory: ${pool.memoryCapacity} in the pool, ${pool.maxMemoryDeclared} declared by its models at maximum`,
      );
      const rows = pool.demands.map((d) => [d.model, d.track, `${d.gpusPerReplica}`, d.gpuMemoryPerReplica ?? '-', `${d.minReplicas}..${d.maxReplicas}`, `${d.min}..${d.max}`]);
      const header = ['model', 'track', 'units/replica', 'memory/replica', 'replicas', 'units'];
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

export function formatCapacityMarkdown(reports: readonly EnvironmentCapacity[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(`### ${report.environment}`, '');
    lines.push('| Pool | Resource | Capacity | Unit memory | Min demand | Max demand | GPU memory (declared at max / pool) | Status |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const p of report.pools) {
      const status = p.status === 'ok' ? 'ok' : p.status === 'max-over-capacity' ? '⚠️ over at max' : '❌ over at min';
      lines.push(`| ${p.pool} | \`${p.resource}\` | ${p.nodes} × ${p.unitsPerNode} = ${p.capacity} | ${p.unitMemory} | ${p.min} | ${p.max} | ${p.maxMemoryDeclared} / ${p.memoryCapacity} | ${status} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
