/**
 * The promotion gate: an environment promoted from another (`promotedFrom`) may only run releases
 * that its source environment runs or has run — checked against the source's spec now and in the
 * history the caller passes (a `ReleaseHistory`; the CLI's reads Git) — so a release reaches
 * production only through staging. "Has run" rather than "runs": otherwise every change to
 * staging would break production's validation until promoted.
 * A model may override the gate with the annotation `tritonops.dev/promotion-override: "<reason>"`.
 */
import { specFileNames } from '../load/read-specs.ts';
import { parse } from 'yaml';
import { RELEASE_FIELDS } from '@tritonops/spec';
import type { Diagnostic } from '../diagnostics.ts';
import type { LoadedEnvironment, ReleaseHistory, SpecSource } from '../load/read-specs.ts';
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

function specReleases(text: string): string[] {
  try {
    const data = parse(text, { logLevel: 'error' }) as { spec?: ReleaseFields & { canary?: ReleaseFields } } | null;
    return data?.spec ? releasesOf(data.spec) : [];
  } catch {
    return [];
  }
}

export interface GateContext {
  /** Where the source environment's specs are read when this run did not load them. */
  readonly source: SpecSource;
  /** Earlier versions of the source's specs, for "has run"; without it only what the source runs now counts. */
  readonly history?: ReleaseHistory;
}

export function checkPromotionGate(env: LoadedEnvironment, loaded: readonly LoadedEnvironment[], context: GateContext): Diagnostic[] {
  const source = env.environment?.value.spec.promotedFrom;
  if (!source) return [];
  // The source's specs as this run already read them, when it did: no second parse.
  const sourceEnv = loaded.find((e) => e.name === source);
  let sourceFiles: Set<string>;
  try {
    // An unknown source is reported by the environment checks; nothing to compare with here.
    if (!sourceEnv && context.source.list(`environments/${source}`) === undefined) return [];
    sourceFiles = new Set((context.source.list(`environments/${source}/models`) ?? []).filter((e) => e.kind === 'file').map((e) => e.name));
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
  const out: Diagnostic[] = [];
  const sourceModels = new Map((sourceEnv?.models ?? []).map((m) => [m.value.metadata.name, m] as const));
  for (const { file, value: model } of env.models) {
    if (model.metadata.annotations?.[PROMOTION_OVERRIDE]) continue;
    const name = model.metadata.name;
    const sourceName = specFileNames(name).find((f) => sourceFiles.has(f));
    const sourcePath = sourceName ? `environments/${source}/models/${sourceName}` : undefined;
    const mine = releasesOf(model.spec);
    const inMemory = sourceModels.get(name);
    const current = inMemory ? releasesOf(inMemory.value.spec) : sourcePath ? specReleases(readText(context.source, sourcePath)) : [];
    const missing = mine.filter((r) => !current.includes(r));
    if (missing.length === 0) continue;
    const history = sourcePath && context.history ? context.history.versions(sourcePath).flatMap(specReleases) : [];
    const unproven = missing.filter((r) => !history.includes(r));
    if (unproven.length === 0) continue;
    const isCanary = !mine.slice(0, 1).some((r) => unproven.includes(r));
    const path = isCanary ? ['spec', 'canary'] : ['spec', 'repository'];
    const [image, repository] = JSON.parse(unproven[0]!) as [string, string];
    out.push({
      severity: 'error',
      code: 'promotion-gate',
      file: file.path,
      ...file.locate(path, isCanary ? 'key' : 'value'),
      message: sourcePath
        ? `${isCanary ? 'the canary release' : 'the release'} of "${name}" (${repository}, ${image}) has not run in "${source}", which environment "${env.name}" is promoted from`
        : `model "${name}" does not exist in "${source}", which environment "${env.name}" is promoted from`,
      hint: sourcePath
        ? `promote it: \`tritonops promote ${name} --from ${source} --to ${env.name}\`, or set metadata.annotations["${PROMOTION_OVERRIDE}"] to the reason`
        : `add it to ${source} first, or set metadata.annotations["${PROMOTION_OVERRIDE}"] to the reason`,
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
