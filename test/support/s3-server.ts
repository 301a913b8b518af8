/**
 * A real S3 protocol server for the tests: s3rver (npm, a dev dependency of this workspace, so it
 * is always there and these tests never skip) on 127.0.0.1 at a free port, storing in a temporary
 * folder, in a child process (s3rver-process.mjs). Uploads go through @aws-sdk/client-s3, the
 * client the CLI reads with.
 *
 * Where s3rver differs from S3: a delimited listing misses a common prefix that holds only deeper
 * folders (`a/b/c` under `a/`, nothing directly in `a/b/`), so fixtures put a file on each level
 * they list; and it resets the connection on a byte range of an empty object.
 *
 * s3rver knows one key pair (S3RVER/S3RVER): an unknown access key ID gets InvalidAccessKeyId, but
 * it does not verify SigV4 signatures, so a wrong secret key passes (apps/cli/test/s3-errors.test.ts
 * covers SignatureDoesNotMatch).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const LAUNCHER = join(import.meta.dirname, 's3rver-process.mjs');
// As in the CLI's store (apps/cli/src/s3/s3-store.ts): the SDK's notice that its 2027 releases need
// Node 22 is not the tests' news.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The environment the CLI's S3 store reads credentials from, for this server. */
export const S3_ENV: NodeJS.ProcessEnv = { AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey };

export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  /** Puts every `files` entry (a path relative to `prefix`) under `prefix` in `bucket`, creating the bucket when needed. */
  uploadRepository(bucket: string, prefix: string, files: Record<string, string | Uint8Array>): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'tritonops-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', LAUNCHER, directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  // A test run that ends without stop() leaves no server behind.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited.then(() => [undefined])])) as [string | undefined];
  const port = Number(line);
  if (!line || !Number.isInteger(port)) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`s3rver did not start (${LAUNCHER})`);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
    // s3rver predates the SDK's default CRC checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const buckets = new Set<string>();
  const createBucket = async (name: string) => {
    await client.send(new CreateBucketCommand({ Bucket: name }));
    buckets.add(name);
  };
  // A Buffer has a known length: the SDK streams a string body of unknown length otherwise.
  const put = async (bucket: string, key: string, body: string | Uint8Array) => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));
  };
  return {
    endpoint,
    port,
    credentials: S3_CREDENTIALS,
    client,
    createBucket,
    put,
    async uploadRepository(bucket, prefix, files) {
      if (!buckets.has(bucket)) await createBucket(bucket);
      const base = prefix.replace(/^\/+|\/+$/g, '');
      // A few at a time: s3rver writes each object as files of its own.
      const entries = Object.entries(files);
      for (let i = 0; i < entries.length; i += 16) {
        await Promise.all(entries.slice(i, i + 16).map(([path, body]) => put(bucket, base ? `${base}/${path}` : path, body)));
      }
    },
    async stop() {
      client.destroy();
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface Unreachable {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A port on 127.0.0.1 with nothing listening: connections are refused. */
export async function refusingEndpoint(): Promise<Unreachable> {
  // Bind a free port and close it again; nothing else on this machine picks it in the meantime
  // except by chance, which the kernel's port allocation makes unlikely.
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: async () => {} };
}

/** A port on 127.0.0.1 that accepts TCP connections and never answers: requests time out. */
export async function silentEndpoint(): Promise<Unreachable> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('no port'));
    });
  });
}
