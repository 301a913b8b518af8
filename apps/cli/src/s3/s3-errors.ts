/**
 * What a failed S3 request means for the release checks: a missing bucket or object (data, not a
 * failure) or a StoreUnavailable with the reason in words. The endpoint may come from a spec, so
 * nothing the server sends is quoted: only an error code of plain characters and the HTTP status.
 */
import { StoreUnavailable } from '@tritonops/planner';
import { CREDENTIALS_HINT } from './s3-credentials.ts';

export interface FailureContext {
  /** The endpoint as people know it: `https://host:port` or `AWS S3`. */
  readonly endpoint: string;
  /** The credentials used, in words (describeSource): which variables or profile. */
  readonly credentials: string;
  readonly bucket: string;
  readonly region: string;
  readonly timeoutMs: number;
  /** Set when our own deadline aborted the request. */
  readonly timedOut?: boolean;
}

export type Failure = { kind: 'missing-bucket' } | { kind: 'missing-object' } | { kind: 'unavailable'; error: StoreUnavailable };

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;
const CODE = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** Node's error code of `error`, or of the first error an AggregateError (happy eyeballs) holds. */
function codeOf(error: ErrorShape): string | undefined {
  if (typeof error.code === 'string') return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors as ErrorShape[]) if (inner && typeof inner.code === 'string') return inner.code;
  }
  return undefined;
}

/** First line of a local (Node/OpenSSL) message, printable ASCII only, bounded. */
function localMessage(error: ErrorShape): string {
  const text = typeof error.message === 'string' ? error.message : '';
  return (text.split('\n')[0] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

export function classifyFailure(error: unknown, context: FailureContext): Failure {
  const shape: ErrorShape = typeof error === 'object' && error !== null ? (error as ErrorShape) : { message: String(error) };
  const name = typeof shape.name === 'string' ? shape.name : '';
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const code = codeOf(shape);
  const unavailable = (reason: string, hint: string): Failure => ({ kind: 'unavailable', error: new StoreUnavailable(context.endpoint, reason, hint) });
  const endpointHint = "check the endpoint (the environment's spec.s3.endpoint or the s3:// URI): host, port and scheme";
  const seconds = `${context.timeoutMs / 1000} s`;

  if (name === 'NoSuchBucket') return { kind: 'missing-bucket' };
  if (name === 'NoSuchKey' || (status === 404 && name === 'NotFound')) return { kind: 'missing-object' };

  if (context.timedOut || name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return unavailable(
      `no answer within ${seconds}`,
      `${endpointHint}; make sure it can be reached from here (firewall, proxy), or give a slow link more time with TRITONOPS_S3_TIMEOUT_SECONDS`,
    );
  }
  if (name === 'CredentialsProviderError' || name === 'ProviderError') {
    return unavailable(`no credentials: ${context.credentials} gives none (${localMessage(shape)})`, CREDENTIALS_HINT);
  }
  if (code === 'ECONNREFUSED') return unavailable('connection refused: nothing listens at that host and port', `${endpointHint}, and that the S3 server runs`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return unavailable(`the host name does not resolve (DNS ${code})`, `${endpointHint}; check the host's spelling and this machine's DNS`);
  }
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(localMessage(shape))) {
    return unavailable(
      'TLS failed: the server does not speak TLS on that port',
      'write the endpoint with http:// if the server speaks plain HTTP, or use its TLS port',
    );
  }
  if (code && (TLS_CODES.test(code) || code === 'EPROTO')) {
    return unavailable(
      `TLS failed (${code}): ${localMessage(shape)}`,
      "check the server's certificate names this host; for a private certificate authority set NODE_EXTRA_CA_CERTS to its PEM file",
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') {
    return unavailable(
      `the connection was closed by the server (${code})`,
      `${endpointHint}; an https:// endpoint written as http:// (or the reverse) does this`,
    );
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return unavailable(`the host cannot be reached (${code})`, `${endpointHint}, and this machine's network`);

  const s3Code = CODE.test(name) ? name : 'unknown error';
  switch (name) {
    case 'AccessDenied':
    case 'AllAccessDisabled':
      return unavailable(
        `access denied to bucket ${context.bucket} for ${context.credentials}`,
        "give these credentials s3:ListBucket on the bucket and s3:GetObject on the repositories' prefixes (docs/s3.md)",
      );
    case 'InvalidAccessKeyId':
      return unavailable(
        `the server does not know the access key ID of ${context.credentials}`,
        `check the key belongs to this endpoint's account; ${CREDENTIALS_HINT}`,
      );
    case 'SignatureDoesNotMatch':
      return unavailable(`the secret key of ${context.credentials} does not match its access key ID`, `check the secret key; ${CREDENTIALS_HINT}`);
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
    case 'InvalidToken':
      return unavailable(
        `the session token of ${context.credentials} has expired or is invalid (${name})`,
        `get new temporary credentials; ${CREDENTIALS_HINT}`,
      );
    case 'RequestTimeTooSkewed':
      return unavailable("the server refuses this machine's clock (RequestTimeTooSkewed)", 'set the clock right (NTP)');
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
    case 'IllegalLocationConstraintException':
      return unavailable(
        `bucket ${context.bucket} is not in region ${context.region} (${name})`,
        "set the environment's spec.s3.region to the bucket's region",
      );
  }
  if (status === 301)
    return unavailable(`bucket ${context.bucket} is not in region ${context.region} (HTTP 301)`, "set the environment's spec.s3.region to the bucket's region");
  if (status === 403)
    return unavailable(`access denied (HTTP 403, ${s3Code}) for ${context.credentials}`, 'give these credentials s3:ListBucket and s3:GetObject (docs/s3.md)');
  if (status !== undefined && status >= 500)
    return unavailable(`the server failed (HTTP ${status}, ${s3Code})`, 'try again later; if it persists, check the S3 server');
  if (status !== undefined) return unavailable(`the server refused the request (HTTP ${status}, ${s3Code})`, `${endpointHint}; is it an S3 server?`);
  if (name === 'SyntaxError' || /Deserialization|XML/i.test(name)) {
    return unavailable("the server's answer is not S3's", `${endpointHint}; is it an S3 server?`);
  }
  // Only Node's own errors (with a code) are quoted; anything else may carry the server's words.
  return unavailable(code ? `unexpected error (${code}): ${localMessage(shape)}` : `unexpected error (${s3Code})`, endpointHint);
}
