/**
 * GET /api/fleet: every model and pipeline by environment, from the specs as loaded (also when
 * some have errors: the panel shows the errors beside the fleet instead of an empty page).
 *
 * A promotion is "waiting" when `tritonops promote` would move something: for a model its stable
 * release (what the promotion gate compares), for a pipeline any of the fields promote copies
 * (its graph is its release). The answer is computed once per load of the repository: the page
 * asks again on every visit, and a 1000-model fleet need not be walked again when nothing changed.
 */
import { parse } from 'yaml';
import { compareStrings, isProduction, MAX_FILE_BYTES, PROMOTION_OVERRIDE, releasesOf, type SpecSource } from '@tritonops/planner';
import { PIPELINE_PROMOTED_FIELDS } from '@tritonops/spec';
import type { CanarySummary, EnvironmentSummary, FleetCell, FleetResponse, FleetRow, PromotionState, SpecKind } from '@tritonops/ui/api';
import { toApiDiagnostics } from '../api-diagnostics.ts';
import type { Route } from '../route.ts';
import type { PanelLoad } from '../panel-state.ts';

interface ReleaseSpec {
  image?: string;
  repository?: string;
  localRepository?: string;
  models?: string[];
  args?: string[];
}

interface AnySpec extends ReleaseSpec {
  gpuPool?: string;
  gpus?: number;
  replicas?: number;
  autoscaling?: { minReplicas?: number; maxReplicas: number };
  auth?: { required?: boolean; roles?: string[] };
  canary?: ReleaseSpec & {
    weight?: number;
    header?: Record<string, string>;
    mirror?: { percent: number };
    analysis?: { interval?: string; threshold?: number; stepWeight?: number; maxWeight?: number };
  };
}

/** One loaded spec of an environment, with what promote would compare. */
interface Entry {
  readonly spec: AnySpec;
  readonly promotionKey: string;
  /** Repository-relative path of its file. */
  readonly file: string;
}

/** What tells two releases apart, shortest first: the repository, the image's tag, then the rest. */
function releaseLabel(spec: ReleaseSpec): string {
  const parts = [spec.repository ?? spec.localRepository, spec.image?.split('/').pop()].filter(Boolean) as string[];
  if (spec.models) parts.push(`models ${spec.models.join(', ')}`);
  if (spec.args?.length) parts.push(`args ${spec.args.join(' ')}`);
  return parts.join(' · ') || '(default image)';
}

function canarySummary(spec: AnySpec): CanarySummary | undefined {
  const c = spec.canary;
  if (!c) return undefined;
  const own = { image: c.image ?? spec.image, repository: c.repository ?? spec.repository, models: c.models ?? spec.models, args: c.args ?? spec.args };
  const a = c.analysis;
  return {
    release: a ? 'every release change (Flagger)' : releaseLabel(own),
    ...(c.weight !== undefined ? { weight: c.weight } : {}),
    ...(c.header ? { header: c.header } : {}),
    ...(c.mirror ? { mirror: c.mirror.percent } : {}),
    ...(a
      ? {
          analysis:
            [
              a.interval && `every ${a.interval}`,
              a.threshold !== undefined && `${a.threshold} failed checks abort`,
              a.stepWeight !== undefined && `+${a.stepWeight}% a step`,
              a.maxWeight !== undefined && `up to ${a.maxWeight}%`,
            ]
              .filter(Boolean)
              .join(', ') || 'Flagger',
        }
      : {}),
  };
}

function authLabel(spec: AnySpec, jwt: boolean): string {
  if (!jwt) return 'none';
  if (spec.auth?.required === false) return 'open (opted out)';
  return spec.auth?.roles ? `jwt: ${spec.auth.roles.join(', ')}` : 'jwt';
}

/** JSON with object keys sorted: two specs that say the same thing in another order compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compareStrings(a, b))) : v,
  );
}

function promotionKey(kind: SpecKind, spec: AnySpec): string {
  if (kind === 'model') return releasesOf({ ...spec, canary: undefined } as Parameters<typeof releasesOf>[0])[0]!;
  const fields = spec as Record<string, unknown>;
  return canonicalJson(PIPELINE_PROMOTED_FIELDS.map((field) => fields[field] ?? null));
}

/** What promote would compare, of the source's spec as the base branch has it; undefined when it has none. */
function keyAtBase(kind: SpecKind, base: SpecSource, file: string): string | undefined {
  try {
    const data = parse(Buffer.from(base.read(file, MAX_FILE_BYTES)).toString('utf8'), { logLevel: 'error' }) as { spec?: AnySpec } | null;
    return data?.spec ? promotionKey(kind, data.spec) : undefined;
  } catch {
    return undefined;
  }
}

