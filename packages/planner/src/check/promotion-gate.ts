/**
 * The promotion gate: an environment promoted from another (`promotedFrom`) may only run releases
 * that its source environment runs or has run — checked against the source's spec and in the
 * history the caller passes (a `ReleaseHistory`; the CLI's reads Git) — so a release reaches
 * production only through staging. "Has run" rather than "runs": otherwise every change to
 * staging would break production's validation until promoted. With a base (the CLI passes the
 * merge base with main) the source is read as the base has it: a pull request that changes
 * staging and production together does not count staging's change yet.
 * A model may override the gate with the annotation `tritonops.dev/promotion-override: "<reason>"`;
 * an override whose release the source has run is reported as stale. Pipelines are not gated.
 */
import { specFileNames } from '../load/read-specs.ts';
import { parse } from 'yaml';
import { RELEASE_FIELDS } from '@tritonops/spec';
import type { Diagnostic } from '../diagnostics.ts';
import type { GateBase, LoadedEnvironment, ReleaseHistory, SpecSource } from '../load/read-specs.ts';
import { MAX_FILE_BYTES } from '../load/source-file.ts';

export const PROMOTION_OVERRIDE = 'tritonops.dev/promotion-override';

interface ReleaseFields {
  image?: unknown;
  repository?: unknown;
  models?: unknown;
  args?: unknown;
}

/** The releases a spec runs: its stable release and its canary's (which inherits what it does not set). */
export function releasesOf(spec: ReleaseFields & { canary?: ReleaseFields }): string[] {
  const key = (r: ReleaseFields) => JSON.stringify([r.image ?? null, r.repository ?? null, r.models ?? null, r.args ?? []]);
  const stable = { image: spec.image, repository: spec.repository, models: spec.models, args: spec.args };
  const out = [key(stable)];
  if (spec.canary && !(spec.canary as { analysis?: unknown }).analysis)
    out.push(key({ ...stable, ...Object.fromEntries(Object.entries(spec.canary).filter(([k]) => (RELEASE_FIELDS as readonly string[]).includes(k))) }));
  return out;
}

/**
 * The releases of a spec file's text, remembered by text: a long-lived process (the control
 * panel) checks one environment again on every edit, and the source environment's files, read
 * from disk or the base commit each time, are mostly the same texts.
 */
const releasesByText = new Map<string, string[]>();
const REMEMBERED_TEXTS = 50_000;

function specReleases(text: string): string[] {
  const known = releasesByText.get(text);
  if (known) return known;
  let releases: string[];
  try {
    const data = parse(text, { logLevel: 'error' }) as { spec?: ReleaseFields & { canary?: ReleaseFields } } | null;
    releases = data?.spec ? releasesOf(data.spec) : [];
  } catch {
    releases = [];
  }
  if (releasesByText.size >= REMEMBERED_TEXTS) releasesByText.clear();
  releasesByText.set(text, releases);
  return releases;
}

export interface GateContext {
  /** Where this run reads specs (the working tree, or a base commit being loaded itself). */
  readonly source: SpecSource;
  /** Earlier versions of the source's specs, for "has run"; without it only what the source runs now counts. */
  readonly history?: ReleaseHistory;
  /**
   * Compare with the source environment as this base has it, not as this run loaded it: a change
   * to the source in the same pull request does not count yet, so one pull request cannot carry
   * a release through two environments. A source the base does not have yet (a chain set up in
   * this pull request) is compared as loaded.
   */
  readonly base?: GateBase;
}

interface SourceView {
  /** The source's spec of model `name`: its repository-relative path and the releases it runs. */
  readonly find: (name: string) => { path: string; releases: string[] } | undefined;
  readonly history?: ReleaseHistory;
  /** ` at <base>` in messages, or nothing when comparing with what this run loaded. */
  readonly at: string;
}

/** Where the gate reads the source environment `name`, or undefined when there is none to compare with. */
function sourceView(name: string, loaded: readonly LoadedEnvironment[], context: GateContext): SourceView | undefined {
  const base = context.base && context.base.source.list(`environments/${name}`) !== undefined ? context.base : undefined;
  const history = base ? base.history : context.history;
  const at = base ? ` at ${base.label}` : '';
  const folder = `environments/${name}/models`;
  // The source's specs as this run already read them, when it did (and compares with them): no second parse.
  const inMemory = base ? undefined : loaded.find((e) => e.name === name);
  if (inMemory) {
    const models = new Map(inMemory.models.map((m) => [m.value.metadata.name, m] as const));
    return {
      find: (model) => {
        const m = models.get(model);
        return m && { path: `${folder}/${m.file.path.slice(m.file.path.lastIndexOf('/') + 1)}`, releases: releasesOf(m.value.spec) };
      },
      ...(history ? { history } : {}),
      at,
    };
  }
  const from = base?.source ?? context.source;
  // An unknown source is reported by the environment checks; nothing to compare with here.
  if (from.list(`environments/${name}`) === undefined) return undefined;
  const files = new Set((from.list(folder) ?? []).filter((e) => e.kind === 'file').map((e) => e.name));
  return {
    find: (model) => {
      const file = specFileNames(model).find((f) => files.has(f));
      return file ? { path: `${folder}/${file}`, releases: specReleases(readText(from, `${folder}/${file}`)) } : undefined;
    },
    ...(history ? { history } : {}),
    at,
  };
}

