/**
 * Runs the remote-step model's Python unit tests (python/test_remote_step.py: a fake Triton HTTP
 * server on 127.0.0.1; request shape, tensor mapping, timeout, errors, header pass-through).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const PYTHON_DIR = resolve(import.meta.dirname, '../python');

function python(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return undefined;
}

describe('the remote-step Python model', () => {
  it('passes its unit tests against a fake Triton server', (ctx) => {
    const interpreter = python();
    if (!interpreter) ctx.skip('needs python3 with numpy (Debian: apt-get install python3-numpy); .ci/run installs it');
    const run = spawnSync(interpreter!, ['-m', 'unittest', '-v', 'test_remote_step'], { cwd: PYTHON_DIR, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr, run.stderr).toMatch(/\nOK\n?$/);
    expect(run.stderr).toMatch(/Ran (\d+) tests/);
    expect(Number(/Ran (\d+) tests/.exec(run.stderr)![1])).toBeGreaterThanOrEqual(9);
    expect(run.status).toBe(0);
  });
});