function promotionOf(kind: SpecKind, entry: Entry, source: string | undefined, inSource: Entry | undefined, base: SpecSource | undefined): PromotionState {
  if (!source) return { state: 'in-sync' };
  if (!inSource) return { state: 'not-in-source', from: source };
  if (inSource.promotionKey === entry.promotionKey) return { state: 'in-sync' };
  const release = releaseLabel(inSource.spec);
  // A pipeline's graph may change under the same image and local repository.
  const telling = kind === 'pipeline' && release === releaseLabel(entry.spec) ? `${release} (other steps, tensors or signatures)` : release;
  // The gate compares with the base branch: a source release only in the working tree cannot move yet.
  const unmerged = base !== undefined && keyAtBase(kind, base, inSource.file) !== inSource.promotionKey;
  return { state: 'waiting', from: source, release: telling, ...(unmerged ? { unmerged } : {}) };
}

function cellOf(file: string, entry: Entry, promotion: PromotionState, jwt: boolean, override: string | undefined): FleetCell {
  const { spec } = entry;
  const canary = canarySummary(spec);
  return {
    file,
    release: releaseLabel(spec),
    ...(canary ? { canary } : {}),
    scale: spec.autoscaling ? { minReplicas: spec.autoscaling.minReplicas ?? 1, maxReplicas: spec.autoscaling.maxReplicas } : { replicas: spec.replicas ?? 1 },
    // A model on a pool asks for one unit unless it says more (the schema's default).
    ...(spec.gpuPool ? { pool: spec.gpuPool, gpus: spec.gpus ?? 1 } : {}),
    auth: authLabel(spec, jwt),
    promotion,
    ...(override ? { override } : {}),
  };
}

function summaries(envs: PanelLoad['environments']): EnvironmentSummary[] {
  return envs.map((e) => {
    const spec = e.environment?.value.spec;
    return {
      name: e.name,
      ...(spec?.promotedFrom ? { promotedFrom: spec.promotedFrom } : {}),
      promotesTo: envs.filter((o) => o.environment?.value.spec.promotedFrom === e.name).map((o) => o.name),
      production: isProduction(e.name),
      pools: Object.keys(spec?.gpuPools ?? e.partial?.gpuPools ?? {}).sort(compareStrings),
    };
  });
}

function fleetOf(load: PanelLoad): FleetResponse {
  const envs = load.environments;
  const specsOf = (env: (typeof envs)[number], kind: SpecKind) => (kind === 'model' ? env.models : env.pipelines);
  // Each environment's specs by kind and name, keyed once: a source is looked up by every spec of its targets.
  const entries = new Map<string, Map<string, Entry>>();
  const entriesOf = (env: string, kind: SpecKind): Map<string, Entry> | undefined => entries.get(`${kind}\0${env}`);
  for (const env of envs)
    for (const kind of ['model', 'pipeline'] as const) {
      const byName = new Map<string, Entry>();
      for (const loaded of specsOf(env, kind)) {
        const spec = loaded.value.spec as AnySpec;
        byName.set(loaded.value.metadata.name, { spec, promotionKey: promotionKey(kind, spec), file: loaded.file.path });
      }
      entries.set(`${kind}\0${env.name}`, byName);
    }

  const rows = new Map<string, { kind: SpecKind; name: string; cells: Record<string, FleetCell> }>();
  for (const env of envs) {
    const source = env.environment?.value.spec.promotedFrom;
    const jwt = !!env.environment?.value.spec.auth?.jwt;
    for (const kind of ['model', 'pipeline'] as const) {
      const own = entriesOf(env.name, kind)!;
      const sourceEntries = source ? entriesOf(source, kind) : undefined;
      for (const loaded of specsOf(env, kind)) {
        const name = loaded.value.metadata.name;
        const entry = own.get(name)!;
        const promotion = promotionOf(kind, entry, source, sourceEntries?.get(name), load.baseSpecs);
        const cell = cellOf(loaded.file.path, entry, promotion, jwt, loaded.value.metadata.annotations?.[PROMOTION_OVERRIDE]);
        const key = `${kind}\0${name}`;
        let row = rows.get(key);
        if (!row) rows.set(key, (row = { kind, name, cells: {} }));
        row.cells[env.name] = cell;
      }
    }
  }
  const sorted: FleetRow[] = [...rows.values()].sort((a, b) => (a.kind === b.kind ? compareStrings(a.name, b.name) : a.kind === 'model' ? -1 : 1));
  return { environments: summaries(envs), rows: sorted, diagnostics: toApiDiagnostics(load.diagnostics, load.sources), gate: load.gate };
}

/** The last answer, for the load it was made from (PanelState keeps one load until a spec file changes). */
const answers = new WeakMap<PanelLoad, FleetResponse>();

function cachedFleetOf(load: PanelLoad): FleetResponse {
  let answer = answers.get(load);
  if (!answer) answers.set(load, (answer = fleetOf(load)));
  return answer;
}

export const routes: Route[] = [{ method: 'GET', path: '/api/fleet', handle: ({ state }) => cachedFleetOf(state.current()) }];
