/**
 * GET /api/fleet: every model and pipeline by environment, from the specs as loaded (also when
 * some have errors: the panel shows the errors beside the fleet instead of an empty page).
 */
import { compareStrings, isProduction, PROMOTION_OVERRIDE, releasesOf } from '@tritonops/planner';
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

/** What tells two releases apart, shortest first: the repository, the image's tag, then the rest. */
export function releaseLabel(spec: ReleaseSpec): string {
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

const stableKey = (spec: AnySpec) => releasesOf({ ...spec, canary: undefined } as Parameters<typeof releasesOf>[0])[0]!;

export function fleetOf(load: PanelLoad): FleetResponse {
  const envs = load.environments;
  const byName = new Map(envs.map((e) => [e.name, e] as const));
  const environments: EnvironmentSummary[] = envs.map((e) => {
    const spec = e.environment?.value.spec;
    return {
      name: e.name,
      ...(spec?.promotedFrom ? { promotedFrom: spec.promotedFrom } : {}),
      promotesTo: envs.filter((o) => o.environment?.value.spec.promotedFrom === e.name).map((o) => o.name),
      production: isProduction(e.name),
      pools: Object.keys(spec?.gpuPools ?? e.partial?.gpuPools ?? {}).sort(compareStrings),
    };
  });
  const rows = new Map<string, { kind: SpecKind; name: string; cells: Record<string, FleetCell> }>();
  for (const env of envs) {
    const source = env.environment?.value.spec.promotedFrom;
    const jwt = !!env.environment?.value.spec.auth?.jwt;
    const specsOf = (e: typeof env, kind: SpecKind) => (kind === 'model' ? e.models : e.pipelines);
    for (const kind of ['model', 'pipeline'] as const) {
      for (const loaded of specsOf(env, kind)) {
        const name = loaded.value.metadata.name;
        const spec = loaded.value.spec as AnySpec;
        const inSource = source
          ? specsOf(byName.get(source) ?? { ...env, models: [], pipelines: [] }, kind).find((l) => l.value.metadata.name === name)
          : undefined;
        let promotion: PromotionState = { state: 'in-sync' };
        if (source && !inSource) promotion = { state: 'not-in-source', from: source };
        else if (source && inSource && stableKey(inSource.value.spec as AnySpec) !== stableKey(spec))
          promotion = { state: 'waiting', from: source, release: releaseLabel(inSource.value.spec as AnySpec) };
        const canary = canarySummary(spec);
        const override = loaded.value.metadata.annotations?.[PROMOTION_OVERRIDE];
        const cell: FleetCell = {
          file: loaded.file.path,
          release: releaseLabel(spec),
          ...(canary ? { canary } : {}),
          scale: spec.autoscaling
            ? { minReplicas: spec.autoscaling.minReplicas ?? 1, maxReplicas: spec.autoscaling.maxReplicas }
            : { replicas: spec.replicas ?? 1 },
          ...(spec.gpuPool ? { pool: spec.gpuPool } : {}),
          ...(spec.gpus !== undefined && spec.gpuPool ? { gpus: spec.gpus } : {}),
          auth: authLabel(spec, jwt),
          promotion,
          ...(override ? { override } : {}),
        };
        const key = `${kind}\0${name}`;
        const row = rows.get(key) ?? { kind, name, cells: {} };
        row.cells[env.name] = cell;
        rows.set(key, row);
      }
    }
  }
  const sorted: FleetRow[] = [...rows.values()].sort((a, b) => (a.kind === b.kind ? compareStrings(a.name, b.name) : a.kind === 'model' ? -1 : 1));
  return { environments, rows: sorted, diagnostics: toApiDiagnostics(load.diagnostics, load.sources), gate: load.gate };
}

export const routes: Route[] = [{ method: 'GET', path: '/api/fleet', handle: ({ state }) => fleetOf(state.current()) }];
