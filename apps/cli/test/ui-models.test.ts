/**
 * The model page's API over real HTTP, on a Git copy of the bundled environments: live checks with
 * the validator's message at the field's path, comment-preserving saves, the canary actions with
 * the CLI's refusals, promotion through the gate, and a new model.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiDiagnostic, CanaryResponse, CheckResponse, CommandResponse, ModelDocument, ModelResponse, WriteResponse } from '@tritonops/ui/api';
import { LOCK_WAIT_MS } from '../src/ui-server/in-process.ts';
import { LOCK_FILE } from '../src/repository-lock.ts';
import { bundledRepository, commit, edit } from './git-fixture.ts';
import { cleanup, cli } from './support.ts';
import { startTestPanel, type TestPanel } from './ui-panel.ts';

const STAGING_WHISPER = 'environments/staging/models/whisper.yaml';
const DEV_WHISPER = 'environments/dev/models/whisper.yaml';

let panel: TestPanel;
let root: string;

const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const errors = (diagnostics: readonly ApiDiagnostic[]) => diagnostics.filter((d) => d.severity === 'error');

async function modelDocument(env: string, name: string): Promise<ModelDocument> {
  const { status, data } = await panel.api<ModelResponse>('GET', `/api/envs/${env}/models/${name}`);
  expect(status).toBe(200);
  return data.document;
}

/** The document with `spec` changed by `change` (a deep copy: the original stays as loaded). */
function withSpec(document: ModelDocument, change: (spec: Record<string, unknown>) => void): ModelDocument {
  const copy = structuredClone(document) as ModelDocument;
  change(copy.spec);
  return copy;
}

beforeAll(async () => {
  root = bundledRepository('ui-models');
  panel = await startTestPanel(root);
});

afterAll(async () => {
  await panel.close();
  cleanup();
});

