/**
 * `validate --s3`: the releases the specs point at, checked against what the bucket holds. Each
 * model's stable release and, when it runs one, its canary's: the repository exists; every model
 * it loads has a `config.pbtxt` Triton can read and a numeric version folder (with the file its
 * backend loads); the spec's `signatures` are the configs' tensors; the image variant has the
 * backends the models use. The store does the IO (the CLI's S3 client, or a test's); this module
 * only asks, and reads each listing and object once per run.
 */
import type { Model } from '@tritonops/spec';
import { compareDiagnostics, compareStrings, type Diagnostic } from '../diagnostics.ts';
import { didYouMean, didYouMeanHint } from '../did-you-mean.ts';
import type { Loaded, LoadedEnvironment } from '../load/read-specs.ts';
import type { DataPath } from '../load/source-file.ts';
import { reporter } from '../report.ts';
import { parseEndpoint, parseS3Uri, type S3Endpoint } from '../values/s3.ts';
import { StoreUnavailable, type ModelStore, type StoreLocation } from './model-store.ts';
import { IMAGE_VARIANTS, inspectModel, plainText, releaseFolders, safeName, tritonImageTag, unsafeFolderList, type ModelFacts } from './inspect-release.ts';
import { endpointName, objectUri, ReleaseReader } from './release-reader.ts';
import { compareSignature } from './signature-match.ts';

export interface ReleaseCheckOptions {
  readonly environments: readonly LoadedEnvironment[];
  readonly store: ModelStore;
  /** The model spec files to check, by `SourceFile.path`; every model's when absent. */
  readonly files?: ReadonlySet<string>;
  /** Requests to the store at once. */
  readonly concurrency?: number;
}

export interface ReleaseCheckResult {
  /** Sorted by file and position. */
  readonly diagnostics: Diagnostic[];
  /** Model spec files checked. */
  readonly models: number;
  /** Distinct releases (repository locations) read. */
  readonly releases: number;
  /** The endpoints read, sorted. */
  readonly endpoints: string[];
}

/** One track's release as the spec writes it, with where each part is written. */
interface Track {
  readonly image: string;
  readonly imagePath: DataPath;
  readonly repositoryPath: DataPath;
  readonly location: StoreLocation;
  readonly models?: readonly string[];
  readonly modelsPath: DataPath;
}

/** The location a repository URI names, on the environment's endpoint and region; undefined when it does not parse (validate says why). */
export function storeLocation(uri: string, environment: { endpoint?: string; region?: string }): StoreLocation | undefined {
  const parsed = parseS3Uri(uri);
  if (!parsed.ok) return undefined;
  let endpoint: S3Endpoint | undefined = parsed.value.endpoint;
  if (!endpoint && environment.endpoint !== undefined) {
    const env = parseEndpoint(environment.endpoint);
    if (!env.ok) return undefined;
    endpoint = env.value;
  }
  return {
    bucket: parsed.value.bucket,
    prefix: parsed.value.prefix,
    ...(endpoint ? { endpoint } : {}),
    ...(environment.region ? { region: environment.region } : {}),
  };
}

export async function checkReleases(options: ReleaseCheckOptions): Promise<ReleaseCheckResult> {
  const reader = new ReleaseReader(options.store, options.concurrency);
  const diagnostics: Diagnostic[] = [];
  const releases = new Set<string>();
  const endpoints = new Set<string>();
  /** Per endpoint that failed, the first environment (by name) that reads from it: where the error goes. */
  const failedAt = new Map<string, LoadedEnvironment>();
  const jobs: Promise<void>[] = [];
  let models = 0;
  const environments = [...options.environments].sort((a, b) => compareStrings(a.name, b.name));
  for (const env of environments) {
    const s3 = env.environment?.value.spec.s3;
    if (!s3) continue;
    for (const model of [...env.models].sort((a, b) => compareStrings(a.file.path, b.file.path))) {
      if (options.files && !options.files.has(model.file.path)) continue;
      const tracks = tracksOf(model.value, s3);
      if (tracks.length === 0) continue;
      models++;
      for (const track of tracks) {
        const endpoint = endpointName(track.location);
        releases.add(`${endpoint}\0${objectUri(track.location)}`);
        endpoints.add(endpoint);
        jobs.push(
          checkTrack(reader, model, track).then(
            (found) => void diagnostics.push(...found),
            (error: unknown) => {
              if (!(error instanceof StoreUnavailable)) throw error;
              if (!failedAt.has(endpoint)) failedAt.set(endpoint, env);
            },
          ),
        );
      }
    }
  }
  await Promise.all(jobs);
  for (const [endpoint, env] of [...failedAt].sort(([a], [b]) => compareStrings(a, b))) {
    const error = reader.unavailable.get(endpoint)!;
    const file = env.environment!.file;
    const path = env.environment!.value.spec.s3.endpoint !== undefined ? ['spec', 's3', 'endpoint'] : ['spec', 's3'];
    reporter(file, diagnostics).error(path, 's3-unavailable', `${error.message}; the releases on it were not checked`, error.hint);
  }
  return { diagnostics: unique(diagnostics).sort(compareDiagnostics), models, releases: releases.size, endpoints: [...endpoints].sort(compareStrings) };
}

