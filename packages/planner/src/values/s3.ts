/**
 * S3 locations in the forms Triton accepts. Triton's S3 client reads the endpoint out of the URI
 * itself (`s3://https://host:443/bucket/path`) and can only tell it from the bucket by the port,
 * so custom endpoints must carry one.
 */

export interface S3Endpoint {
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

export interface S3Location {
  /** Set when the location names its own endpoint; otherwise the environment's (or AWS) applies. */
  readonly endpoint?: S3Endpoint;
  readonly bucket: string;
  /** Key prefix without leading or trailing slash; may be empty (bucket root). */
  readonly prefix: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string; hint: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SEGMENT = /^[0-9A-Za-z._-]+$/;

/** Parses `https://host:443` (the environment's `s3.endpoint`). */
export function parseEndpoint(text: string): Parsed<S3Endpoint> {
  const m = /^(https?):\/\/([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (!m) {
    return { ok: false, problem: `"${text}" is not an S3 endpoint`, hint: 'write it as scheme://host:port, e.g. https://s3.example.com:443' };
  }
  const [, scheme, host, port] = m as unknown as [string, 'http' | 'https', string, string | undefined];
  if (port === undefined) {
    const fixed = `${scheme}://${host}:${scheme === 'https' ? 443 : 80}`;
    return { ok: false, problem: `S3 endpoint "${text}" has no port; Triton needs it to tell the endpoint from the bucket`, hint: `write ${fixed}` };
  }
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65535)
    return { ok: false, problem: `port ${port} of S3 endpoint "${text}" is out of range`, hint: 'use a port from 1 to 65535' };
  return { ok: true, value: { scheme, host: host.toLowerCase(), port: portNumber } };
}

/** Parses a model repository: `s3://bucket/path`, `s3://https://host:port/bucket/path` or `s3://host:port/bucket/path`. */
export function parseS3Uri(uri: string): Parsed<S3Location> {
  if (!uri.startsWith('s3://')) return { ok: false, problem: `"${uri}" is not an S3 URI`, hint: 'write s3://bucket/path/to/repository' };
  let rest = uri.slice('s3://'.length);
  let endpoint: S3Endpoint | undefined;
  const withScheme = /^(https?):\/\/([^/]+)\/(.*)$/.exec(rest);
  const withHost = /^([^/]*:[^/]*)\/(.*)$/.exec(rest);
  if (withScheme || withHost) {
    const endpointText = withScheme ? `${withScheme[1]}://${withScheme[2]}` : `http://${withHost![1]}`;
    const parsed = parseEndpoint(endpointText);
    if (!parsed.ok) {
      const host = withScheme ? withScheme[2]! : withHost![1]!;
      const tail = withScheme ? withScheme[3]! : withHost![2]!;
      return {
        ok: false,
        problem: `S3 URI "${uri}" names a custom endpoint without a port; Triton needs the port to tell the endpoint from the bucket`,
        hint: `write s3://${withScheme ? `${withScheme[1]}://` : ''}${host.replace(/:$/, '')}:${withScheme?.[1] === 'https' ? 443 : 80}/${tail}`,
      };
    }
    endpoint = parsed.value;
    rest = withScheme ? withScheme[3]! : withHost![2]!;
  } else if (/^https?:\/\/[^/]*$/.test(rest)) {
    return { ok: false, problem: `S3 URI "${uri}" names an endpoint but no bucket`, hint: 'write s3://https://host:443/bucket/path' };
  }
  const segments = rest.replace(/\/+$/, '').split('/');
  const bucket = segments.shift() ?? '';
  if (bucket === '') return { ok: false, problem: `S3 URI "${uri}" has no bucket`, hint: 'write s3://bucket/path/to/repository' };
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    const lower = bucket.toLowerCase();
    return {
      ok: false,
      problem: `"${bucket}" in "${uri}" is not a valid bucket name`,
      hint:
        bucket !== lower && BUCKET.test(lower)
          ? `bucket names are lowercase: ${lower}`
          : 'bucket names are 3-63 characters of lowercase letters, digits, "." and "-"',
    };
  }
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || !SEGMENT.test(segment)) {
      const shown = segment === '' ? '(empty)' : `"${segment}"`;
      return {
        ok: false,
        problem: `path segment ${shown} of "${uri}" is not one Triton can load`,
        hint:
          segment === '..' || segment === '.'
            ? 'use a plain path inside the bucket; "." and ".." are not allowed'
            : 'path segments use letters, digits, ".", "_" and "-" and are separated by single "/"',
      };
    }
  }
  return { ok: true, value: { ...(endpoint ? { endpoint } : {}), bucket, prefix: segments.join('/') } };
}

export function formatEndpoint(e: S3Endpoint): string {
  return `${e.scheme}://${e.host}:${e.port}`;
}

/** The URI Triton's `--model-repository` takes for `location` on `endpoint` (none: AWS S3). */
export function tritonUri(location: S3Location, endpoint: S3Endpoint | undefined): string {
  const path = location.prefix ? `${location.bucket}/${location.prefix}` : location.bucket;
  if (!endpoint) return `s3://${path}`;
  // Triton speaks HTTP to `s3://host:port/...` and HTTPS only when the scheme is spelled out.
  const host = endpoint.scheme === 'https' ? formatEndpoint(endpoint) : `${endpoint.host}:${endpoint.port}`;
  return `s3://${host}/${path}`;
}

/** The `s3://bucket/prefix` form the AWS CLI takes (the endpoint goes in `--endpoint-url`). */
export function awsCliUri(location: S3Location): string {
  return `s3://${location.bucket}/${location.prefix ? `${location.prefix}/` : ''}`;
}

export function sameEndpoint(a: S3Endpoint | undefined, b: S3Endpoint | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && formatEndpoint(a) === formatEndpoint(b));
}
