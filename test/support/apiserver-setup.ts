/**
 * vitest global setup: one real kube-apiserver for the whole e2e run (see apiserver.ts), started
 * before the first test file and stopped after the last. Where it cannot run, the tests that need
 * it are told why and skip (outside CI) or fail (in CI).
 */
import type { TestProject } from 'vitest/node';
import { apiServerUnavailable, startApiServer } from './apiserver.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const unavailable = apiServerUnavailable();
  if (unavailable) {
    project.provide('apiserver', { unavailable });
    return async () => {};
  }
  const server = await startApiServer();
  project.provide('apiserver', server.address);
  return server.stop;
}
