/**
 * GET /api/capacity over real HTTP, on a copy of the bundled environments: the numbers and table
 * `tritonops capacity` prints for the same repository, a pool over capacity after an edit, and the
 * CLI's own refusal when the specs have errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityResponse } from '@tritonops/ui/api';
import { bundledRepository, edit } from './git-fixture.ts';
import { cleanup, cli } from './support.ts';
import { startTestPanel, type TestPanel } from './ui-panel.ts';

let panel: TestPanel;
let root: string;

async function capacity(): Promise<CapacityResponse> {
  const { status, data } = await panel.api<CapacityResponse>('GET', '/api/capacity');
  expect(status).toBe(200);
  return data;
}

beforeAll(async () => {
  root = bundledRepository('ui-capacity');
  panel = await startTestPanel(root);
});

afterAll(async () => {
  await panel.close();
  cleanup();
});

describe('GET /api/capacity', () => {
  it('answers the numbers and the table of `tritonops capacity` for the same repository', async () => {
    const answer = await capacity();
    const json = await cli(root, 'capacity', '--format', 'json');
    const table = await cli(root, 'capacity');
    expect(json.code).toBe(0);
    expect(answer.environments).toEqual(JSON.parse(json.stdout));
    expect(answer.table).toBe(table.stdout);
    expect(answer.unavailable).toBeUndefined();
    const mig = answer.environments.find((e) => e.environment === 'production')!.pools.find((p) => p.pool === 'a100-mig')!;
    expect(mig).toMatchObject({ resource: 'nvidia.com/mig-3g.40gb', capacity: 4, min: 2, max: 3, minRollout: 3, status: 'ok' });
    const shares = answer.environments.find((e) => e.environment === 'dev')!.pools[0]!;
    expect(shares).toMatchObject({ pool: 't4', resource: 'nvidia.com/gpu.shared', capacity: 8, min: 1, max: 5 });
  });

  it('marks a pool whose maximum no longer fits after an edit, still as capacity says it', async () => {
    // dev's time-sliced T4s on one node: 4 shares against 5 at maximum with the surge.
    edit(root, 'environments/dev/environment.yaml', 'maxNodes: 2', 'maxNodes: 1');
    const answer = await capacity();
    const pool = answer.environments.find((e) => e.environment === 'dev')!.pools[0]!;
    expect(pool).toMatchObject({ capacity: 4, max: 5, status: 'max-over-capacity' });
    expect(answer.environments).toEqual(JSON.parse((await cli(root, 'capacity', '--format', 'json')).stdout));
  });

  it('refuses with the CLI’s words when the specs have errors', async () => {
    edit(root, 'environments/staging/models/whisper.yaml', 'gpuPool: t4', 'gpuPool: t5');
    const answer = await capacity();
    const refused = await cli(root, 'capacity');
    expect(refused.code).not.toBe(0);
    expect(answer.environments).toEqual([]);
    expect(answer.unavailable).toMatch(/^capacity needs valid specs: \d+ errors?, \d+ warnings?$/);
    expect(refused.stderr).toContain(answer.unavailable);
  });
});