describe('the model API', () => {
  it('serves the Model JSON Schema of @tritonops/spec', async () => {
    const { status, data } = await panel.api<{ properties: { spec: { properties: Record<string, unknown> } } }>('GET', '/api/schema/model');
    expect(status).toBe(200);
    expect(data).toEqual(JSON.parse(readFileSync(join(import.meta.dirname, '../../../packages/spec/schemas/model.schema.json'), 'utf8')));
  });

  it('answers a model with its text and document; an unknown model or environment is a 404 saying so', async () => {
    const { data } = await panel.api<ModelResponse>('GET', `/api/envs/staging/models/whisper`);
    expect(data.file).toBe(STAGING_WHISPER);
    expect(data.text).toBe(read(STAGING_WHISPER));
    expect(data.document.spec.gpuPool).toBe('t4');
    const missing = await panel.api<{ message: string }>('GET', '/api/envs/staging/models/whispr');
    expect(missing.status).toBe(404);
    expect(missing.data.message).toBe('environment "staging" has no model "whispr"');
    const env = await panel.api<{ message: string; hint: string }>('GET', '/api/envs/stagin/models/whisper');
    expect(env.status).toBe(404);
    expect(env.data.message).toBe('unknown environment "stagin"');
    expect(env.data.hint).toContain('staging');
  });

  it('checks an edit and puts the validator’s message at the field’s path', async () => {
    const document = await modelDocument('staging', 'whisper');
    const pool = await panel.api<CheckResponse>('POST', '/api/envs/staging/models/whisper/check', {
      document: withSpec(document, (s) => (s.gpuPool = 'h100')),
    });
    const poolError = errors(pool.data.diagnostics).find((d) => d.path?.join('.') === 'spec.gpuPool');
    expect(poolError?.file).toBe(STAGING_WHISPER);
    expect(poolError?.message).toContain('h100');
    expect(pool.data.text).toContain('gpuPool: h100');
    expect(pool.data.text).toContain('# what pipelines may wire to');

    const gpus = await panel.api<CheckResponse>('POST', '/api/envs/staging/models/whisper/check', { document: withSpec(document, (s) => (s.gpus = -1)) });
    const gpusError = errors(gpus.data.diagnostics).find((d) => d.path?.join('.') === 'spec.gpus');
    expect(gpusError?.message).toBe('spec.gpus must be >= 1, not -1');

    const clean = await panel.api<CheckResponse>('POST', '/api/envs/staging/models/whisper/check', { document });
    expect(errors(clean.data.diagnostics)).toEqual([]);
    expect(clean.data.text).toBe(read(STAGING_WHISPER));
  });

  it('saves an edit in place, keeping the comments: only the changed line differs', async () => {
    const before = read(STAGING_WHISPER);
    const document = await modelDocument('staging', 'whisper');
    const { data } = await panel.api<WriteResponse>('PUT', '/api/envs/staging/models/whisper', { document: withSpec(document, (s) => (s.gpuMemory = '12Gi')) });
    expect(data.ok).toBe(true);
    const after = read(STAGING_WHISPER);
    const [old, now] = [before.split('\n'), after.split('\n')];
    expect(now.length).toBe(old.length);
    const differing = now.map((line, i) => [old[i], line]).filter(([a, b]) => a !== b);
    expect(differing).toEqual([['  gpuMemory: 10Gi', '  gpuMemory: 12Gi']]);
  });

  it('refuses to save an edit that leaves the environment invalid, and writes nothing', async () => {
    const before = read(STAGING_WHISPER);
    const document = await modelDocument('staging', 'whisper');
    const { data } = await panel.api<WriteResponse>('PUT', '/api/envs/staging/models/whisper', { document: withSpec(document, (s) => (s.gpuPool = 'h100')) });
    expect(data.ok).toBe(false);
    if (data.ok) return;
    expect(data.message).toMatch(/would leave the specs invalid/);
    expect(data.diagnostics.some((d) => d.path?.join('.') === 'spec.gpuPool')).toBe(true);
    expect(read(STAGING_WHISPER)).toBe(before);
  });

  it('sets a canary weight 10 → 20', async () => {
    const { data } = await panel.api<CanaryResponse>('POST', '/api/envs/staging/models/whisper/canary', { action: 'weight', weight: 20 });
    expect(data).toMatchObject({ ok: true, file: STAGING_WHISPER });
    expect((parse(read(STAGING_WHISPER)) as { spec: { canary: { weight: number } } }).spec.canary.weight).toBe(20);
    expect(read(STAGING_WHISPER)).toContain('# The next release on 10% of the traffic');
  });

  it('refuses to remove a live canary with the CLI’s message, and writes nothing', async () => {
    const before = read(STAGING_WHISPER);
    const { data } = await panel.api<CanaryResponse>('POST', '/api/envs/staging/models/whisper/canary', { action: 'remove' });
    expect(data.ok).toBe(false);
    if (data.ok) return;
    const viaCli = await cli(root, 'canary', 'remove', 'whisper', '--env', 'staging');
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toContain(data.message);
    expect(viaCli.stderr).toContain(data.hint!);
    expect(read(STAGING_WHISPER)).toBe(before);
  });

  it('promotes dev → staging once the dev change is committed: release fields move, the canary stays', async () => {
    edit(root, DEV_WHISPER, 'repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-11-30');
    commit(root, 'dev runs the next whisper');
    const canaryBefore = (parse(read(STAGING_WHISPER)) as { spec: { canary: unknown } }).spec.canary;
    const { data } = await panel.api<CommandResponse>('POST', '/api/promote', { from: 'dev', to: 'staging', names: ['whisper'] });
    expect(data).toMatchObject({ ok: true, exitCode: 0 });
    // The CLI's own warning: staging's canary still runs the release after the old stable one.
    expect(data.stderr).toContain('the canary of "whisper" in "staging" still runs');
    expect(data.stdout).toContain('whisper');
    const staging = parse(read(STAGING_WHISPER)) as { spec: { repository: string; canary: unknown } };
    expect(staging.spec.repository).toBe('s3://models/whisper/2024-11-30');
    expect(staging.spec.canary).toEqual(canaryBefore);
    // The panel answers from the new files, not from its cache.
    expect((await modelDocument('staging', 'whisper')).spec.repository).toBe('s3://models/whisper/2024-11-30');
  });

  it('refuses to promote a release the base branch does not have (the gate), with the CLI’s words', async () => {
    edit(root, DEV_WHISPER, 'repository: s3://models/whisper/2024-11-30', 'repository: s3://models/whisper/2024-12-01');
    const before = read(STAGING_WHISPER);
    const { data } = await panel.api<CommandResponse>('POST', '/api/promote', { from: 'dev', to: 'staging', names: ['whisper'] });
    expect(data.ok).toBe(false);
    expect(data.exitCode).toBe(1);
    expect(data.stderr).toContain('the release of "whisper" (s3://models/whisper/2024-12-01, nvcr.io/nvidia/tritonserver:24.10-py3) has not run in "dev"');
    expect(read(STAGING_WHISPER)).toBe(before);
  });

  it('creates a new model file, and the environment validates with it', async () => {
    const document: ModelDocument = {
      apiVersion: 'tritonops.dev/v1alpha1',
      kind: 'Model',
      metadata: { name: 'tiny' },
      spec: { resources: { cpu: '1', memory: '2Gi' }, repository: 's3://models/tiny/v1', image: 'nvcr.io/nvidia/tritonserver:24.10-py3' },
    };
    const missing = await panel.api<{ message: string }>('GET', '/api/envs/dev/models/tiny');
    expect(missing.status).toBe(404);
    const check = await panel.api<CheckResponse>('POST', '/api/envs/dev/models/tiny/check', { document });
    expect(errors(check.data.diagnostics)).toEqual([]);
    const { data } = await panel.api<WriteResponse>('PUT', '/api/envs/dev/models/tiny', { document });
    expect(data).toMatchObject({ ok: true, file: 'environments/dev/models/tiny.yaml' });
    const text = read('environments/dev/models/tiny.yaml');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../../packages/spec/schemas/model.schema.json');
    // The schema's order, not the order the form added the fields in.
    expect(text.indexOf('image:')).toBeLessThan(text.indexOf('repository:'));
    expect(text.indexOf('repository:')).toBeLessThan(text.indexOf('resources:'));
    const validate = await cli(root, 'validate', '--env', 'dev');
    expect(validate.code).toBe(0);
    expect(existsSync(join(root, 'environments/dev/models/tiny.yaml'))).toBe(true);
  });
});

