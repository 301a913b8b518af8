/**
 * The pipeline editor with the API stubbed: the side panel's forms build the document a person
 * would write (steps in the order added, keys in the spec's order, no defaults), a wire the check
 * refuses is not added and the validator's message is shown, and Save shows the file written.
 * jsdom lays nothing out, so these tests drive the keyboard alternatives to dragging; the browser
 * tests drag.
 */
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiDiagnostic, CheckResponse, PipelineDocument, PipelineResponse, StepTarget, WriteResponse } from '../src/api/types.ts';
import { PipelinePage } from '../src/pipeline/PipelinePage.tsx';
import { WHISPER_TARGET } from './step-targets.ts';

const FILE = 'environments/dev/pipelines/two-step.yaml';
const TARGETS: StepTarget[] = [
  {
    kind: 'model',
    name: 'densenet',
    tritonModel: 'densenet_onnx',
    onlyTritonModel: true,
    inputs: [{ name: 'data_0', datatype: 'FP32', shape: [3, 224, 224] }],
    outputs: [{ name: 'fc6_1', datatype: 'FP32', shape: [1000] }],
  },
  WHISPER_TARGET,
];

const NEW: PipelineResponse = {
  env: 'dev',
  name: 'two-step',
  document: { apiVersion: 'tritonops.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'two-step' }, spec: { inputs: [], outputs: [], steps: [] } },
  targets: TARGETS,
  diagnostics: [],
};

/** What the stubbed check answers for a document: errors by data path, as the server would place them. */
let verdict: (doc: PipelineDocument) => ApiDiagnostic[] = () => [];
let checked: PipelineDocument[] = [];
let saved: PipelineDocument[] = [];
let saveAnswer: WriteResponse = { ok: true, file: FILE, text: '', changes: [FILE] };

const error = (code: string, message: string, path: (string | number)[]): ApiDiagnostic => ({
  severity: 'error',
  code,
  file: FILE,
  line: 1,
  col: 1,
  message,
  path,
});

beforeEach(() => {
  verdict = () => [];
  checked = [];
  saved = [];
  saveAnswer = { ok: true, file: FILE, text: '', changes: [FILE] };
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  );
  // React Flow reads the viewport's zoom from a CSS transform when it measures nodes.
  vi.stubGlobal(
    'DOMMatrixReadOnly',
    class {
      readonly m22 = 1;
    },
  );
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const body = init?.body ? (JSON.parse(String(init.body)) as { document: PipelineDocument }) : undefined;
    const answer = (data: unknown) => ({ ok: true, status: 200, statusText: 'OK', json: async () => data });
    if (url.endsWith('/check')) {
      checked.push(body!.document);
      return answer({ file: FILE, diagnostics: verdict(body!.document), text: '', millis: 3 } satisfies CheckResponse);
    }
    if (init?.method === 'PUT') {
      saved.push(body!.document);
      return answer(saveAnswer);
    }
    return answer(NEW);
  });
});

afterEach(() => vi.unstubAllGlobals());

const lastChecked = () => checked[checked.length - 1]!;

async function openNew() {
  const user = userEvent.setup();
  render(<PipelinePage env="dev" name="two-step" />);
  await screen.findByRole('heading', { level: 1, name: 'Pipeline two-step in dev' });
  await waitFor(() => expect(checked.length).toBe(1));
  return user;
}

async function addInput(user: ReturnType<typeof userEvent.setup>, name: string, shape: string) {
  await user.type(screen.getByLabelText('Input name'), name);
  await user.clear(screen.getByLabelText('Shape'));
  await user.type(screen.getByLabelText('Shape'), shape);
  await user.click(screen.getByRole('button', { name: 'Add input' }));
}

async function addStep(user: ReturnType<typeof userEvent.setup>, model: string) {
  await user.selectOptions(screen.getByLabelText('Model'), model);
  await user.click(screen.getByRole('button', { name: 'Add step' }));
}

