/** `tritonops capacity` and `validate` count one surge replica per rolling Deployment, and say so. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, cli, copyOfEnvironments, BUNDLED } from './support.ts';

afterAll(cleanup);

describe('rollout surge in capacity', () => {
  it('shows the surge as part of the maximum, per pool and per track', async () => {
    const result = await cli(BUNDLED, 'capacity', '--env', 'production');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pool a100: nvidia.com/gpu, 8 nodes × 1 = 8, 80Gi per unit; demand 2..8: ok');
    expect(result.stdout).toContain('rollout surge (maxSurge 1): max includes 2 (one replica per rolling Deployment); a rollout at min needs 4');
    const json = JSON.parse((await cli(BUNDLED, 'capacity', '--env', 'production', '--format', 'json')).stdout) as {
      pools: { pool: string; surge: number; minRollout: number; demands: { model: string; surge: number; surgeAtMin: number }[] }[];
    }[];
    const a100 = json[0]!.pools.find((p) => p.pool === 'a100')!;
    expect(a100).toMatchObject({ surge: 2, minRollout: 4 });
    expect(a100.demands.find((d) => d.model === 'stable-diffusion')).toMatchObject({ surge: 1, surgeAtMin: 2 });
  });

  it('fails validate, at maxNodes, when a pool at its minimum has no room for a rollout', async () => {
    const root = copyOfEnvironments('surge');
    const file = join(root, 'environments/production/environment.yaml');
    // whisper runs 3 fixed replicas on t4: with 3 nodes its rollout has nowhere to start a fourth.
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('maxNodes: 6 ')) + 1;
    writeFileSync(file, text.replace('maxNodes: 6 ', 'maxNodes: 3 '));
    const result = await cli(root, 'validate', '--env', 'production', '--no-cache');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `environments/production/environment.yaml:${line}:17: error: GPU pool "t4" has no room to roll out whisper at minimum scale: 3 nvidia.com/gpu run, and its rollout needs 1 more (one surge replica of 1, maxSurge 1), but 3 nodes × 1 = 3`,
    );
  });
});
