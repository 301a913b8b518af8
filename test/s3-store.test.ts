/**
 * The CLI's S3 model store against a real S3 protocol server (s3rver, support/s3-server.ts):
 * listings by level and page, bounded reads, missing things, both custom endpoint forms,
 * credentials from the environment and from a profile, and every way of being unavailable.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Store } from '@tritonops/cli/s3';
import { parseS3Uri, type StoreLocation, StoreUnavailable } from '@tritonops/planner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusingEndpoint, S3_ENV, type S3Server, silentEndpoint, startS3Server } from './support/s3-server.ts';

let s3: S3Server;
const CONFIG = 'name: "resnet"\nplatform: "onnxruntime_onnx"\n';
const LARGE = new Uint8Array(4096).fill(7);
const temp = mkdtempSync(join(tmpdir(), 'tritonops-s3-store-'));

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.uploadRepository('models', 'team/repo', {
    'resnet/config.pbtxt': CONFIG,
    'resnet/1/model.onnx': 'onnx-1',
    'resnet/2/model.onnx': 'onnx-2',
    'resnet/large.bin': LARGE,
    'resnet/empty.txt': '',
    // The marker object a console's "create folder" leaves: not a file of the level.
    'resnet/3/': '',
    'labels.txt': 'cat\ndog\n',
  });
  // 40 folders and 45 files on one level: with 7 keys a page, 13 pages.
  const many: Record<string, string> = {};
  for (let i = 0; i < 40; i++) many[`d${String(i).padStart(3, '0')}/model.onnx`] = 'x';
  for (let i = 0; i < 45; i++) many[`f${String(i).padStart(3, '0')}.txt`] = 'x';
  await s3.uploadRepository('models', 'many', many);
  // s3rver lists a common prefix only when it holds an object directly (support/s3-server.ts).
  await s3.put('models', 'team/owners.txt', 'ml-platform');
});

afterAll(async () => {
  await s3?.stop();
  rmSync(temp, { recursive: true, force: true });
});

function location(uri: string): StoreLocation {
  const parsed = parseS3Uri(uri);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

const repo = () => location(`s3://${s3.endpoint}/models/team/repo`);

/** The StoreUnavailable `promise` rejects with, and how long that took. */
async function unavailable(promise: Promise<unknown>): Promise<{ error: StoreUnavailable; ms: number }> {
  const start = performance.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreUnavailable);
  return { error: error as StoreUnavailable, ms: performance.now() - start };
}

describe('listing', () => {
  const store = () => createS3Store({ env: S3_ENV });

  it('lists one level: folders and files by name, folder markers left out', async () => {
    expect(await store().list(repo(), '')).toEqual({ folders: ['resnet'], files: ['labels.txt'] });
    expect(await store().list(repo(), 'resnet')).toEqual({
      folders: ['1', '2', '3'],
      files: ['config.pbtxt', 'empty.txt', 'large.bin'],
    });
    expect(await store().list(repo(), 'resnet/3')).toEqual({ folders: [], files: [] });
  });

  it('lists a prefix that holds nothing, and a bucket that does not exist, as empty', async () => {
    expect(await store().list(repo(), 'nothing-here')).toEqual({ folders: [], files: [] });
    expect(await store().list(location(`s3://${s3.endpoint}/no-such-bucket/team/repo`), '')).toEqual({ folders: [], files: [] });
  });

  it('follows every page of a level', async () => {
    const many = location(`s3://${s3.endpoint}/models/many`);
    const paged = await createS3Store({ env: S3_ENV, pageSize: 7 }).list(many, '');
    expect(paged.folders).toHaveLength(40);
    expect(paged.files).toHaveLength(45);
    expect(paged.folders[39]).toBe('d039');
    expect(paged.files[44]).toBe('f044.txt');
    expect(paged).toEqual(await store().list(many, ''));
  });

  it("follows S3's own pages of 1000 keys", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1003; i++) files[`file-${String(i).padStart(4, '0')}.txt`] = '';
    await s3.uploadRepository('thousand', 'level', files);
    const listed = await store().list(location(`s3://${s3.endpoint}/thousand/level`), '');
    expect(listed.files).toHaveLength(1003);
    expect(listed.files.at(-1)).toBe('file-1002.txt');
  });

  it('reads both custom endpoint forms: with the scheme and host:port alone (plain HTTP)', async () => {
    const bare = location(`s3://127.0.0.1:${s3.port}/models/team/repo`);
    expect(bare.endpoint).toEqual({ scheme: 'http', host: '127.0.0.1', port: s3.port });
    expect(await store().list(bare, '')).toEqual({ folders: ['resnet'], files: ['labels.txt'] });
    // A bucket-root location: the prefix is empty.
    expect(await store().list(location(`s3://${s3.endpoint}/models`), '')).toEqual({ folders: ['many', 'team'], files: [] });
  });
});

describe('reading', () => {
  const store = () => createS3Store({ env: S3_ENV });

  it('reads an object under the limit', async () => {
    const bytes = await store().read(repo(), 'resnet/config.pbtxt', 65536);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes as Uint8Array).toString('utf8')).toBe(CONFIG);
  });

  it('reads an object of exactly the limit, and refuses one byte more with its size', async () => {
    const exact = await store().read(repo(), 'resnet/large.bin', 4096);
    expect(exact).toEqual(LARGE);
    expect(await store().read(repo(), 'resnet/large.bin', 4095)).toEqual({ tooLarge: 4096 });
    expect(await store().read(repo(), 'resnet/large.bin', 10)).toEqual({ tooLarge: 4096 });
  });

  it('reads an empty object as no bytes', async () => {
    expect(await store().read(repo(), 'resnet/empty.txt', 100)).toEqual(new Uint8Array(0));
  });

  it('answers undefined for a missing object and for a missing bucket', async () => {
    expect(await store().read(repo(), 'resnet/missing.pbtxt', 100)).toBeUndefined();
    expect(await store().read(location(`s3://${s3.endpoint}/no-such-bucket/x`), 'config.pbtxt', 100)).toBeUndefined();
  });
});