describe('the pipeline editor', () => {
  it('builds a new pipeline from the side panel as a person writes it, with the keyboard only', async () => {
    const user = await openNew();
    await addInput(user, 'AUDIO', '-1');
    await addStep(user, 'whisper');
    // The new step is selected: its panel offers the inputs that fit.
    const panel = screen.getByRole('region', { name: 'Step whisper' });
    const audio = within(panel).getByRole('combobox', { name: /^AUDIO +FP32 \[-1\]/ });
    expect(
      within(audio)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['— not wired —', 'input.AUDIO (FP32 [-1])']);
    await user.selectOptions(audio, 'input.AUDIO');
    await waitFor(() => expect(lastChecked().spec.steps[0]!.inputs).toEqual({ AUDIO: 'input.AUDIO' }));
    await user.click(screen.getByRole('button', { name: 'Add output' }));
    await waitFor(() => expect(lastChecked().spec.outputs).toHaveLength(1));

    await user.type(within(panel).getByRole('spinbutton', { name: 'Timeout (seconds)' }), '90{Enter}');
    await waitFor(() => expect(lastChecked().spec.steps[0]!.timeoutSeconds).toBe(90));

    expect(lastChecked()).toEqual({
      apiVersion: 'tritonops.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'two-step' },
      spec: {
        inputs: [{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }],
        outputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1], from: 'whisper.TEXT' }],
        steps: [{ name: 'whisper', model: 'whisper', inputs: { AUDIO: 'input.AUDIO' }, timeoutSeconds: 90 }],
      },
    });
    expect(Object.keys(lastChecked().spec.steps[0]!)).toEqual(['name', 'model', 'inputs', 'timeoutSeconds']);

    // Blank is the default: the key goes.
    await user.clear(within(panel).getByRole('spinbutton', { name: 'Timeout (seconds)' }));
    await user.tab();
    await waitFor(() => expect('timeoutSeconds' in lastChecked().spec.steps[0]!).toBe(false));

    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe(`Saved ${FILE}`);
    expect(saved).toEqual([lastChecked()]);
  });

  it('draws the step node with its typed ports', async () => {
    const user = await openNew();
    await addStep(user, 'densenet');
    const node = await screen.findByTestId('step-densenet');
    expect(within(node).getByTestId('port-densenet-in-data_0')).toBeTruthy();
    expect(within(node).getByTestId('port-densenet-out-fc6_1')).toBeTruthy();
    expect(node.textContent).toContain('data_0  FP32 [3, 224, 224]');
    expect(screen.getByTestId('pipeline-inputs')).toBeTruthy();
    expect(screen.getByTestId('port-output-new')).toBeTruthy();
  });

  it('refuses a wire the check finds wrong, showing the validator’s message, and keeps the document as it was', async () => {
    const user = await openNew();
    await addInput(user, 'AUDIO', '-1');
    await addStep(user, 'whisper');
    await addStep(user, 'densenet');
    await user.click(screen.getByRole('button', { name: 'Add output' })); // TEXT from whisper.TEXT
    await waitFor(() => expect(lastChecked().spec.outputs.map((o) => o.from)).toEqual(['whisper.TEXT']));
    const message = 'pipeline output "TEXT" is BYTES, but "densenet.fc6_1" is FP32';
    verdict = (doc) => (doc.spec.outputs[0]?.from === 'densenet.fc6_1' ? [error('dtype-mismatch', message, ['spec', 'outputs', 0, 'from'])] : []);
    const before = checked.length;
    const source = screen.getByRole('combobox', { name: 'Source of output TEXT' });
    await user.selectOptions(source, 'densenet.fc6_1');
    expect((await screen.findByRole('alert')).textContent).toContain(message);
    expect(checked.length).toBe(before + 1);
    expect(lastChecked().spec.outputs[0]!.from).toBe('densenet.fc6_1');
    // Not applied: the select shows the old wire, and the next edit starts from the document without it.
    expect((source as HTMLSelectElement).value).toBe('whisper.TEXT');
    await addInput(user, 'PIXELS', '3,224,224');
    await waitFor(() => expect(lastChecked().spec.inputs).toHaveLength(2));
    expect(lastChecked().spec.outputs[0]!.from).toBe('whisper.TEXT');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('lets a wire stay when the errors left were there before (an unfinished pipeline)', async () => {
    const user = await openNew();
    await addInput(user, 'AUDIO', '-1');
    verdict = (doc) => (doc.spec.outputs.length === 0 ? [error('min-items', 'spec.outputs must have at least 1 entries', ['spec', 'outputs'])] : []);
    await addStep(user, 'whisper');
    await waitFor(() => expect(lastChecked().spec.steps).toHaveLength(1));
    await user.selectOptions(within(screen.getByRole('region', { name: 'Step whisper' })).getByRole('combobox', { name: /AUDIO/ }), 'input.AUDIO');
    await waitFor(() => expect(lastChecked().spec.steps[0]!.inputs).toEqual({ AUDIO: 'input.AUDIO' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('region', { name: 'Problems of this pipeline' }).textContent).toContain('spec.outputs must have at least 1 entries');
  });

  it('shows a refused save with its diagnostics', async () => {
    const user = await openNew();
    saveAnswer = {
      ok: false,
      message: 'the edit would leave the specs invalid (1 error, 0 warnings)',
      diagnostics: [error('min-items', 'spec.steps must have at least 1 entries', ['spec', 'steps'])],
    };
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toContain('the edit would leave the specs invalid (1 error, 0 warnings)');
    expect(screen.getByRole('region', { name: 'Why it was not saved' }).textContent).toContain('spec.steps must have at least 1 entries');
    expect(screen.queryByRole('status', { name: /Saved/ })).toBeNull();
  });
});
