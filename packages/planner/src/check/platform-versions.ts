/**
 * The promotion gate of the platform charts: an environment promoted from another may run a
 * chart version newer than its source's only when the source has run that version (it pinned
 * it in a committed version of its environment.yaml), so an upgrade of Istio, KEDA, the
 * monitoring stack, the GPU operator or Flagger reaches production only through staging. An
 * older version than the source's passes: that is an upgrade under way. A newer version that the
 * source ran and has since left is a warning: the next upgrade cannot be tried there first.
 *
 * The versions an environment runs are its `platform.charts`, tritonops' pins where it names none:
 * an upgrade of tritonops that moves a pin moves every environment that does not pin its own
 * together, and the gate sees them equal. Only pins count as history: which version an older
 * file without one ran depends on the tritonops of that day, which the history does not say.
 */
import { parse } from 'yaml';
import { PLATFORM_CHART_DEFAULTS, type PlatformChart } from '@tritonops/spec';
import type { Diagnostic } from '../diagnostics.ts';
import { ENVIRONMENT_FILE, ENVIRONMENTS_DIR, type LoadedEnvironment, type ReleaseHistory, type SpecSource } from '../load/read-specs.ts';
import { MAX_FILE_BYTES } from '../load/source-file.ts';
import { reporter } from '../report.ts';
import { PROMOTION_OVERRIDE } from './promotion-gate.ts';

export interface PlatformGateContext {
  /** Where the source environment's environment.yaml is read when this run did not load it. */
  readonly source: SpecSource;
  /** Committed versions of the source's environment.yaml, for "has run". */
  readonly history?: ReleaseHistory;
  /** The base branch, as the model gate compares with it: the source as the base has it, when it has it. */
  readonly base?: { readonly source: SpecSource; readonly history: ReleaseHistory; readonly label: string };
}

const CHARTS = Object.keys(PLATFORM_CHART_DEFAULTS) as PlatformChart[];

export function checkPlatformVersions(env: LoadedEnvironment, loaded: readonly LoadedEnvironment[], context: PlatformGateContext): Diagnostic[] {
  const value = env.environment?.value;
  const source = value?.spec.promotedFrom;
  if (!value || !source) return [];
  const sourcePath = `${ENVIRONMENTS_DIR}/${source}/${ENVIRONMENT_FILE}`;
  const base = context.base && listed(context.base.source, `${ENVIRONMENTS_DIR}/${source}`) ? context.base : undefined;
  const sourceEnv = loaded.find((e) => e.name === source);
  // An unknown or broken source is reported by its own checks; nothing to compare with here.
  const theirs = base
    ? chartsOf(readText(base.source, sourcePath))
    : sourceEnv
      ? sourceEnv.environment?.value.spec.platform.charts
      : chartsOf(readText(context.source, sourcePath));
  if (!theirs) return [];
  const history = base ? base.history : context.history;
  const at = base ? ` at ${base.label}` : '';
  const file = env.environment!.file;
  const out: Diagnostic[] = [];
  const { error, warn } = reporter(file, out);
  const overridden = value.metadata.annotations?.[PROMOTION_OVERRIDE] !== undefined;
  let ran: Set<string>[] | undefined;
  for (const chart of CHARTS) {
    const mine = value.spec.platform.charts[chart];
    const order = compareVersions(mine, theirs[chart]);
    if (order === undefined || order <= 0) continue;
    ran ??= ranVersions(history?.versions(sourcePath) ?? []);
    const pinned = file.has(['spec', 'platform', 'charts', chart]);
    const path = pinned ? ['spec', 'platform', 'charts', chart] : ['spec', 'promotedFrom'];
    const what = `${chart} ${mine}${pinned ? '' : " (tritonops' default)"}`;
    if (ran.some((versions) => versions.has(`${chart} ${mine}`))) {
      warn(
        path,
        'platform-version-behind',
        `"${source}"${at} runs ${chart} ${theirs[chart]}, older than the ${mine} of "${env.name}", which is promoted from it`,
        `the next ${chart} upgrade cannot run in "${source}" first: set \`platform.charts.${chart}\` of "${source}" to ${mine} or later again`,
      );
    } else if (!overridden) {
      // The source sets it in this change, not on the base: the upgrade there must merge first.
      const onlyHere = base !== undefined && sourceEnv?.environment?.value.spec.platform.charts[chart] === mine;
      error(
        path,
        'platform-version-gate',
        `${what} has not run in "${source}"${at} (it runs ${theirs[chart]}), which environment "${env.name}" is promoted from`,
        onlyHere
          ? `"${source}" runs it only in this change, not${at}: merge the change to ${source} first, then upgrade "${env.name}" in a pull request of its own`
          : pinned
            ? `upgrade "${source}" first (\`platform.charts.${chart}: ${mine}\` in ${sourcePath}), or keep ${theirs[chart]} here until it has run there; or set metadata.annotations["${PROMOTION_OVERRIDE}"] to the reason`
            : `pin the version "${source}" runs until it has run the new one: \`platform.charts.${chart}: ${theirs[chart]}\``,
      );
    }
  }
  return out;
}

