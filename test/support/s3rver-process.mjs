// s3rver in a process of its own (support/s3-server.ts starts it): its ListObjectsV2 continuation
// tokens are DES-encrypted, which Node's OpenSSL 3 offers only with --openssl-legacy-provider.
// Prints the port it listens on, then serves until SIGTERM.
import { createRequire } from 'node:module';

const S3rver = createRequire(import.meta.url)('s3rver');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] });
const { port } = await server.run();
process.stdout.write(`${port}\n`);
process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
