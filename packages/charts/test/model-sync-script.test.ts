/**
 * The SFS cache's copy step, run for real: the same shell script the init container runs, with a
 * stand-in `aws` that copies from a local folder slowly, and several replicas starting at once.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPLETE_MARKER, MODEL_SYNC_SCRIPT } from '../src/index.ts';

const work = mkdtempSync(join(tmpdir(), 'tritonops-sync-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const s3 = join(work, 's3/models/whisper/v1');
mkdirSync(join(s3, 'whisper/1'), { recursive: true });
writeFileSync(join(s3, 'whisper/config.pbtxt'), 'name: "whisper"\n');
writeFileSync(join(s3, 'whisper/1/model.py'), '# weights\n');
const bin = join(work, 'bin');
mkdirSync(bin);
// `aws s3 sync s3://bucket/prefix/ DEST ...`: copy file by file with a pause, like a slow download.
writeFileSync(
  join(bin, 'aws'),
  `#!/bin/sh\nsrc="${join(work, 's3')}/$(echo "$3" | sed 's#^s3://##')"\necho "$@" >> "${join(work, 'aws-calls')}"\nmkdir -p "$4"\nsleep 0.3\ncp -r "$src"/. "$4"/\n`,
);
chmodSync(join(bin, 'aws'), 0o755);
const cache = join(work, 'model-cache');
mkdirSync(cache);

function replica(pod: string): Promise<{ code: number | null; out: string }> {
  const script = MODEL_SYNC_SCRIPT.replaceAll('/model-cache', cache);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        CACHE_KEY: 'repositories/s3.example.com/models/whisper/v1',
        CACHE_DIGEST: 'abc',
        SOURCE: 's3://models/whisper/v1/',
        S3_ENDPOINT_URL: 'https://s3.example.com:443',
        POD_NAME: pod,
      },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the model-sync script', () => {
  it('publishes exactly one complete copy when several replicas start at once', async () => {
    const results = await Promise.all(['pod-a', 'pod-b', 'pod-c'].map(replica));
    for (const r of results) expect(r.code, r.out).toBe(0);
    const repo = join(cache, 'repositories/s3.example.com/models/whisper/v1');
    expect(readFileSync(join(repo, 'whisper/config.pbtxt'), 'utf8')).toBe('name: "whisper"\n');
    expect(existsSync(join(repo, COMPLETE_MARKER))).toBe(true);
    // No copy nested inside another, no staging left behind.
    expect(readdirSync(repo).sort()).toEqual([COMPLETE_MARKER, 'whisper']);
    expect(readdirSync(join(cache, '.staging'))).toEqual([]);
    expect(results.filter((r) => /^published /m.test(r.out)).length).toBe(1);
    expect(results.filter((r) => r.out.includes('another replica published')).length).toBe(2);
  });

  it('starts later replicas from the cache without downloading', async () => {
    const calls = readFileSync(join(work, 'aws-calls'), 'utf8').trim().split('\n').length;
    const r = await replica('pod-d');
    expect(r.code).toBe(0);
    expect(r.out).toContain('model cache hit');
    expect(readFileSync(join(work, 'aws-calls'), 'utf8').trim().split('\n').length).toBe(calls);
  });
});
