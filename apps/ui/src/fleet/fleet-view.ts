/**
 * What the fleet page shows of GET /api/fleet, as plain functions: the environments in promotion
 * order, the rows a search and the filters leave, and the counts. Everything a keystroke needs is
 * prepared once per answer (`indexFleet`), so filtering 1000 rows is a pass over strings and flags.
 */
import type { EnvironmentSummary, FleetCell, FleetRow, SpecKind } from '../api/types.ts';
import { plural } from '../shell/plural.ts';

/** Sources before the environments they feed (dev → staging → production); roots and siblings by name. */
export function promotionOrder(environments: readonly EnvironmentSummary[]): EnvironmentSummary[] {
  const byName = new Map(environments.map((e) => [e.name, e] as const));
  const byNameOrder = (a: EnvironmentSummary, b: EnvironmentSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const ordered: EnvironmentSummary[] = [];
  const placed = new Set<string>();
  const place = (env: EnvironmentSummary) => {
    if (placed.has(env.name)) return;
    placed.add(env.name);
    ordered.push(env);
    const next = env.promotesTo.flatMap((name) => byName.get(name) ?? []).sort(byNameOrder);
    for (const target of next) place(target);
  };
  const roots = environments.filter((e) => !e.promotedFrom || !byName.has(e.promotedFrom)).sort(byNameOrder);
  for (const root of roots) place(root);
  // A chain that loops has no root: still show its environments (the validators report the loop).
  for (const env of [...environments].sort(byNameOrder)) place(env);
  return ordered;
}

export type KindFilter = 'all' | SpecKind;

export interface FleetFilter {
  /** Substring of a name, release or pool, in any case. */
  readonly search: string;
  readonly kind: KindFilter;
  readonly waiting: boolean;
  readonly canary: boolean;
  readonly override: boolean;
  /** A pool's name, or '' for any. */
  readonly pool: string;
}

export const NO_FILTER: FleetFilter = { search: '', kind: 'all', waiting: false, canary: false, override: false, pool: '' };

/** A row with what filtering asks of it, computed once. */
export interface IndexedRow {
  readonly row: FleetRow;
  /** Name, releases (stable and canary) and pools of every cell, lower case, one per line. */
  readonly text: string;
  readonly waiting: boolean;
  readonly canary: boolean;
  readonly override: boolean;
  readonly pools: ReadonlySet<string>;
}

export function indexFleet(rows: readonly FleetRow[]): IndexedRow[] {
  return rows.map((row) => {
    const cells: FleetCell[] = Object.values(row.cells);
    const parts = [row.name];
    const pools = new Set<string>();
    for (const cell of cells) {
      parts.push(cell.release);
      if (cell.canary) parts.push(cell.canary.release);
      if (cell.pool) {
        parts.push(cell.pool);
        pools.add(cell.pool);
      }
    }
    return {
      row,
      text: parts.join('\n').toLowerCase(),
      waiting: cells.some((c) => c.promotion.state === 'waiting'),
      canary: cells.some((c) => c.canary !== undefined),
      override: cells.some((c) => c.override !== undefined),
      pools,
    };
  });
}

export function filterFleet(rows: readonly IndexedRow[], filter: FleetFilter): FleetRow[] {
  const search = filter.search.trim().toLowerCase();
  const out: FleetRow[] = [];
  for (const r of rows) {
    if (filter.kind !== 'all' && r.row.kind !== filter.kind) continue;
    if ((filter.waiting && !r.waiting) || (filter.canary && !r.canary) || (filter.override && !r.override)) continue;
    if (filter.pool && !r.pools.has(filter.pool)) continue;
    if (search && !r.text.includes(search)) continue;
    out.push(r.row);
  }
  return out;
}

export interface FleetCounts {
  readonly models: number;
  readonly pipelines: number;
  /** Cells whose source runs a release that may move there: one `promote` each. */
  readonly waiting: number;
}

export function countFleet(rows: readonly FleetRow[]): FleetCounts {
  let models = 0;
  let pipelines = 0;
  let waiting = 0;
  for (const row of rows) {
    if (row.kind === 'model') models++;
    else pipelines++;
    for (const cell of Object.values(row.cells)) if (cell.promotion.state === 'waiting') waiting++;
  }
  return { models, pipelines, waiting };
}

/** The command that moves the waiting release, as `tritonops promote` takes it. */
export const promoteCommand = (name: string, from: string, to: string) => `tritonops promote ${name} --from ${from} --to ${to}`;

/** The page of a model or pipeline of an environment: the model form or the pipeline editor. */
export const specHash = (kind: SpecKind, env: string, name: string) => `#/${kind === 'model' ? 'models' : 'pipelines'}/${env}/${name}`;

/** `1 replica`, `0–2 replicas (autoscaling)`. */
export function scaleLabel(scale: FleetCell['scale']): string {
  if ('replicas' in scale) return plural(scale.replicas, 'replica');
  return `${scale.minReplicas}–${scale.maxReplicas} replicas (autoscaling)`;
}

/** `10% · header x-canary: true · mirror 100%`: the canary's traffic, in the order requests meet it. */
export function canaryTraffic(canary: NonNullable<FleetCell['canary']>): string {
  const parts: string[] = [];
  if (canary.weight !== undefined) parts.push(`${canary.weight}%`);
  if (canary.header)
    parts.push(
      `header ${Object.entries(canary.header)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}`,
    );
  if (canary.mirror !== undefined) parts.push(`mirror ${canary.mirror}%`);
  if (canary.analysis) parts.push(`Flagger analysis: ${canary.analysis}`);
  return parts.join(' · ');
}
