/**
 * Reading releases from a ModelStore the way the release checks need it: every listing and object
 * asked for once per run (the stable and canary tracks of a model, or two environments, often share
 * a release), at most a few requests at a time, and an endpoint that failed once is not asked again.
 */
import { formatEndpoint } from '../values/s3.ts';
import { StoreUnavailable, type ModelStore, type StoreListing, type StoreLocation } from './model-store.ts';

/** Requests in flight at once: enough to hide latency, few enough not to be throttled. */
export const DEFAULT_CONCURRENCY = 8;

/** How a location's endpoint is named: the cache key and what messages say. */
export function endpointName(location: StoreLocation): string {
  return location.endpoint ? formatEndpoint(location.endpoint) : 'AWS S3';
}

/** `s3://bucket/prefix/` + `path`: the object or folder a message names. */
export function objectUri(location: StoreLocation, path = ''): string {
  const base = `s3://${location.bucket}/${location.prefix ? `${location.prefix}/` : ''}`;
  return base + path;
}

export class ReleaseReader {
  readonly #store: ModelStore;
  readonly #limit: number;
  readonly #cache = new Map<string, Promise<unknown>>();
  /** Endpoints that could not be read, with why: later requests to them fail at once. */
  readonly #down = new Map<string, StoreUnavailable>();
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  /** Requests actually sent to the store (a test counts them). */
  requests = 0;

  constructor(store: ModelStore, concurrency = DEFAULT_CONCURRENCY) {
    this.#store = store;
    this.#limit = Math.max(1, concurrency);
  }

  /** The endpoints that failed, with the first error of each. */
  get unavailable(): ReadonlyMap<string, StoreUnavailable> {
    return this.#down;
  }

  list(location: StoreLocation, path: string): Promise<StoreListing> {
    return this.#cached(location, `list\0${path}`, () => this.#store.list(location, path));
  }

  read(location: StoreLocation, path: string, maxBytes: number): Promise<Uint8Array | { tooLarge: number } | undefined> {
    return this.#cached(location, `read\0${path}\0${maxBytes}`, () => this.#store.read(location, path, maxBytes));
  }

  #cached<T>(location: StoreLocation, what: string, run: () => Promise<T>): Promise<T> {
    const endpoint = endpointName(location);
    const key = [endpoint, location.region ?? '', location.bucket, location.prefix, what].join('\0');
    let found = this.#cache.get(key) as Promise<T> | undefined;
    if (!found) {
      found = this.#limited(endpoint, run);
      this.#cache.set(key, found);
    }
    return found;
  }

  async #limited<T>(endpoint: string, run: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      const down = this.#down.get(endpoint);
      if (down) throw down;
      this.requests++;
      return await run();
    } catch (error) {
      if (error instanceof StoreUnavailable && !this.#down.has(endpoint)) this.#down.set(endpoint, error);
      throw error;
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}
