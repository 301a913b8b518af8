/**
 * The workspace cache, `.git/tritonops-cache/<environment>.json`: what earlier runs learned, so
 * that a one-model change re-checks and re-renders one model instead of the fleet.
 *
 * - specs: a spec file's parsed, schema-checked data, by its kind and the hash of its bytes;
 * - renders: per output file, the hash of its inputs (`OutputFile.inputs`) and of the bytes
 *   rendered from them. A file is reused only if its inputs hash the same AND flux/ still holds
 *   exactly those bytes, so a hand edit under flux/ is always rendered over, never trusted.
 *
 * Every entry is tied to `rendererFingerprint()`: changing a renderer, a library or Node drops
 * the whole cache. The cache is never a source of truth: deleting it, or `--no-cache`, only makes
 * the next run slower. Writes are atomic (temporary file, then rename); a file that cannot be
 * read or parsed counts as empty.
 *
 * Trust: whoever can write the cache can make a render differ from the specs, so it lives where
 * nothing a checkout brings can reach: inside Git's own folder. No commit, branch, archive or pull
 * request can put a file under `.git/` — Git refuses such paths — so a poisoned cache cannot come
 * with the code under review. Without a `.git` folder of its own (a linked worktree, an unpacked
 * archive) the repository gets no cache, only slower runs. And `synth --check` never reads it:
 * CI's verdict rests on a fresh render alone (see docs/security.md).
 */
import { createHash } from 'node:crypto';
import { FsProblem, RepositoryFs, type CheckedContent, type SpecCache } from '@tritonops/planner';
import { rendererFingerprint } from './fingerprint.ts';

export const GIT_DIR = '.git';
export const CACHE_DIR = `${GIT_DIR}/tritonops-cache`;
/** A cache file larger than this is not one a real fleet makes: ignored. */
const MAX_CACHE_FILE_BYTES = 512 * 1024 * 1024;
const FORMAT = 1;

export interface RenderEntry {
  /** Hash of the file's path, inputs and the renderer fingerprint. */
  readonly key: string;
  /** Hash of the rendered bytes. */
  readonly sha: string;
  /** Number of Kubernetes objects in the file. */
  readonly objects: number;
}

interface Store {
  /** Spec entries, each a JSON text (parsed afresh on every hit: no object is shared). */
  specs: Record<string, string>;
  renders: Record<string, RenderEntry>;
}

interface CacheFile extends Store {
  readonly format: number;
  readonly fingerprint: string;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export class WorkspaceCache implements SpecCache {
  private readonly loaded = new Map<string, Store>();
  private readonly used = new Map<string, Store>();
  /** Environments whose render entries were consulted this run (the others keep theirs). */
  private readonly rendered = new Set<string>();
  readonly fingerprint = rendererFingerprint();
  private readonly fs: RepositoryFs;

  /** Whether the repository has a Git folder of its own to keep the cache in. */
  readonly enabled: boolean;

  /** The cache of the repository at `root`; throws FsProblem when a link stands where it lives. */
  constructor(root: string) {
    this.fs = new RepositoryFs(root);
    this.enabled = this.fs.kind(GIT_DIR) === 'folder';
    if (this.enabled) this.fs.folderExists(CACHE_DIR);
  }

  get(environment: string, key: string): CheckedContent | undefined {
    if (!this.enabled) return undefined;
    const text = this.load(environment).specs[key];
    if (text === undefined) return undefined;
    this.use(environment).specs[key] = text;
    return JSON.parse(text) as CheckedContent;
  }

  set(environment: string, key: string, checked: CheckedContent): void {
    if (!this.enabled) return;
    this.use(environment).specs[key] = JSON.stringify(checked);
  }

  /** Hash of each inputs object: environment-wide files share one (the whole plan), hashed once. */
  private readonly inputHashes = new WeakMap<object, string>();

  /** The key of an output file: its path and inputs under this renderer. */
  renderKey(path: string, inputs: object): string {
    let hash = this.inputHashes.get(inputs);
    if (hash === undefined) this.inputHashes.set(inputs, (hash = sha256(JSON.stringify(inputs))));
    return sha256(`${this.fingerprint}\0${path}\0${hash}`);
  }

  renderEntry(environment: string, path: string): RenderEntry | undefined {
    if (!this.enabled) return undefined;
    this.rendered.add(environment);
    return this.load(environment).renders[path];
  }

  setRender(environment: string, path: string, entry: RenderEntry): void {
    if (!this.enabled) return;
    this.rendered.add(environment);
    this.use(environment).renders[path] = entry;
  }

  /** Writes back what this run used, for each environment it touched; entries not used are dropped. */
  save(): void {
    for (const [environment, used] of this.used) {
      const before = this.load(environment);
      const renders = this.rendered.has(environment) ? used.renders : before.renders;
      if (sameKeys(before.specs, used.specs) && sameRenders(before.renders, renders)) continue;
      const file: CacheFile = { format: FORMAT, fingerprint: this.fingerprint, specs: sortedKeys(used.specs), renders: sortedKeys(renders) };
      try {
        this.fs.mkdirs(CACHE_DIR);
        this.fs.replaceFile(`${CACHE_DIR}/${environment}.json`, Buffer.from(JSON.stringify(file)));
      } catch (error) {
        // A read-only checkout or a full disk: the cache is an optimisation, never a reason to fail.
        // A link planted where the cache goes is another matter.
        if (error instanceof FsProblem && error.kind !== 'os-error') throw error;
      }
    }
  }

  private load(environment: string): Store {
    let store = this.loaded.get(environment);
    if (!store) {
      store = { specs: {}, renders: {} };
      try {
        const file = JSON.parse(this.fs.read(`${CACHE_DIR}/${environment}.json`, MAX_CACHE_FILE_BYTES).toString('utf8')) as Partial<CacheFile>;
        if (file.format === FORMAT && file.fingerprint === this.fingerprint && isRecord(file.specs) && isRecord(file.renders)) {
          store = { specs: file.specs as Record<string, string>, renders: file.renders as Record<string, RenderEntry> };
        }
      } catch (error) {
        // A link where a cache file should be is refused; no cache yet, or one we cannot read: start empty.
        if (error instanceof FsProblem && (error.kind === 'symlink' || error.kind === 'special-file')) throw error;
      }
      this.loaded.set(environment, store);
    }
    return store;
  }

  private use(environment: string): Store {
    let store = this.used.get(environment);
    if (!store) this.used.set(environment, (store = { specs: {}, renders: {} }));
    return store;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k));
}

function sameRenders(a: Record<string, RenderEntry>, b: Record<string, RenderEntry>): boolean {
  return sameKeys(a, b) && Object.entries(a).every(([path, e]) => b[path]?.key === e.key && b[path]?.sha === e.sha);
}