describe('credentials', () => {
  it('without any, says so before connecting, naming the variables to set', async () => {
    const { error, ms } = await unavailable(createS3Store({ env: {} }).list(repo(), ''));
    expect(error.endpoint).toBe(s3.endpoint);
    expect(error.reason).toBe('no credentials');
    expect(error.hint).toContain('AWS_ACCESS_KEY_ID');
    expect(error.hint).toContain('AWS_PROFILE');
    expect(error.hint).toContain('docs/ci.md');
    expect(ms).toBeLessThan(1000);
  });

  it('with half a key pair, says which half is missing', async () => {
    const { error } = await unavailable(createS3Store({ env: { AWS_ACCESS_KEY_ID: 'S3RVER' } }).read(repo(), 'labels.txt', 100));
    expect(error.reason).toBe('AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not');
  });

  it('with an access key the server does not know, names the variables used, never their values', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1', AWS_SECRET_ACCESS_KEY: 'very-secret-value' };
    const { error } = await unavailable(createS3Store({ env }).list(repo(), ''));
    expect(error.reason).toBe('the server does not know the access key ID of the keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
    const all = `${error.message} ${error.hint}`;
    expect(all).not.toContain('very-secret-value');
    expect(all).not.toContain('AKIAWRONG');
  });

  it('takes a named profile from the shared credentials file, and names it when it fails', async () => {
    const file = join(temp, 'credentials');
    writeFileSync(
      file,
      '[reader]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n\n[stale]\naws_access_key_id = OLD\naws_secret_access_key = x\n',
    );
    const files = { AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(temp, 'no-config') };
    expect(await createS3Store({ env: { ...files, AWS_PROFILE: 'reader' } }).list(repo(), '')).toEqual({ folders: ['resnet'], files: ['labels.txt'] });
    // An explicit profile wins over AWS_PROFILE and over keys in the environment.
    const both = { ...files, ...S3_ENV, AWS_PROFILE: 'reader' };
    const stale = await unavailable(createS3Store({ env: both, profile: 'stale' }).list(repo(), ''));
    expect(stale.error.reason).toBe('the server does not know the access key ID of profile "stale"');
    const missing = await unavailable(createS3Store({ env: { ...files, AWS_PROFILE: 'nobody' } }).list(repo(), ''));
    expect(missing.error.reason).toMatch(/^no credentials: profile "nobody" \(from AWS_PROFILE\) gives none/);
    expect(missing.error.hint).toContain('AWS_ACCESS_KEY_ID');
  });
});

describe('an endpoint that cannot be read', () => {
  it('refuses connections: said at once', async () => {
    const refusing = await refusingEndpoint();
    const { error, ms } = await unavailable(createS3Store({ env: S3_ENV, timeoutMs: 1000 }).list(location(`s3://${refusing.endpoint}/models/x`), ''));
    expect(error.endpoint).toBe(refusing.endpoint);
    expect(error.reason).toBe('connection refused: nothing listens at that host and port');
    expect(ms).toBeLessThan(3000);
  });

  it('accepts connections and never answers: a timeout after the configured seconds', async () => {
    const silent = await silentEndpoint();
    try {
      const env = { ...S3_ENV, TRITONOPS_S3_TIMEOUT_SECONDS: '1' };
      const list = await unavailable(createS3Store({ env }).list(location(`s3://${silent.endpoint}/models/x`), ''));
      expect(list.error.reason).toBe('no answer within 1 s');
      expect(list.error.hint).toContain('TRITONOPS_S3_TIMEOUT_SECONDS');
      // One try and one retry of a second each, well under the default 10 s.
      expect(list.ms).toBeGreaterThanOrEqual(900);
      expect(list.ms).toBeLessThan(5000);
      const read = await unavailable(createS3Store({ env: S3_ENV, timeoutMs: 500 }).read(location(`s3://${silent.endpoint}/models/x`), 'config.pbtxt', 100));
      expect(read.error.reason).toBe('no answer within 0.5 s');
    } finally {
      await silent.stop();
    }
  });

  it('speaks plain HTTP where the endpoint says https: a TLS failure that says what to write', async () => {
    const { error } = await unavailable(createS3Store({ env: S3_ENV, timeoutMs: 2000 }).list(location(`s3://https://127.0.0.1:${s3.port}/models/x`), ''));
    expect(error.endpoint).toBe(`https://127.0.0.1:${s3.port}`);
    expect(error.reason).toBe('TLS failed: the server does not speak TLS on that port');
    expect(error.hint).toContain('http://');
  });

  it('refuses a timeout variable that is not a number', async () => {
    const { error } = await unavailable(createS3Store({ env: { ...S3_ENV, TRITONOPS_S3_TIMEOUT_SECONDS: 'ten' } }).list(repo(), ''));
    expect(error.reason).toBe('TRITONOPS_S3_TIMEOUT_SECONDS is "ten", not a number of seconds above 0');
  });
});