describe('while another tritonops run holds the repository lock', () => {
  /** The lock file as repository-lock.ts writes it for a live process: its pid and, where /proc tells, its start time. */
  function holdLockAs(pid: number): void {
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : undefined;
    const identity = stat ? `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}` : String(pid);
    writeFileSync(join(root, LOCK_FILE), `${identity}\n`);
  }

  it('answers a write with 422 and the CLI’s words after a short wait, instead of freezing the panel', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      holdLockAs(other.pid!);
      const document = await modelDocument('staging', 'whisper');
      const before = read(STAGING_WHISPER);
      for (const [method, path, body] of [
        ['PUT', '/api/envs/staging/models/whisper', { document }],
        ['POST', '/api/promote', { from: 'dev', to: 'staging', names: ['whisper'] }],
      ] as const) {
        const started = Date.now();
        const { status, data } = await panel.api<{ message: string; hint?: string }>(method, path, body);
        expect(Date.now() - started).toBeLessThan(LOCK_WAIT_MS + 3000);
        expect(status).toBe(422);
        expect(data.message).toContain(`another tritonops run (${other.pid}`);
        expect(data.hint).toContain(`delete ${LOCK_FILE}`);
      }
      expect(read(STAGING_WHISPER)).toBe(before);
      // Reading goes on while the lock is held.
      expect((await panel.api('GET', '/api/envs/staging/models/whisper')).status).toBe(200);
    } finally {
      rmSync(join(root, LOCK_FILE), { force: true });
      other.kill();
    }
  }, 20_000);
});

