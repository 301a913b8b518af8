/**
 * The S3 store's pieces that need no server: which credentials it takes, its timeout setting, and
 * what each failure means. The store against a real S3 server: test/s3-store.test.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreUnavailable } from '@tritonops/planner';
import { describe, expect, it } from 'vitest';
import { credentialSource, describeSource } from '../src/s3/s3-credentials.ts';
import { classifyFailure, type FailureContext } from '../src/s3/s3-errors.ts';
import { timeoutOf } from '../src/s3/s3-store.ts';

const context: FailureContext = {
  endpoint: 'https://s3.example.com:443',
  credentials: describeSource({ kind: 'environment', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' }),
  bucket: 'models',
  region: 'eu-west-1',
  timeoutMs: 10_000,
};

/** An error as the SDK throws it for an S3 error answer. */
function s3Error(name: string, status: number, message = 'the server says: <script>ignore previous</script>') {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}
function nodeError(code: string, message = `connect ${code}`) {
  return Object.assign(new Error(message), { code });
}
function reasonOf(error: unknown, ctx = context): { reason: string; hint: string } {
  const failure = classifyFailure(error, ctx);
  if (failure.kind !== 'unavailable') throw new Error(`expected unavailable, got ${failure.kind}`);
  expect(failure.error).toBeInstanceOf(StoreUnavailable);
  expect(failure.error.endpoint).toBe('https://s3.example.com:443');
  return { reason: failure.error.reason, hint: failure.error.hint };
}

describe('credential sources', () => {
  it('takes an explicit profile, then AWS_PROFILE, then the key variables', () => {
    const keys = { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's' };
    expect(credentialSource({ ...keys, AWS_PROFILE: 'ci' }, 'ops')).toEqual({ kind: 'profile', profile: 'ops', from: 'option' });
    expect(credentialSource({ ...keys, AWS_PROFILE: 'ci' })).toEqual({ kind: 'profile', profile: 'ci', from: 'AWS_PROFILE' });
    expect(credentialSource({ ...keys, AWS_SESSION_TOKEN: 't' })).toEqual({
      kind: 'environment',
      accessKeyId: 'AKIA1',
      secretAccessKey: 's',
      sessionToken: 't',
    });
    expect(credentialSource({})).toEqual({ kind: 'none', problem: 'no credentials' });
    expect(credentialSource({ AWS_SECRET_ACCESS_KEY: 's' })).toEqual({ kind: 'none', problem: 'AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not' });
  });

  it('describes a source by where it comes from, never by its values', () => {
    const text = describeSource({ kind: 'environment', accessKeyId: 'AKIA1', secretAccessKey: 'hush', sessionToken: 'tok' });
    expect(text).toBe('the keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN)');
    expect(describeSource({ kind: 'profile', profile: 'ci', from: 'AWS_PROFILE' })).toBe('profile "ci" (from AWS_PROFILE)');
  });
});

describe('the timeout', () => {
  it('is 10 s, TRITONOPS_S3_TIMEOUT_SECONDS, or the option', () => {
    expect(timeoutOf({}, {})).toBe(10_000);
    expect(timeoutOf({}, { TRITONOPS_S3_TIMEOUT_SECONDS: '2.5' })).toBe(2500);
    expect(timeoutOf({ timeoutMs: 300 }, { TRITONOPS_S3_TIMEOUT_SECONDS: '2.5' })).toBe(300);
    expect(timeoutOf({}, { TRITONOPS_S3_TIMEOUT_SECONDS: '0' })).toEqual({ problem: 'TRITONOPS_S3_TIMEOUT_SECONDS is "0", not a number of seconds above 0' });
  });
});

describe('failures', () => {
  it('treats a missing bucket and a missing object as data, not as unavailable', () => {
    expect(classifyFailure(s3Error('NoSuchBucket', 404), context)).toEqual({ kind: 'missing-bucket' });
    expect(classifyFailure(s3Error('NoSuchKey', 404), context)).toEqual({ kind: 'missing-object' });
    expect(classifyFailure(s3Error('NotFound', 404), context)).toEqual({ kind: 'missing-object' });
  });

  it('names the credentials a refusal was for', () => {
    expect(reasonOf(s3Error('SignatureDoesNotMatch', 403)).reason).toBe(
      'the secret key of the keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY does not match its access key ID',
    );
    const denied = reasonOf(s3Error('AccessDenied', 403));
    expect(denied.reason).toBe('access denied to bucket models for the keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
    expect(denied.hint).toContain('s3:ListBucket');
    expect(denied.hint).toContain('s3:GetObject');
    expect(reasonOf(s3Error('ExpiredToken', 400)).reason).toContain('session token');
    expect(reasonOf(s3Error('PermanentRedirect', 301)).reason).toBe('bucket models is not in region eu-west-1 (PermanentRedirect)');
  });

  it('says what the network did', () => {
    expect(reasonOf(nodeError('ECONNREFUSED')).reason).toBe('connection refused: nothing listens at that host and port');
    expect(reasonOf(nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND s3.example.com')).reason).toBe('the host name does not resolve (DNS ENOTFOUND)');
    expect(reasonOf(Object.assign(new Error('Socket timed out'), { name: 'TimeoutError' })).reason).toBe('no answer within 10 s');
    expect(reasonOf(Object.assign(new Error('aborted'), { name: 'AbortError' }), { ...context, timeoutMs: 1000, timedOut: true }).reason).toBe(
      'no answer within 1 s',
    );
    // Node 20 reports both failed addresses of a dual-stack host in one AggregateError.
    expect(reasonOf(Object.assign(new AggregateError([nodeError('ECONNREFUSED'), nodeError('ECONNREFUSED')]), {})).reason).toContain('connection refused');
    const tls = reasonOf(nodeError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'));
    expect(tls.reason).toBe('TLS failed (DEPTH_ZERO_SELF_SIGNED_CERT): self-signed certificate');
    expect(tls.hint).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('quotes nothing the server wrote: only a plain error code and the status', () => {
    const failed = reasonOf(s3Error('SlowDown', 503));
    expect(failed.reason).toBe('the server failed (HTTP 503, SlowDown)');
    const odd = reasonOf(s3Error('<b>evil</b>', 418));
    expect(odd.reason).toBe('the server refused the request (HTTP 418, unknown error)');
    expect(reasonOf(s3Error('Weird', 400)).reason).not.toContain('script');
  });
});

describe('loading the SDK', () => {
  it('imports @aws-sdk only when S3 is used: the store module imports its types alone', () => {
    for (const file of ['s3-store.ts', 's3-errors.ts', 's3-credentials.ts']) {
      const source = readFileSync(resolve(import.meta.dirname, '../src/s3', file), 'utf8');
      const eager = source.split('\n').filter((line) => /^import (?!type ).*from '@aws-sdk\//.test(line));
      expect(eager, file).toEqual([]);
    }
  });
});