export function checkPromotionGate(env: LoadedEnvironment, loaded: readonly LoadedEnvironment[], context: GateContext): Diagnostic[] {
  const source = env.environment?.value.spec.promotedFrom;
  if (!source) return [];
  let view: SourceView | undefined;
  try {
    view = sourceView(source, loaded, context);
  } catch (error) {
    // A source the gate cannot read must not let every release through.
    const file = env.environment!.file;
    return [
      {
        severity: 'error',
        code: 'promotion-gate-unreadable',
        file: file.path,
        ...file.locate(['spec', 'promotedFrom']),
        message: `the promotion gate cannot read the models of "${source}" (${error instanceof Error ? error.message : String(error)})`,
        hint: `environments/${source}/models must be a readable folder of the repository`,
      },
    ];
  }
  if (!view) return [];
  const out: Diagnostic[] = [];
  // What the source runs in this run's own specs: named in the hint when only the base lacks it.
  const loadedSource = context.base ? loaded.find((e) => e.name === source) : undefined;
  for (const { file, value: model } of env.models) {
    const name = model.metadata.name;
    const override = model.metadata.annotations?.[PROMOTION_OVERRIDE];
    const found = view.find(name);
    const sourcePath = found?.path;
    const mine = releasesOf(model.spec);
    const current = found?.releases ?? [];
    const missing = mine.filter((r) => !current.includes(r));
    const history = missing.length > 0 && sourcePath && view.history ? view.history.versions(sourcePath).flatMap(specReleases) : [];
    const unproven = missing.filter((r) => !history.includes(r));
    if (override) {
      // An override the source has caught up with only hides the next unproven release.
      if (sourcePath && unproven.length === 0)
        out.push({
          severity: 'warning',
          code: 'promotion-override-stale',
          file: file.path,
          ...file.locate(['metadata', 'annotations', PROMOTION_OVERRIDE], 'key'),
          message: `the promotion override of "${name}" is not needed any more: "${source}"${view.at} has run its release`,
          hint: `remove metadata.annotations["${PROMOTION_OVERRIDE}"] so that the next release of "${name}" goes through "${source}" again (\`tritonops promote\` removes it when it copies a release)`,
        });
      continue;
    }
    if (unproven.length === 0) continue;
    const isCanary = !mine.slice(0, 1).some((r) => unproven.includes(r));
    const path = isCanary ? ['spec', 'canary'] : ['spec', 'repository'];
    const [image, repository] = JSON.parse(unproven[0]!) as [string, string];
    const sourceModel = loadedSource?.models.find((m) => m.value.metadata.name === name);
    const onlyHere = sourceModel !== undefined && unproven.every((r) => releasesOf(sourceModel.value.spec).includes(r));
    const what = isCanary ? 'the canary release' : 'the release';
    // `promote` replaces the target's release with the source's: the right advice only when that
    // moves the target on, not when the target runs or ran it already (it would undo a hotfix).
    const sourceRelease = found?.releases[0];
    const targetPath = `environments/${env.name}/models/${file.path.slice(file.path.lastIndexOf('/') + 1)}`;
    const promotes = () =>
      sourceRelease !== undefined &&
      !mine.includes(sourceRelease) &&
      !(view.history?.versions(targetPath) ?? []).some((text) => specReleases(text)[0] === sourceRelease);
    out.push({
      severity: 'error',
      code: 'promotion-gate',
      file: file.path,
      ...file.locate(path, isCanary ? 'key' : 'value'),
      message: sourcePath
        ? `${what} of "${name}" (${repository}, ${image}) has not run in "${source}"${view.at}, which environment "${env.name}" is promoted from`
        : `model "${name}" does not exist in "${source}"${view.at}, which environment "${env.name}" is promoted from`,
      hint: onlyHere
        ? `"${source}" runs it only in this change, not${view.at}: merge the change to ${source} first, then promote it in a pull request of its own`
        : sourcePath && promotes()
          ? `promote it: \`tritonops promote ${name} --from ${source} --to ${env.name}\` replaces the release of "${env.name}" with the one "${source}" runs; or set metadata.annotations["${PROMOTION_OVERRIDE}"] to the reason`
          : sourcePath
            ? `run it in "${source}" first (merge it there), or set metadata.annotations["${PROMOTION_OVERRIDE}"] to the reason`
            : `add it to ${source} first (and merge that), or set metadata.annotations["${PROMOTION_OVERRIDE}"] to the reason`,
    });
  }
  return out;
}

function readText(source: SpecSource, rel: string): string {
  try {
    return Buffer.from(source.read(rel, MAX_FILE_BYTES)).toString('utf8');
  } catch {
    return '';
  }
}