/** The stable release and, when the canary runs its own (any of image, repository, models), the canary's. */
function tracksOf(model: Model, s3: { endpoint?: string; region?: string }): Track[] {
  const spec = model.spec;
  const stable = storeLocation(spec.repository, s3);
  const tracks: Track[] = [];
  const stablePaths = { imagePath: ['spec', 'image'], repositoryPath: ['spec', 'repository'], modelsPath: ['spec', 'models'] };
  if (stable) tracks.push({ image: spec.image, location: stable, ...(spec.models ? { models: spec.models } : {}), ...stablePaths });
  const canary = spec.canary;
  if (canary && (canary.image !== undefined || canary.repository !== undefined || canary.models !== undefined)) {
    const location = canary.repository !== undefined ? storeLocation(canary.repository, s3) : stable;
    const models = canary.models ?? spec.models;
    if (location) {
      tracks.push({
        image: canary.image ?? spec.image,
        location,
        ...(models ? { models } : {}),
        imagePath: canary.image !== undefined ? ['spec', 'canary', 'image'] : stablePaths.imagePath,
        repositoryPath: canary.repository !== undefined ? ['spec', 'canary', 'repository'] : stablePaths.repositoryPath,
        modelsPath: canary.models !== undefined ? ['spec', 'canary', 'models'] : stablePaths.modelsPath,
      });
    }
  }
  return tracks;
}

async function checkTrack(reader: ReleaseReader, { file, value: model }: Loaded<Model>, track: Track): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  const report = reporter(file, out);
  const uri = objectUri(track.location);
  const endpoint = endpointName(track.location);
  const root = await releaseFolders(reader, track.location);
  if (!root) {
    report.error(
      track.repositoryPath,
      'release-missing',
      `release ${uri} is not in the bucket: listing it on ${endpoint} found nothing`,
      await siblingsHint(reader, track.location),
    );
    return out;
  }
  const folderList = root.folders.length ? root.folders.join(', ') : '(no model folders)';
  // Without `models` Triton loads every folder, these too: unchecked, and not nameable in a spec.
  if (!track.models && root.unsafe.length > 0) {
    report.error(
      track.repositoryPath,
      'release-folder-name',
      `release ${uri} holds ${root.unsafe.length} folder${root.unsafe.length > 1 ? 's' : ''} whose name${root.unsafe.length > 1 ? 's are' : ' is'} not a Triton model name tritonops can check (letters, digits, "_", "." and "-", at most 128): ${unsafeFolderList(root.unsafe)}; Triton would load ${root.unsafe.length > 1 ? 'them' : 'it'} unchecked`,
      'rename or remove them in a new release, or list the models Triton may load in `models`',
    );
  }
  // Where a model's problems are shown: its `models` entry, or `repository` when Triton loads every folder.
  const modelPath = (name: string): DataPath => {
    const i = track.models?.indexOf(name) ?? -1;
    return i >= 0 ? [...track.modelsPath, i] : track.repositoryPath;
  };
  track.models?.forEach((name, i) => {
    if (root.folders.includes(name)) return;
    report.error(
      [...track.modelsPath, i],
      'release-model-missing',
      `model "${name}" is not in release ${uri}: there is no ${objectUri(track.location, `${name}/`)}`,
      didYouMeanHint(name, root.folders, `the release holds: ${folderList}`),
    );
  });
  const loaded = (track.models ?? root.folders).filter((name) => root.folders.includes(name));
  const facts = await Promise.all(loaded.map((name) => inspectModel(reader, track.location, name)));
  for (const fact of facts) reportModel(report, track, fact, modelPath(fact.name));

  // Signatures: of the models this track loads; one the release does not hold at all is an error too.
  const byName = new Map(facts.map((f) => [f.name, f] as const));
  for (const [name, signature] of Object.entries(model.spec.signatures ?? {}).sort(([a], [b]) => compareStrings(a, b))) {
    const fact = byName.get(name);
    if (!fact) {
      if (!root.folders.includes(name)) {
        report.error(
          ['spec', 'signatures', name],
          'release-model-missing',
          `signatures describe model "${name}", which release ${uri} does not hold`,
          didYouMeanHint(name, root.folders, `the release holds: ${folderList}`),
          'key',
        );
      }
      continue;
    }
    if (fact.config.state !== 'ok') continue;
    const configUri = objectUri(track.location, `${name}/config.pbtxt`);
    for (const m of compareSignature(signature, fact.config.config, configUri, ['spec', 'signatures', name])) {
      report.error(m.path, 'release-signature-mismatch', m.message, m.hint, m.at);
    }
  }

  // The image variant: each backend with a fixed variant, named once with the first model using it.
  const tag = tritonImageTag(track.image);
  if (tag !== undefined) {
    const version = /^\d+\.\d+/.exec(tag)?.[0] ?? '<version>';
    const seen = new Set<string>();
    for (const fact of facts) {
      const backend = fact.backend;
      const rule = backend !== undefined ? IMAGE_VARIANTS[backend] : undefined;
      if (!backend || !rule || seen.has(backend) || rule.test(tag)) continue;
      seen.add(backend);
      report.error(
        track.imagePath,
        'release-image-backend',
        `model "${fact.name}" of ${uri} runs on the ${backend} backend, which image tag ${tag} lacks: it needs ${rule.needs}`,
        `use nvcr.io/nvidia/tritonserver:${version}-${rule.variant}`,
      );
    }
  }
  return out;
}

