/**
 * What the release checks (`validate --s3`, `new model --from`) read of a model repository: a
 * listing and a few small objects of an S3 location. The planner never opens a connection; the
 * CLI implements this against S3 (apps/cli/src/s3/), tests against a local S3 server.
 */
import type { S3Location } from '../values/s3.ts';

/** A repository's location with what the environment adds: its endpoint (when the URI has none) and region. */
export interface StoreLocation extends S3Location {
  /** The signing region (the environment's `s3.region`); the client's default when absent. */
  readonly region?: string;
}

/** One level of a listing under a prefix, as S3 lists it with a `/` delimiter. */
export interface StoreListing {
  /** Names (the last path segment, no slash) of the "folders" directly under the prefix. */
  readonly folders: readonly string[];
  /** Names of the objects directly under the prefix. */
  readonly files: readonly string[];
}

/** Why the store could not answer: said once per endpoint, never as a missing object. */
export class StoreUnavailable extends Error {
  constructor(
    /** The endpoint as people know it (`https://host:port` or `AWS S3`). */
    readonly endpoint: string,
    /** What went wrong, in words: a timeout, refused connection, denied access, no credentials. */
    readonly reason: string,
    /** How to fix it. */
    readonly hint: string,
  ) {
    super(`S3 at ${endpoint} cannot be read: ${reason}`);
  }
}

export interface ModelStore {
  /**
   * One level under `location.prefix` + `path` (`path` relative, no leading or trailing slash,
   * '' for the location itself). A prefix that holds nothing lists as empty.
   * @throws StoreUnavailable when the endpoint cannot be reached or refuses the request.
   */
  list(location: StoreLocation, path: string): Promise<StoreListing>;
  /**
   * The bytes of the object `location.prefix` + `/` + `path`, or undefined when there is none.
   * Refuses (StoreUnavailable is not used for that) objects over `maxBytes` by returning
   * `{ tooLarge: size }`.
   * @throws StoreUnavailable when the endpoint cannot be reached or refuses the request.
   */
  read(location: StoreLocation, path: string, maxBytes: number): Promise<Uint8Array | { tooLarge: number } | undefined>;
}
