/**
 * The release checks' ModelStore on S3 through the AWS SDK: one level listings (ListObjectsV2 with
 * a `/` delimiter) and bounded reads (GetObject, refused by its length). Read-only; the SDK is imported
 * on first use so commands that never touch S3 do not load it.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { formatEndpoint, type ModelStore, type StoreListing, type StoreLocation, StoreUnavailable } from '@tritonops/planner';
import { credentialSource, CREDENTIALS_HINT, describeSource, type CredentialSource } from './s3-credentials.ts';
import { classifyFailure, type FailureContext } from './s3-errors.ts';

export interface S3StoreOptions {
  /** A profile of the shared config/credentials files; wins over AWS_PROFILE and keys in `env`. */
  readonly profile?: string;
  /** Connection and request timeout each; default TRITONOPS_S3_TIMEOUT_SECONDS or 10 s. */
  readonly timeoutMs?: number;
  /** Keys per ListObjectsV2 page (S3's maximum and default: 1000); small values test pagination. */
  readonly pageSize?: number;
  /** Where credentials and settings are read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_REGION = 'us-east-1';
/** Attempts per request: one retry for a dropped connection or a 5xx, not a long back-off. */
const MAX_ATTEMPTS = 2;
/** A level of a model repository holds a few entries; a server that pages on and on is cut off. */
const MAX_LEVEL_ENTRIES = 100_000;

type Sdk = typeof import('@aws-sdk/client-s3');
type Credentials = NonNullable<S3ClientConfig['credentials']>;
let sdkLoading: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  // The SDK warns on stderr, once per process, that its releases after January 2027 need Node 22:
  // news for whoever upgrades the pinned version, not for a user of the CLI.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return (sdkLoading ??= import('@aws-sdk/client-s3'));
}

export function createS3Store(options: S3StoreOptions = {}): ModelStore {
  return new S3Store(options);
}

/** The timeout `options` and `env` ask for, or a StoreUnavailable reason when the variable is not a number. */
export function timeoutOf(options: S3StoreOptions, env: NodeJS.ProcessEnv): number | { problem: string } {
  if (options.timeoutMs !== undefined) return options.timeoutMs;
  const text = env.TRITONOPS_S3_TIMEOUT_SECONDS;
  if (text === undefined || text === '') return DEFAULT_TIMEOUT_MS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) return { problem: `TRITONOPS_S3_TIMEOUT_SECONDS is "${text.slice(0, 20)}", not a number of seconds above 0` };
  return Math.round(seconds * 1000);
}

class S3Store implements ModelStore {
  readonly #env: NodeJS.ProcessEnv;
  readonly #source: CredentialSource;
  readonly #timeout: number | { problem: string };
  readonly #pageSize: number | undefined;
  readonly #clients = new Map<string, Promise<S3Client>>();
  #profileCredentials: Credentials | undefined;

  constructor(options: S3StoreOptions) {
    this.#env = options.env ?? process.env;
    this.#source = credentialSource(this.#env, options.profile);
    this.#timeout = timeoutOf(options, this.#env);
    this.#pageSize = options.pageSize;
  }

  async list(location: StoreLocation, path: string): Promise<StoreListing> {
    const key = keyOf(location, path);
    const prefix = key === '' ? '' : `${key}/`;
    const folders = new Set<string>();
    const files = new Set<string>();
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const page = await this.#send(location, async (sdk, client, abortSignal) => {
        try {
          return await client.send(
            new sdk.ListObjectsV2Command({
              Bucket: location.bucket,
              Prefix: prefix,
              Delimiter: '/',
              ...(token ? { ContinuationToken: token } : {}),
              ...(this.#pageSize ? { MaxKeys: this.#pageSize } : {}),
            }),
            { abortSignal },
          );
        } catch (error) {
          // A missing bucket is a missing repository, which the planner reports: not a failure.
          if (classifyFailure(error, this.#context(location, false)).kind === 'missing-bucket') return 'missing-bucket' as const;
          throw error;
        }
      });
      if (page === 'missing-bucket') return { folders: [], files: [] };
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix?.startsWith(prefix) ? p.Prefix.slice(prefix.length).replace(/\/$/, '') : '';
        if (name !== '' && !name.includes('/')) folders.add(name);
      }
      for (const o of page.Contents ?? []) {
        // The `folder/` marker objects consoles create list as the prefix itself: not a file.
        const name = o.Key?.startsWith(prefix) ? o.Key.slice(prefix.length) : '';
        if (name !== '' && !name.includes('/')) files.add(name);
      }
      if (folders.size + files.size > MAX_LEVEL_ENTRIES) {
        throw this.#unavailable(
          location,
          `s3://${location.bucket}/${prefix} lists more than ${MAX_LEVEL_ENTRIES} entries`,
          'a model repository level holds a few folders and files; check the location',
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (token !== undefined) {
        if (seen.has(token)) throw this.#unavailable(location, 'the server repeats a listing page (continuation token)', 'check the S3 server');
        seen.add(token);
      }
    } while (token !== undefined);
    // Sorted by code unit, as S3 orders keys, so every server gives the planner the same order.
    return { folders: [...folders].sort(), files: [...files].sort() };
  }