function reportModel(report: ReturnType<typeof reporter>, track: Track, fact: ModelFacts, path: DataPath): void {
  const folder = objectUri(track.location, `${fact.name}/`);
  const config = `${folder}config.pbtxt`;
  switch (fact.config.state) {
    case 'missing':
      report.error(
        path,
        'release-config-missing',
        `model "${fact.name}" has no configuration: ${config} does not exist`,
        "upload the model's config.pbtxt with it",
      );
      break;
    case 'too-large':
      report.error(
        path,
        'release-config-invalid',
        `${config} is ${fact.config.size} bytes; a model configuration is read up to 1 MiB`,
        'is the right file uploaded as config.pbtxt?',
      );
      break;
    case 'invalid': {
      const [first, ...rest] = fact.config.problems;
      const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
      report.error(
        path,
        'release-config-invalid',
        first ? `${config}:${first.line}:${first.column}: ${plainText(first.message)}${more}` : `${config} is not a valid model configuration`,
        'fix the file in the bucket and upload the release again (under a new path: the SFS cache keys on it)',
      );
      break;
    }
    case 'ok': {
      const declared = fact.config.config.name;
      if (declared !== undefined && declared !== fact.name) {
        report.error(
          path,
          'release-config-invalid',
          `${config} declares the model ${safeName(declared) ? `"${declared}"` : 'under another name'}, but its folder is "${fact.name}": Triton refuses to load it`,
          `set name: "${fact.name}" in the config, or remove the name`,
        );
      }
    }
  }
  if (fact.versions.length === 0) {
    report.error(
      path,
      'release-version-missing',
      `model "${fact.name}" has no version folder: ${folder} holds no numeric folder such as ${folder}1/`,
      'Triton loads a model from its numeric version folders: upload the model files under <model>/1/',
    );
  } else if (fact.missingFile) {
    report.error(
      path,
      'release-version-missing',
      `model "${fact.name}" runs on the ${fact.backend} backend, which loads ${folder}${fact.missingFile}: it does not exist`,
      `upload ${fact.missingFile.split('/').pop()} into the newest version folder`,
    );
  }
}

/** For a release that is not there: the releases stored beside it, the likely typo first. */
async function siblingsHint(reader: ReleaseReader, location: StoreLocation): Promise<string> {
  if (location.prefix === '') return `create the bucket ${location.bucket} and upload the release, or fix \`repository\``;
  const segments = location.prefix.split('/');
  const last = segments.pop()!;
  const parent: StoreLocation = { ...location, prefix: segments.join('/') };
  const siblings = (await releaseFolders(reader, parent))?.folders ?? [];
  const parentUri = objectUri(parent);
  if (siblings.length === 0) return `nothing is stored under ${parentUri} either: upload the release there, or fix \`repository\``;
  const shown = siblings.length > 8 ? [...siblings.slice(-8)] : siblings;
  // A typo and a release never uploaded look alike: say both what is there and the likely typo.
  const guess = didYouMean(last, siblings);
  const held = `${parentUri} holds ${siblings.length > 8 ? `${siblings.length} releases, the last: ` : ''}${shown.join(', ')}`;
  return `${guess ? `did you mean ${parentUri}${guess}? ` : ''}${held}; upload the release, or point \`repository\` at one of them`;
}

function unique(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}\0${d.line}\0${d.col}\0${d.code}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
