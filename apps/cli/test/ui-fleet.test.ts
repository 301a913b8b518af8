/**
 * GET /api/fleet over real HTTP, on a Git copy of the bundled environments: canaries, overrides and
 * promotion states as the specs say them, environments with their promotion chain, and an edit of
 * the working tree seen on the next request without restarting the panel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetCell, FleetResponse } from '@tritonops/ui/api';
import { bundledRepository, commit, edit } from './git-fixture.ts';
import { cleanup } from './support.ts';
import { startTestPanel, type TestPanel } from './ui-panel.ts';

let panel: TestPanel;
let root: string;

async function fleet(): Promise<FleetResponse> {
  const { status, data } = await panel.api<FleetResponse>('GET', '/api/fleet');
  expect(status).toBe(200);
  return data;
}

function cell(answer: FleetResponse, name: string, env: string): FleetCell | undefined {
  return answer.rows.find((r) => r.name === name)?.cells[env];
}

beforeAll(async () => {
  root = bundledRepository('ui-fleet');
  panel = await startTestPanel(root);
});

afterAll(async () => {
  await panel.close();
  cleanup();
});

describe('GET /api/fleet', () => {
  it('refuses a request without the token', async () => {
    const response = await fetch(`http://127.0.0.1:${panel.port}/api/fleet`);
    expect(response.status).toBe(403);
  });

  it('lists every model then every pipeline by name, with the environments and their promotion chain', async () => {
    const answer = await fleet();
    expect(answer.rows.map((r) => `${r.kind} ${r.name}`)).toEqual([
      'model densenet',
      'model llama-7b',
      'model stable-diffusion',
      'model whisper',
      'pipeline image-classification',
      'pipeline speech-to-image',
    ]);
    const staging = answer.environments.find((e) => e.name === 'staging')!;
    expect(staging).toMatchObject({ promotedFrom: 'dev', promotesTo: ['production'], production: false, pools: ['a100', 't4'] });
    expect(answer.environments.find((e) => e.name === 'production')).toMatchObject({ promotedFrom: 'staging', promotesTo: [], production: true });
    expect(answer.rows.find((r) => r.name === 'llama-7b')!.cells.dev).toBeUndefined();
    expect(answer.gate).toContain('main');
    expect(answer.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it("shows staging whisper's canary, its autoscaling, pool and auth", async () => {
    const whisper = cell(await fleet(), 'whisper', 'staging')!;
    expect(whisper.file).toBe('environments/staging/models/whisper.yaml');
    expect(whisper.release).toBe('s3://models/whisper/2024-11-20 · tritonserver:24.10-py3 · models whisper');
    expect(whisper.canary).toEqual({
      release: 's3://models/whisper/2024-11-25 · tritonserver:24.10-py3 · models whisper',
      weight: 10,
      header: { 'x-canary': 'true' },
    });
    expect(whisper.scale).toEqual({ minReplicas: 1, maxReplicas: 2 });
    expect(whisper).toMatchObject({ pool: 't4', gpus: 1, auth: 'jwt', promotion: { state: 'in-sync' } });
    expect(cell(await fleet(), 'whisper', 'dev')!.auth).toBe('none');
  });

  it("flags densenet's promotion override in staging with its reason, and its mirrored canary", async () => {
    const answer = await fleet();
    const densenet = cell(answer, 'densenet', 'staging')!;
    expect(densenet.override).toBe('TensorRT engine is built for the T4; dev has no TensorRT-capable GPU');
    expect(densenet.canary).toMatchObject({ weight: 0, mirror: 100 });
    expect(densenet.scale).toEqual({ replicas: 1 });
    // A pool without `gpus` asks for one unit (the schema's default), on a MIG pool as on any other.
    expect(cell(answer, 'densenet', 'production')).toMatchObject({ pool: 'a100-mig', gpus: 1 });
    expect(cell(answer, 'densenet', 'production')!.override).toBeUndefined();
    expect(cell(answer, 'densenet', 'dev')!.pool).toBeUndefined();
  });

  it('says which specs the source environment does not have', async () => {
    const answer = await fleet();
    expect(cell(answer, 'speech-to-image', 'staging')!.promotion).toEqual({ state: 'not-in-source', from: 'dev' });
    expect(cell(answer, 'speech-to-image', 'production')!.promotion).toEqual({ state: 'in-sync' });
    expect(cell(answer, 'llama-7b', 'staging')!.promotion).toEqual({ state: 'not-in-source', from: 'dev' });
    expect(cell(answer, 'whisper', 'dev')!.promotion).toEqual({ state: 'in-sync' });
  });

  it("sees an edit of dev's whisper release on the next request: staging waits for it", async () => {
    expect(cell(await fleet(), 'whisper', 'staging')!.promotion).toEqual({ state: 'in-sync' });
    edit(root, 'environments/dev/models/whisper.yaml', 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-12-01');
    const answer = await fleet();
    expect(cell(answer, 'whisper', 'dev')!.release).toBe('s3://models/whisper/2024-12-01 · tritonserver:24.10-py3 · models whisper');
    // Only in the working tree: the gate would refuse the promotion until dev's change is merged.
    expect(cell(answer, 'whisper', 'staging')!.promotion).toEqual({
      state: 'waiting',
      from: 'dev',
      release: 's3://models/whisper/2024-12-01 · tritonserver:24.10-py3 · models whisper',
      unmerged: true,
    });
    // Production runs what staging runs: nothing moved there yet.
    expect(cell(answer, 'whisper', 'production')!.promotion).toEqual({ state: 'in-sync' });
    commit(root, 'dev: whisper 2024-12-01');
    expect(cell(await fleet(), 'whisper', 'staging')!.promotion).toEqual({
      state: 'waiting',
      from: 'dev',
      release: 's3://models/whisper/2024-12-01 · tritonserver:24.10-py3 · models whisper',
    });
  });

  it("counts a pipeline's changed graph as waiting, though its image stays", async () => {
    edit(root, 'environments/staging/pipelines/speech-to-image.yaml', 'timeoutSeconds: 120', 'timeoutSeconds: 90');
    const answer = await fleet();
    expect(cell(answer, 'speech-to-image', 'production')!.promotion).toMatchObject({ state: 'waiting', from: 'staging' });
    expect((cell(answer, 'speech-to-image', 'production')!.promotion as { release: string }).release).toContain('other steps, tensors or signatures');
  });
});