  async read(location: StoreLocation, path: string, maxBytes: number): Promise<Uint8Array | { tooLarge: number } | undefined> {
    const key = keyOf(location, path);
    return this.#send(location, async (sdk, client, abortSignal) => {
      let answer;
      try {
        // The whole object, not a byte range: S3 refuses a range of an empty object and some
        // S3-compatible stores ignore ranges. The announced length decides before any body is read.
        answer = await client.send(new sdk.GetObjectCommand({ Bucket: location.bucket, Key: key }), { abortSignal });
      } catch (error) {
        const failure = classifyFailure(error, this.#context(location, false));
        if (failure.kind === 'missing-bucket' || failure.kind === 'missing-object') return undefined;
        throw error;
      }
      const body = answer.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      const size = answer.ContentLength;
      if (size !== undefined && size > maxBytes) {
        // Closes the connection instead of downloading what is not wanted.
        body?.destroy?.();
        return { tooLarge: size };
      }
      const chunks: Uint8Array[] = [];
      let length = 0;
      for await (const chunk of body ?? []) {
        length += chunk.length;
        // A server that sends more than it announced is cut off at the limit all the same.
        if (length > maxBytes) {
          body?.destroy?.();
          return { tooLarge: size ?? length };
        }
        chunks.push(chunk);
      }
      const bytes = new Uint8Array(length);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return bytes;
    });
  }

  /**
   * Runs `request` with the client for `location` under the deadline; failures `request` does not
   * handle become StoreUnavailable.
   */
  async #send<T>(location: StoreLocation, request: (sdk: Sdk, client: S3Client, abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.#source.kind === 'none') {
      throw this.#unavailable(location, this.#source.problem, CREDENTIALS_HINT);
    }
    if (typeof this.#timeout !== 'number') throw this.#unavailable(location, this.#timeout.problem, 'set it to a number of seconds, e.g. 10');
    const timeout = this.#timeout;
    const sdk = await loadSdk();
    const client = await this.#client(sdk, location, timeout);
    // The SDK's timeouts cover connecting and silence between bytes; this bounds the whole request
    // (both attempts) against a server that trickles.
    const deadline = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        deadline.abort();
      },
      timeout * MAX_ATTEMPTS + 1000,
    );
    try {
      return await request(sdk, client, deadline.signal);
    } catch (error) {
      if (error instanceof StoreUnavailable) throw error;
      const failure = classifyFailure(error, this.#context(location, timedOut));
      if (failure.kind === 'unavailable') throw failure.error;
      // A missing bucket or object where the request did not expect one: the listing handles those.
      throw this.#unavailable(location, `unexpected ${failure.kind}`, 'check the location');
    } finally {
      clearTimeout(timer);
    }
  }

  #context(location: StoreLocation, timedOut: boolean): FailureContext {
    return {
      endpoint: endpointLabel(location),
      credentials: describeSource(this.#source),
      bucket: location.bucket,
      region: location.region ?? DEFAULT_REGION,
      timeoutMs: typeof this.#timeout === 'number' ? this.#timeout : DEFAULT_TIMEOUT_MS,
      timedOut,
    };
  }

  #unavailable(location: StoreLocation, reason: string, hint: string): StoreUnavailable {
    return new StoreUnavailable(endpointLabel(location), reason, hint);
  }

  /** One client per endpoint and region, sharing the credentials (a profile is resolved once). */
  #client(sdk: Sdk, location: StoreLocation, timeout: number): Promise<S3Client> {
    const region = location.region ?? DEFAULT_REGION;
    const id = `${endpointLabel(location)}\0${region}`;
    let client = this.#clients.get(id);
    if (!client) {
      client = this.#credentialProvider().then(
        (credentials) =>
          new sdk.S3Client({
            region,
            credentials,
            ...(location.endpoint ? { endpoint: formatEndpoint(location.endpoint), forcePathStyle: true } : { followRegionRedirects: true }),
            // The endpoint is the spec's alone: not AWS_ENDPOINT_URL or a profile's services section.
            ignoreConfiguredEndpointUrls: true,
            maxAttempts: MAX_ATTEMPTS,
            requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
            // Reads only; S3-compatible stores do not all send CRC checksums.
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }),
      );
      this.#clients.set(id, client);
    }
    return client;
  }

  async #credentialProvider(): Promise<Credentials> {
    const source = this.#source;
    if (source.kind === 'environment') {
      return {
        accessKeyId: source.accessKeyId,
        secretAccessKey: source.secretAccessKey,
        ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}),
      };
    }
    if (source.kind !== 'profile') throw new Error('no credential source');
    if (!this.#profileCredentials) {
      const { fromIni } = await import('@aws-sdk/credential-providers');
      const files = {
        ...(this.#env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: this.#env.AWS_SHARED_CREDENTIALS_FILE } : {}),
        ...(this.#env.AWS_CONFIG_FILE ? { configFilepath: this.#env.AWS_CONFIG_FILE } : {}),
      };
      this.#profileCredentials = fromIni({ profile: source.profile, ...files });
    }
    return this.#profileCredentials;
  }
}

/** The key of `path` under the location's prefix, without leading or trailing slash. */
function keyOf(location: StoreLocation, path: string): string {
  return [location.prefix, path].filter((part) => part !== '').join('/');
}

function endpointLabel(location: StoreLocation): string {
  return location.endpoint ? formatEndpoint(location.endpoint) : 'AWS S3';
}