describe('a save never overwrites a change made on disk since the page loaded the file', () => {
  const sha256 = (rel: string) =>
    createHash('sha256')
      .update(readFileSync(join(root, rel)))
      .digest('hex');
  const CHANGED = `${STAGING_WHISPER} changed on disk since this page loaded it; nothing was written`;
  const RELOAD = 'reload the page to see the change (your edits are still in the form: copy what you need first)';

  it('answers the revision of the file with a model, and refuses a PUT with an older one, keeping the outside edit', async () => {
    const { data: loaded } = await panel.api<ModelResponse>('GET', '/api/envs/staging/models/whisper');
    expect(loaded.revision).toBe(sha256(STAGING_WHISPER));
    writeFileSync(join(root, STAGING_WHISPER), `${read(STAGING_WHISPER)}# edited in an editor meanwhile\n`);
    const outside = read(STAGING_WHISPER);

    const stale = await panel.api<WriteResponse>('PUT', '/api/envs/staging/models/whisper', {
      document: withSpec(loaded.document, (s) => (s.gpuMemory = '14Gi')),
      revision: loaded.revision,
    });
    expect(stale.status).toBe(200);
    expect(stale.data).toEqual({ ok: false, message: CHANGED, hint: RELOAD, diagnostics: [] });
    expect(read(STAGING_WHISPER)).toBe(outside);

    const { data: fresh } = await panel.api<ModelResponse>('GET', '/api/envs/staging/models/whisper');
    expect(fresh.revision).not.toBe(loaded.revision);
    const saved = await panel.api<WriteResponse>('PUT', '/api/envs/staging/models/whisper', {
      document: withSpec(fresh.document, (s) => (s.gpuMemory = '14Gi')),
      revision: fresh.revision,
    });
    expect(saved.data).toMatchObject({ ok: true, revision: sha256(STAGING_WHISPER) });
    expect(read(STAGING_WHISPER)).toContain('# edited in an editor meanwhile');
    expect(read(STAGING_WHISPER)).toContain('gpuMemory: 14Gi');

    // The answer's revision is the one the next save names: the page keeps saving without a reload.
    if (!saved.data.ok) return;
    const again = await panel.api<WriteResponse>('PUT', '/api/envs/staging/models/whisper', {
      document: withSpec(fresh.document, (s) => (s.gpuMemory = '16Gi')),
      revision: saved.data.revision,
    });
    expect(again.data).toMatchObject({ ok: true });
    expect(read(STAGING_WHISPER)).toContain('gpuMemory: 16Gi');
  });

  it('refuses a canary action with an older revision, and writes one with the current revision', async () => {
    const { data: loaded } = await panel.api<ModelResponse>('GET', '/api/envs/staging/models/whisper');
    edit(root, STAGING_WHISPER, 'gpuMemory: 16Gi', 'gpuMemory: 12Gi');
    const outside = read(STAGING_WHISPER);
    const stale = await panel.api<CanaryResponse>('POST', '/api/envs/staging/models/whisper/canary', {
      action: 'weight',
      weight: 30,
      revision: loaded.revision,
    });
    expect(stale.data).toEqual({ ok: false, message: CHANGED, hint: RELOAD, diagnostics: [] });
    expect(read(STAGING_WHISPER)).toBe(outside);

    const current = sha256(STAGING_WHISPER);
    const { data } = await panel.api<CanaryResponse>('POST', '/api/envs/staging/models/whisper/canary', { action: 'weight', weight: 30, revision: current });
    expect(data).toMatchObject({ ok: true, revision: sha256(STAGING_WHISPER) });
    expect((parse(read(STAGING_WHISPER)) as { spec: { canary: { weight: number }; gpuMemory: string } }).spec).toMatchObject({
      canary: { weight: 30 },
      gpuMemory: '12Gi',
    });
  });

  it('refuses a new model sent with revision null when its file appeared meanwhile', async () => {
    const rel = 'environments/dev/models/small.yaml';
    const document: ModelDocument = {
      apiVersion: 'tritonops.dev/v1alpha1',
      kind: 'Model',
      metadata: { name: 'small' },
      spec: { resources: { cpu: '1', memory: '2Gi' }, repository: 's3://models/small/v1', image: 'nvcr.io/nvidia/tritonserver:24.10-py3' },
    };
    const outside = '# written in an editor while the form was open\n';
    writeFileSync(join(root, rel), outside);
    const { data } = await panel.api<WriteResponse>('PUT', '/api/envs/dev/models/small', { document, revision: null });
    expect(data).toEqual({ ok: false, message: `${rel} changed on disk since this page loaded it; nothing was written`, hint: RELOAD, diagnostics: [] });
    expect(read(rel)).toBe(outside);

    rmSync(join(root, rel));
    const created = await panel.api<WriteResponse>('PUT', '/api/envs/dev/models/small', { document, revision: null });
    expect(created.data).toMatchObject({ ok: true, file: rel, revision: sha256(rel) });
  });

  it('answers 400 for a revision that is not one', async () => {
    const document = await modelDocument('staging', 'whisper');
    const { status } = await panel.api('PUT', '/api/envs/staging/models/whisper', { document, revision: 42 });
    expect(status).toBe(400);
  });
});