/** `chart version` of every chart a committed version of the source pinned, per version. */
function ranVersions(texts: readonly string[]): Set<string>[] {
  return texts.map((text) => {
    const pins = pinsOf(text);
    return new Set(Object.entries(pins).map(([chart, version]) => `${chart} ${version}`));
  });
}

/** The charts an environment.yaml pins, as written; none when it cannot be read. */
function pinsOf(text: string): Partial<Record<PlatformChart, string>> {
  try {
    const data = parse(text, { logLevel: 'error' }) as { spec?: { platform?: { charts?: Record<string, unknown> } } } | null;
    const charts = data?.spec?.platform?.charts;
    if (!charts || typeof charts !== 'object') return {};
    return Object.fromEntries(CHARTS.filter((c) => typeof charts[c] === 'string').map((c) => [c, charts[c] as string]));
  } catch {
    return {};
  }
}

/** The versions an environment.yaml runs (its pins over tritonops' defaults); undefined when unreadable. */
function chartsOf(text: string | undefined): Record<PlatformChart, string> | undefined {
  if (text === undefined) return undefined;
  return { ...PLATFORM_CHART_DEFAULTS, ...pinsOf(text) };
}

function listed(source: SpecSource, rel: string): boolean {
  try {
    return source.list(rel) !== undefined;
  } catch {
    return false;
  }
}

function readText(source: SpecSource, rel: string): string | undefined {
  try {
    return Buffer.from(source.read(rel, MAX_FILE_BYTES)).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * Semantic-version order of two exact chart versions (`1.26.2`, `v25.3.1`, `1.45.0-rc.1`): a
 * pre-release comes before its release. Undefined when either is not a version (a source's own
 * validation reports that).
 */
export function compareVersions(a: string, b: string): number | undefined {
  const [pa, pb] = [parseVersion(a), parseVersion(b)];
  if (!pa || !pb) return undefined;
  for (let i = 0; i < 3; i++) if (pa.core[i] !== pb.core[i]) return pa.core[i]! - pb.core[i]!;
  if (pa.pre.length === 0 || pb.pre.length === 0) return pb.pre.length - pa.pre.length;
  for (let i = 0; i < Math.max(pa.pre.length, pb.pre.length); i++) {
    const [x, y] = [pa.pre[i], pb.pre[i]];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const [nx, ny] = [/^[0-9]+$/.test(x), /^[0-9]+$/.test(y)];
    if (nx && ny) return Number(x) - Number(y);
    // Numeric identifiers sort before alphanumeric ones (semver 2.0.0, §11).
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function parseVersion(text: string): { core: number[]; pre: string[] } | undefined {
  const m = /^v?([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z.-]+))?$/.exec(text);
  if (!m) return undefined;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
}
