/**
 * The model page against a stubbed API: the live check's diagnostics under the field their path
 * names (the rest in the list), Save held back while there are errors, and the canary panel's
 * actions with the server's answers and refusals shown as they come; leaving the page with unsaved
 * form edits asks first.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import modelSchema from '@tritonops/spec/schemas/model.schema.json' with { type: 'json' };
import type { ApiDiagnostic, CanaryResponse, CheckResponse, FleetResponse, ModelResponse, WriteResponse } from '../src/api/types.ts';
import { CanaryPanel } from '../src/model/CanaryPanel.tsx';
import { placeDiagnostics } from '../src/model/field-diagnostics.ts';
import { ModelPage } from '../src/model/ModelPage.tsx';
import { App } from '../src/shell/App.tsx';

const FILE = 'environments/dev/models/whisper.yaml';

const MODEL: ModelResponse = {
  env: 'dev',
  name: 'whisper',
  file: FILE,
  text: 'spec: …',
  diagnostics: [],
  document: {
    apiVersion: 'tritonops.dev/v1alpha1',
    kind: 'Model',
    metadata: { name: 'whisper' },
    spec: {
      image: 'nvcr.io/nvidia/tritonserver:24.10-py3',
      repository: 's3://models/whisper/1',
      gpuPool: 't4',
      gpus: 1,
      canary: { repository: 's3://models/whisper/2', weight: 10 },
    },
  },
};

const FLEET: FleetResponse = {
  environments: [{ name: 'dev', promotesTo: ['staging'], production: false, pools: ['t4', 'a100'] }],
  rows: [],
  diagnostics: [],
  gate: 'the working tree',
};

const diagnostic = (over: Partial<ApiDiagnostic>): ApiDiagnostic => ({ severity: 'error', code: 'x', file: FILE, line: 1, col: 1, message: 'm', ...over });

type Handler = (method: string, path: string, body: unknown) => unknown;
let handler: Handler;
const calls: { method: string; path: string; body: unknown }[] = [];

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init: RequestInit) => {
      const body = init.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ method: init.method ?? 'GET', path, body });
      const answer = handler(init.method ?? 'GET', path, body);
      const [status, data] = answer instanceof Array ? answer : [200, answer];
      return new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

describe('diagnostics by path', () => {
  it('go to the deepest field their path starts with; other files and unknown paths to the list', () => {
    const fields = [['spec'], ['spec', 'env'], ['spec', 'resources'], ['spec', 'resources', 'cpu']];
    const placed = placeDiagnostics(
      [
        diagnostic({ path: ['spec', 'env', 'AWS_REGION'], message: 'env' }),
        diagnostic({ path: ['spec', 'resources', 'cpu'], message: 'cpu' }),
        diagnostic({ path: ['spec', 'resources', 'cpu'], file: 'environments/dev/environment.yaml', message: 'elsewhere' }),
        diagnostic({ message: 'no path' }),
      ],
      FILE,
      fields,
    );
    expect(placed.byField.get('spec\u0000env')?.map((d) => d.message)).toEqual(['env']);
    expect(placed.byField.get('spec\u0000resources\u0000cpu')?.map((d) => d.message)).toEqual(['cpu']);
    expect(placed.rest.map((d) => d.message)).toEqual(['elsewhere', 'no path']);
  });
});

describe('the model page', () => {
  it('shows the validator’s message under the field it is about, holds Save back, and saves once clean', async () => {
    let checkAnswer: CheckResponse = { file: FILE, text: '', millis: 3, diagnostics: [] };
    const saved: WriteResponse = { ok: true, file: FILE, text: 'spec:\n  gpus: 2\n', changes: ['-  gpus: 1', '+  gpus: 2'], message: `saved ${FILE}` };
    handler = (method, path) => {
      if (path === '/api/schema/model') return modelSchema;
      if (path === '/api/fleet') return FLEET;
      if (path.endsWith('/check')) return checkAnswer;
      if (method === 'PUT') return saved;
      return MODEL;
    };
    render(<ModelPage env="dev" name="whisper" />);
    const gpus = (await screen.findByLabelText('gpus')) as HTMLInputElement;
    expect(gpus.value).toBe('1');
    expect((screen.getByLabelText('gpuPool') as HTMLSelectElement).value).toBe('t4');

    checkAnswer = {
      file: FILE,
      text: '',
      millis: 3,
      diagnostics: [
        diagnostic({ path: ['spec', 'gpus'], message: 'spec.gpus must be >= 1, not -1', line: 14 }),
        diagnostic({
          file: 'environments/dev/pipelines/p.yaml',
          path: ['spec', 'steps', 0, 'model'],
          message: 'step "a" calls model "whisper", which environment "dev" does not have',
        }),
      ],
    };
    fireEvent.change(gpus, { target: { value: '-1' } });
    const atField = await screen.findByText('spec.gpus must be >= 1, not -1');
    expect(atField.closest('ul')!.id).toBe('field-spec-gpus-errors');
    expect(gpus.getAttribute('aria-describedby')).toContain('field-spec-gpus-errors');
    expect(gpus.getAttribute('aria-invalid')).toBe('true');
    const list = screen.getByRole('region', { name: 'Other problems in the environment' });
    expect(within(list).getByText(/calls model "whisper"/)).toBeTruthy();
    const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    const checkCall = calls.find((c) => c.path.endsWith('/check'))!;
    expect(checkCall.path).toBe('/api/envs/dev/models/whisper/check');
    expect((checkCall.body as { document: { spec: { gpus: number } } }).document.spec.gpus).toBe(-1);

    checkAnswer = { file: FILE, text: 'spec:\n  gpus: 2\n', millis: 3, diagnostics: [] };
    fireEvent.change(gpus, { target: { value: '2' } });
    await waitFor(() => expect(save.disabled).toBe(false));
    expect(screen.queryByText('spec.gpus must be >= 1, not -1')).toBeNull();
    fireEvent.click(save);
    const status = await screen.findByRole('status');
    expect(status.textContent).toContain(`saved ${FILE}`);
    expect(status.textContent).toContain('+  gpus: 2');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe('/api/envs/dev/models/whisper');
    expect((put.body as { document: { spec: Record<string, unknown> } }).document.spec).toEqual({ ...MODEL.document.spec, gpus: 2 });
  });

  it('creates a new model under the name typed, once the name is free', async () => {
    handler = (method, path) => {
      if (path === '/api/schema/model') return modelSchema;
      if (path === '/api/fleet') return FLEET;
      if (path.endsWith('/check')) return { file: 'environments/dev/models/tiny.yaml', text: '', millis: 1, diagnostics: [] };
      if (method === 'PUT')
        return { ok: true, file: 'environments/dev/models/tiny.yaml', text: 'x', changes: [], message: 'created environments/dev/models/tiny.yaml' };
      return [404, { message: 'environment "dev" has no model "tiny"' }];
    };
    render(<ModelPage env="dev" />);
    fireEvent.change(await screen.findByLabelText(/^name/), { target: { value: 'tiny' } });
    fireEvent.change(screen.getByLabelText(/^image/), { target: { value: 'nvcr.io/nvidia/tritonserver:24.10-py3' } });
    fireEvent.change(screen.getByLabelText(/^repository/), { target: { value: 's3://models/tiny/v1' } });
    const create = screen.getByRole('button', { name: 'Create model' }) as HTMLButtonElement;
    await waitFor(() => expect(create.disabled).toBe(false));
    fireEvent.click(create);
    expect((await screen.findByRole('status')).textContent).toContain('created environments/dev/models/tiny.yaml');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe('/api/envs/dev/models/tiny');
    expect(put.body).toEqual({
      document: {
        apiVersion: 'tritonops.dev/v1alpha1',
        kind: 'Model',
        metadata: { name: 'tiny' },
        spec: { image: 'nvcr.io/nvidia/tritonserver:24.10-py3', repository: 's3://models/tiny/v1' },
      },
      // No file yet, and none expected: one that appeared meanwhile is refused, not overwritten.
      revision: null,
    });
  });

  it('sends the revision it loaded with a save; refused because the file changed on disk, it says so and keeps the edits', async () => {
    const loadedRevision = 'c'.repeat(64);
    const changed = `${FILE} changed on disk since this page loaded it; nothing was written`;
    const reload = 'reload the page to see the change (your edits are still in the form: copy what you need first)';
    handler = (method, path) => {
      if (path === '/api/schema/model') return modelSchema;
      if (path === '/api/fleet') return FLEET;
      if (path.endsWith('/check')) return { file: FILE, text: '', millis: 1, diagnostics: [] };
      if (method === 'PUT') return { ok: false, message: changed, hint: reload, diagnostics: [] };
      return { ...MODEL, revision: loadedRevision };
    };
    render(<ModelPage env="dev" name="whisper" />);
    const gpus = (await screen.findByLabelText('gpus')) as HTMLInputElement;
    fireEvent.change(gpus, { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('gpuPool'), { target: { value: 'a100' } });
    const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
    await waitFor(() => expect(save.disabled).toBe(false));
    fireEvent.click(save);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(changed);
    expect(alert.textContent).toContain(`hint: ${reload}`);
    const put = calls.find((c) => c.method === 'PUT')!;
    expect((put.body as { revision: unknown }).revision).toBe(loadedRevision);
    // The form still holds what was typed, and nothing was fetched over it.
    expect(gpus.value).toBe('3');
    expect((screen.getByLabelText('gpuPool') as HTMLSelectElement).value).toBe('a100');
    expect(calls.filter((c) => c.method === 'GET' && c.path === '/api/envs/dev/models/whisper')).toHaveLength(1);
    expect(screen.queryByRole('status')).toBeNull();
  });
});

describe('leaving the model page', () => {
  const PAGE = '#/models/dev/whisper';
  let confirm: ReturnType<typeof vi.fn<(message?: string) => boolean>>;

  beforeEach(() => {
    handler = (_method, path) => {
      if (path === '/api/schema/model') return modelSchema;
      if (path === '/api/fleet') return FLEET;
      if (path.endsWith('/check')) return { file: FILE, text: '', millis: 1, diagnostics: [] };
      return MODEL;
    };
    confirm = vi.fn<(message?: string) => boolean>(() => false);
    vi.stubGlobal('confirm', confirm);
    // The address the panel opens on: replaceState, so no hashchange reaches the router.
    window.history.replaceState(null, '', PAGE);
  });
  afterEach(() => window.history.replaceState(null, '', '#'));

  const heading = () => screen.getByRole('heading', { level: 1 }).textContent;

  it('with form edits not saved, asks first; answered no, the page stays and the address is put back', async () => {
    render(<App />);
    fireEvent.change(await screen.findByLabelText('gpus'), { target: { value: '2' } });

    window.location.hash = '#/fleet';
    await waitFor(() => expect(confirm).toHaveBeenCalledTimes(1));
    expect(confirm.mock.calls[0]![0]).toBe('The model form has unsaved changes. Leave this page and lose them?');
    expect(window.location.hash).toBe(PAGE);
    expect(heading()).toBe('Model whisper in dev');
    expect((screen.getByLabelText('gpus') as HTMLInputElement).value).toBe('2');
    // Closing the tab asks too (the browser's own prompt).
    const unload = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(unload);
    expect(unload.defaultPrevented).toBe(true);

    // Answered yes, the page goes.
    confirm.mockReturnValue(true);
    window.location.hash = '#/fleet';
    await waitFor(() => expect(heading()).toBe('Fleet'));
    expect(confirm).toHaveBeenCalledTimes(2);
  });

  it('with no edits (or once they are discarded), leaves without asking', async () => {
    render(<App />);
    const gpus = await screen.findByLabelText('gpus');
    fireEvent.change(gpus, { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect((screen.getByLabelText('gpus') as HTMLInputElement).value).toBe('1');
    const unload = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(unload);
    expect(unload.defaultPrevented).toBe(false);

    window.location.hash = '#/fleet';
    await waitFor(() => expect(heading()).toBe('Fleet'));
    expect(confirm).not.toHaveBeenCalled();
  });
});

describe('the canary panel', () => {
  const canary = { repository: 's3://models/whisper/2', weight: 10, header: { 'x-canary': 'true' } };
  const REVISION = 'a'.repeat(64);

  it('sets the weight and shows the change lines; shows a refusal as the CLI words it', async () => {
    const onChanged = vi.fn();
    let answer: CanaryResponse = {
      ok: true,
      file: FILE,
      text: '',
      changes: ['canary weight 10 → 20'],
      message: `set the canary weight of whisper in ${FILE}`,
      revision: 'b'.repeat(64),
    };
    handler = () => answer;
    render(<CanaryPanel env="dev" name="whisper" canary={canary} revision={REVISION} onChanged={onChanged} />);
    expect(screen.getByText('repository s3://models/whisper/2')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Weight (percent)'), { target: { value: '20' } });
    fireEvent.click(screen.getByRole('button', { name: 'Set weight' }));
    const status = await screen.findByRole('status');
    expect(status.textContent).toContain('canary weight 10 → 20');
    expect(calls[0]).toEqual({ method: 'POST', path: '/api/envs/dev/models/whisper/canary', body: { action: 'weight', weight: 20, revision: REVISION } });
    expect(onChanged).toHaveBeenCalledExactlyOnceWith('b'.repeat(64));

    answer = { ok: false, message: 'the canary of "whisper" still receives 10% of the traffic', hint: 'drain it first', diagnostics: [] };
    fireEvent.click(screen.getByRole('button', { name: 'Remove canary' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('the canary of "whisper" still receives 10% of the traffic');
    expect(alert.textContent).toContain('hint: drain it first');
    expect(calls[1]!.body).toEqual({ action: 'remove', revision: REVISION });
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it('offers "allow older" only after a promote refused for that reason, and sends it', async () => {
    handler = (_m, _p, body) =>
      (body as { allowOlder?: boolean }).allowOlder
        ? { ok: true, file: FILE, text: '', changes: ['repository → s3://models/whisper/2'], message: 'promoted the canary of whisper' }
        : {
            ok: false,
            message: 'promoting the canary of "whisper" may go back to an earlier release',
            hint: 'run again with --allow-older',
            diagnostics: [],
            olderRelease: true,
          };
    render(<CanaryPanel env="dev" name="whisper" canary={canary} revision={REVISION} onChanged={() => {}} />);
    expect(screen.queryByLabelText('allow older (rollback)')).toBeNull();
    const promote = screen.getByRole('button', { name: 'Promote canary' });
    fireEvent.click(promote);
    expect((await screen.findByRole('alert')).textContent).toContain('may go back to an earlier release');
    fireEvent.click(screen.getByLabelText('allow older (rollback)'));
    fireEvent.click(promote);
    expect((await screen.findByRole('status')).textContent).toContain('promoted the canary of whisper');
    expect(calls.map((c) => c.body)).toEqual([
      { action: 'promote', revision: REVISION },
      { action: 'promote', allowOlder: true, revision: REVISION },
    ]);
  });

  it('starts a canary with the release fields and weight given', async () => {
    handler = () => ({ ok: true, file: FILE, text: '', changes: ['canary: repository s3://models/whisper/3, weight 5'], message: 'started a canary' });
    render(<CanaryPanel env="dev" name="whisper" canary={undefined} revision={REVISION} onChanged={() => {}} />);
    fireEvent.change(screen.getByLabelText('repository'), { target: { value: 's3://models/whisper/3' } });
    fireEvent.change(screen.getByLabelText('models'), { target: { value: 'whisper, vad' } });
    fireEvent.change(screen.getByLabelText('Weight (percent)'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start canary' }));
    await screen.findByRole('status');
    expect(calls[0]!.body).toEqual({
      action: 'start',
      release: { repository: 's3://models/whisper/3', models: ['whisper', 'vad'] },
      weight: 5,
      revision: REVISION,
    });
  });

  it('says before a promotion that a canary still routed to is two steps, and says nothing once it is drained', () => {
    const routed = { repository: 's3://models/whisper/v2', weight: 10, header: { 'x-canary': 'true' } };
    const { unmount } = render(<CanaryPanel env="dev" name="whisper" canary={routed} revision={REVISION} onChanged={() => {}} />);
    const note = document.getElementById('canary-routed-note')!;
    expect(note.textContent).toContain('still gets 10% of the traffic and a header route');
    expect(screen.getByRole('button', { name: 'Promote canary' }).getAttribute('aria-describedby')).toBe('canary-routed-note');
    unmount();
    render(<CanaryPanel env="dev" name="whisper" canary={{ repository: 's3://models/whisper/v2', weight: 0 }} revision={REVISION} onChanged={() => {}} />);
    expect(document.getElementById('canary-routed-note')).toBeNull();
    expect(screen.getByRole('button', { name: 'Promote canary' }).getAttribute('aria-describedby')).toBeNull();
  });
});
