/**
 * What a release holds, as far as Triton's loading depends on it: its model folders, and for each
 * model its `config.pbtxt`, its numeric version folders and the file its backend loads. Read with
 * list calls and one small GET per model; nothing here judges a spec (check-releases.ts does).
 *
 * Everything read is data from a bucket anyone with write access to it controls: names reach
 * messages only when they pass strict patterns (`safeName`), and the config's text never does.
 */
import { backendOf, readModelConfig, type TritonModelConfig } from '../triton/model-config.ts';
import type { StoreLocation } from './model-store.ts';
import type { ReleaseReader } from './release-reader.ts';

/** Largest `config.pbtxt` read: real ones are a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Folder and file names shown in messages: what Triton model names and version folders look like. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const VERSION = /^[0-9]{1,18}$/;

/** Text from the bucket or about it, made safe to print: plain printable ASCII, at most 200 characters. */
export function plainText(text: string): string {
  const plain = text.replace(/[^\x20-\x7e]/g, '?');
  return plain.length > 200 ? `${plain.slice(0, 197)}...` : plain;
}

export function safeName(name: string): boolean {
  return SAFE_NAME.test(name) && name !== '.' && name !== '..';
}

export type ConfigState =
  | { readonly state: 'missing' }
  | { readonly state: 'too-large'; readonly size: number }
  | { readonly state: 'invalid'; readonly problems: readonly { readonly line: number; readonly column: number; readonly message: string }[] }
  | { readonly state: 'ok'; readonly config: TritonModelConfig };

export interface ModelFacts {
  readonly name: string;
  readonly config: ConfigState;
  /** Numeric version folders, ascending. */
  readonly versions: readonly number[];
  /** The backend (`python`, `vllm`, `onnxruntime`, …) when the config says or implies it. */
  readonly backend?: string;
  /** A file the backend loads that the newest version lacks, as `<version>/<file>`. */
  readonly missingFile?: string;
}

/** Files a backend loads from the version folder, when the name is fixed (or fixed by default). */
const BACKEND_FILES: Readonly<Record<string, string>> = { vllm: 'model.json', python: 'model.py' };

/** The model folders of a release (names that pass `safeName`, sorted), and the others, or undefined when nothing is stored under it. */
export async function releaseFolders(reader: ReleaseReader, location: StoreLocation): Promise<{ folders: string[]; unsafe: string[] } | undefined> {
  const root = await reader.list(location, '');
  if (root.folders.length === 0 && root.files.length === 0) return undefined;
  const folders = root.folders.filter(safeName).sort();
  return { folders, unsafe: root.folders.filter((f) => !safeName(f)).sort() };
}

/** A name that fails `safeName`, as a message may show it: quoted, escaped to printable ASCII, shortened. */
export function escapedName(name: string): string {
  const short = name.length > 40 ? `${name.slice(0, 37)}...` : name;
  return JSON.stringify(short).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The folders tritonops cannot name, for a message: the first few escaped, then how many more. */
export function unsafeFolderList(unsafe: readonly string[]): string {
  const shown = unsafe.slice(0, 3).map(escapedName).join(', ');
  return unsafe.length > 3 ? `${shown} and ${unsafe.length - 3} more` : shown;
}

/** Reads one model folder of a release: its listing, its config and, for backends that need a fixed file, its newest version. */
export async function inspectModel(reader: ReleaseReader, location: StoreLocation, name: string): Promise<ModelFacts> {
  const listing = await reader.list(location, name);
  const versions = listing.folders
    .filter((f) => VERSION.test(f))
    .map(Number)
    .sort((a, b) => a - b);
  let config: ConfigState = { state: 'missing' };
  if (listing.files.includes('config.pbtxt')) {
    const bytes = await reader.read(location, `${name}/config.pbtxt`, MAX_CONFIG_BYTES);
    if (bytes === undefined) config = { state: 'missing' };
    else if ('tooLarge' in bytes) config = { state: 'too-large', size: bytes.tooLarge };
    else {
      // Decided from the parsed config only: the text is the bucket's, and no pattern runs over it.
      const parsed = readModelConfig(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
      config = parsed.ok ? { state: 'ok', config: parsed.config } : { state: 'invalid', problems: parsed.problems };
    }
  }
  const backend = config.state === 'ok' ? backendOf(config.config) : undefined;
  const newest = versions.at(-1);
  const file = backend !== undefined ? loadedFile(backend, config.state === 'ok' ? config.config : undefined) : undefined;
  let missingFile: string | undefined;
  if (file && newest !== undefined) {
    const version = await reader.list(location, `${name}/${newest}`);
    if (!version.files.includes(file)) missingFile = `${newest}/${file}`;
  }
  return { name, config, versions, ...(backend !== undefined ? { backend } : {}), ...(missingFile ? { missingFile } : {}) };
}

/**
 * The file of the version folder the backend loads, when its name is known: the Python backend
 * loads `default_model_filename` instead of model.py when it is set (a name in a subfolder, or one
 * a message cannot show, is not checked).
 */
function loadedFile(backend: string, config: TritonModelConfig | undefined): string | undefined {
  const renamed = config?.defaultModelFilename;
  if (backend === 'python' && renamed !== undefined) return safeName(renamed) ? renamed : undefined;
  return BACKEND_FILES[backend];
}

/** Backends whose image variant is fixed, and the part of the tag that shows it. */
export const IMAGE_VARIANTS: Readonly<Record<string, { readonly test: (tag: string) => boolean; readonly needs: string; readonly variant: string }>> = {
  vllm: { test: (tag) => tag.includes('-vllm-'), needs: 'a `-vllm-` image', variant: 'vllm-python-py3' },
  tensorrtllm: { test: (tag) => tag.includes('-trtllm-'), needs: 'a `-trtllm-` image', variant: 'trtllm-python-py3' },
  python: { test: (tag) => /-py3$/.test(tag), needs: 'an image that ends in `-py3` (with the Python backend)', variant: 'py3' },
};

/** The tag of a `tritonserver` image (the variant is in it); undefined for other images or untagged ones. */
export function tritonImageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const repository = withoutDigest.slice(slash + 1, colon);
  return repository === 'tritonserver' ? withoutDigest.slice(colon + 1) : undefined;
}

/** The image variant suffix (after `<version>-`) that fits every backend, or undefined when none does. */
export function variantFor(backends: Iterable<string>): string | undefined {
  const set = new Set(backends);
  if (set.has('vllm') && set.has('tensorrtllm')) return undefined;
  if (set.has('vllm')) return IMAGE_VARIANTS.vllm!.variant;
  if (set.has('tensorrtllm')) return IMAGE_VARIANTS.tensorrtllm!.variant;
  return 'py3';
}
