/**
 * The pipeline editor with the API stubbed: the side panel's forms build the document a person
 * would write (steps in the order added, keys in the spec's order, no defaults), a wire the check
 * refuses is not added and the validator's message is shown, and Save shows the file written.
 * Save only has something to do once the document differs from the saved one (Discard goes back,
 * leaving asks first); names are checked at their field, and a step's errors show at its fields
 * and on its node. jsdom lays nothing out, so these tests drive the keyboard alternatives to dragging; the browser
 * tests drag.
 */
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiDiagnostic, CheckResponse, PipelineDocument, PipelineResponse, StepTarget, WriteResponse } from '../src/api/types.ts';
import { PipelinePage } from '../src/pipeline/PipelinePage.tsx';
import { confirmLeave } from '../src/shell/unsaved.ts';
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
/** The `revision` each save sent. */
let savedRevisions: unknown[] = [];
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
  savedRevisions = [];
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
    const body = init?.body ? (JSON.parse(String(init.body)) as { document: PipelineDocument; revision?: unknown }) : undefined;
    const answer = (data: unknown) => ({ ok: true, status: 200, statusText: 'OK', json: async () => data });
    if (url.endsWith('/check')) {
      checked.push(body!.document);
      return answer({ file: FILE, diagnostics: verdict(body!.document), text: '', millis: 3 } satisfies CheckResponse);
    }
    if (init?.method === 'PUT') {
      saved.push(body!.document);
      savedRevisions.push(body!.revision);
      return answer(saveAnswer);
    }
    return answer(NEW);
  });
});

afterEach(() => vi.unstubAllGlobals());

const lastChecked = () => checked[checked.length - 1]!;
const saveButton = () => screen.getByRole<HTMLButtonElement>('button', { name: 'Save' });

/** The text of the elements a field names with aria-describedby. */
const description = (field: HTMLElement) =>
  (field.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? `(no #${id})`)
    .join(' ');

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

/** More Tab presses than the page has stops: an element Tab never reaches fails the test, not hangs it. */
const MAX_TABS = 100;

/** Presses Tab until `element` has the focus, as a keyboard user reaches a control. */
async function tabTo(user: ReturnType<typeof userEvent.setup>, element: Element) {
  for (let i = 0; i < MAX_TABS && document.activeElement !== element; i++) await user.tab();
  expect(document.activeElement, 'Tab never reached the element').toBe(element);
}

async function addStep(user: ReturnType<typeof userEvent.setup>, model: string) {
  await user.selectOptions(screen.getByLabelText('Model'), model);
  await user.click(screen.getByRole('button', { name: 'Add step' }));
}

describe('the pipeline editor', () => {
  it('builds a new pipeline from the side panel as a person writes it, with the keyboard only', async () => {
    const user = await openNew();
    // Tab into a text field selects what it holds: typing replaces it, as in a browser.
    await tabTo(user, screen.getByLabelText('Input name'));
    await user.keyboard('AUDIO');
    await tabTo(user, screen.getByLabelText('Shape'));
    await user.keyboard('-1');
    await tabTo(user, screen.getByRole('button', { name: 'Add input' }));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(lastChecked().spec.inputs).toHaveLength(1));

    // user-event has no keyboard behaviour for a <select> (arrow keys do not change its value in
    // jsdom): each select is reached with Tab, then picked with selectOptions.
    await tabTo(user, screen.getByLabelText('Model'));
    await user.selectOptions(document.activeElement!, 'whisper');
    await tabTo(user, screen.getByRole('button', { name: 'Add step' }));
    await user.keyboard('{Enter}');
    // The new step is selected: its panel offers the inputs that fit.
    const panel = await screen.findByRole('region', { name: 'Step whisper' });
    const audio = within(panel).getByRole('combobox', { name: /^AUDIO +FP32 \[-1\]/ });
    expect(
      within(audio)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['— not wired —', 'input.AUDIO (FP32 [-1])']);
    await tabTo(user, audio);
    await user.selectOptions(document.activeElement!, 'input.AUDIO');
    await waitFor(() => expect(lastChecked().spec.steps[0]!.inputs).toEqual({ AUDIO: 'input.AUDIO' }));
    await tabTo(user, screen.getByRole('button', { name: 'Add output' }));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(lastChecked().spec.outputs).toHaveLength(1));

    const timeout = within(panel).getByRole('spinbutton', { name: 'Timeout (seconds)' });
    await tabTo(user, timeout);
    await user.keyboard('90{Enter}');
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
    expect(document.activeElement).toBe(timeout);
    await user.keyboard('{Control>}a{/Control}{Backspace}');
    expect((timeout as HTMLInputElement).value).toBe('');
    await user.tab();
    await waitFor(() => expect('timeoutSeconds' in lastChecked().spec.steps[0]!).toBe(false));

    expect(screen.getByText('Unsaved changes')).toBeTruthy();
    await tabTo(user, saveButton());
    await user.keyboard('{Enter}');
    expect((await screen.findByRole('status')).textContent).toBe(`Saved ${FILE}`);
    expect(saved).toEqual([lastChecked()]);
    // What was saved is the new baseline: nothing left to save.
    expect(screen.getByText('No changes')).toBeTruthy();
    expect(saveButton().disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Discard changes' })).toBeNull();
  });

  it('opens a step’s options when its node on the canvas is focused and Enter pressed, no click', async () => {
    const user = await openNew();
    await addStep(user, 'densenet');
    await addStep(user, 'whisper');
    expect(await screen.findByRole('region', { name: 'Step whisper' })).toBeTruthy();
    const node = screen.getByTestId('step-densenet').closest<HTMLElement>('.react-flow__node')!;
    // Unmeasured in jsdom, React Flow hides the nodes from Tab (the browser test tabs to one): focused directly.
    act(() => node.focus());
    expect(document.activeElement).toBe(node);
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('region', { name: 'Step densenet' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Step whisper' })).toBeNull();
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
    await addInput(user, 'AUDIO', '-1');
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

  it('sends the revision of the file with each save; refused because the file changed on disk, it says so and keeps the edits', async () => {
    const user = await openNew();
    await addInput(user, 'AUDIO', '-1');
    const written = 'd'.repeat(64);
    saveAnswer = { ok: true, file: FILE, text: '', changes: [FILE], revision: written };
    await user.click(saveButton());
    await screen.findByText(`Saved ${FILE}`);
    // No file when the page loaded: the first save expects none; the next one expects the file it wrote.
    expect(savedRevisions).toEqual([null]);

    await addStep(user, 'whisper');
    await waitFor(() => expect(lastChecked().spec.steps).toHaveLength(1));
    const changed = `${FILE} changed on disk since this page loaded it; nothing was written`;
    const reload = 'reload the page to see the change (your edits are still in the form: copy what you need first)';
    saveAnswer = { ok: false, message: changed, hint: reload, diagnostics: [] };
    await user.click(saveButton());
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(changed);
    expect(alert.textContent).toContain(`hint: ${reload}`);
    expect(savedRevisions).toEqual([null, written]);
    // The edits stay: the step is on the canvas and still unsaved.
    expect(screen.getByTestId('step-whisper')).toBeTruthy();
    expect(screen.getByText('Unsaved changes')).toBeTruthy();
    expect(lastChecked().spec.steps.map((s) => s.name)).toEqual(['whisper']);
  });

  it('has nothing to save until the document changes; Discard goes back to the saved one; leaving with edits asks first', async () => {
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    const user = await openNew();
    expect(screen.getByText('No changes')).toBeTruthy();
    expect(saveButton().disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Discard changes' })).toBeNull();
    expect(confirmLeave()).toBe(true);
    expect(confirm).not.toHaveBeenCalled();

    await addStep(user, 'whisper');
    await waitFor(() => expect(lastChecked().spec.steps).toHaveLength(1));
    expect(screen.getByText('Unsaved changes')).toBeTruthy();
    expect(saveButton().disabled).toBe(false);
    expect(confirmLeave()).toBe(false);
    expect(confirm).toHaveBeenCalledWith('The pipeline editor has unsaved changes. Leave this page and lose them?');

    await user.click(screen.getByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(lastChecked()).toEqual(NEW.document));
    expect(screen.queryByTestId('step-whisper')).toBeNull();
    expect(screen.getByText('No changes')).toBeTruthy();
    expect(saveButton().disabled).toBe(true);
    expect(confirmLeave()).toBe(true);
    expect(confirm).toHaveBeenCalledTimes(1);

    // An edit undone by hand is no change either.
    await addInput(user, 'AUDIO', '-1');
    await waitFor(() => expect(lastChecked().spec.inputs).toHaveLength(1));
    expect(saveButton().disabled).toBe(false);
    await user.click(screen.getByRole('button', { name: 'Remove input AUDIO' }));
    await waitFor(() => expect(lastChecked().spec.inputs).toHaveLength(0));
    expect(saveButton().disabled).toBe(true);
    expect(saved).toEqual([]);
  });

  it('shows a step’s errors at its fields in the side panel and marks its node', async () => {
    const user = await openNew();
    await addInput(user, 'AUDIO', '-1');
    verdict = (doc) =>
      doc.spec.steps.flatMap((step, i) => [
        ...(step.timeoutSeconds !== undefined && step.timeoutSeconds < 1
          ? [error('minimum', `spec.steps[${i}].timeoutSeconds must be >= 1`, ['spec', 'steps', i, 'timeoutSeconds'])]
          : []),
        ...(step.inputs.AUDIO === undefined && step.model === 'whisper'
          ? [error('unwired-input', `input "AUDIO" of step "${step.name}" is not wired`, ['spec', 'steps', i, 'inputs', 'AUDIO'])]
          : []),
      ]);
    await addStep(user, 'densenet');
    await addStep(user, 'whisper');
    const panel = screen.getByRole('region', { name: 'Step whisper' });
    const audio = await within(panel).findByRole('combobox', { name: /^AUDIO/ });
    await waitFor(() => expect(audio.getAttribute('aria-invalid')).toBe('true'));
    expect(description(audio)).toBe('input "AUDIO" of step "whisper" is not wired');

    const timeout = within(panel).getByRole('spinbutton', { name: 'Timeout (seconds)' });
    await user.type(timeout, '-5{Enter}');
    await waitFor(() => expect(timeout.getAttribute('aria-invalid')).toBe('true'));
    expect(description(timeout)).toBe('spec.steps[1].timeoutSeconds must be >= 1 blank: the default, 60 s');
    // Also under the canvas, as before; and the node says so, in words and by its outline.
    expect(screen.getByRole('region', { name: 'Problems of this pipeline' }).textContent).toContain('spec.steps[1].timeoutSeconds must be >= 1');
    const node = screen.getByTestId('step-whisper');
    expect(node.classList.contains('has-errors')).toBe(true);
    expect(node.textContent).toContain('has errors');
    expect(node.closest('.react-flow__node')?.getAttribute('aria-label')).toBe('Step whisper, has errors');
    const other = screen.getByTestId('step-densenet');
    expect(other.classList.contains('has-errors')).toBe(false);
    expect(other.closest('.react-flow__node')?.getAttribute('aria-label')).toBe('Step densenet');

    await user.clear(timeout);
    await user.tab();
    await user.selectOptions(audio, 'input.AUDIO');
    await waitFor(() => expect(screen.getByTestId('step-whisper').classList.contains('has-errors')).toBe(false));
    expect(audio.getAttribute('aria-invalid')).toBeNull();
    expect(timeout.getAttribute('aria-invalid')).toBeNull();
    expect(description(timeout)).toBe('blank: the default, 60 s');
  });

  it('refuses a step name the schema refuses, at the field, in the side panel and when adding', async () => {
    const user = await openNew();
    await addStep(user, 'whisper');
    await waitFor(() => expect(lastChecked().spec.steps).toHaveLength(1));
    const before = checked.length;

    const addForm = screen.getByRole('form', { name: 'Add a step' });
    const stepName = within(addForm).getByRole('textbox', { name: 'Step name' });
    await user.clear(stepName);
    await user.type(stepName, 'Speech_Art');
    await user.click(screen.getByRole('button', { name: 'Add step' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('"Speech_Art" is not a valid name');
    expect(stepName.getAttribute('aria-invalid')).toBe('true');
    expect(description(stepName)).toBe(alert.textContent);
    await user.clear(stepName);
    await user.type(stepName, 'whisper');
    expect(screen.getByRole('alert').textContent).toBe('A step named "whisper" exists already.');
    expect(checked.length).toBe(before);
    expect(screen.queryByTestId('step-Speech_Art')).toBeNull();

    const panel = screen.getByRole('region', { name: 'Step whisper' });
    const rename = within(panel).getByRole('textbox', { name: 'Step name' });
    await user.clear(rename);
    await user.type(rename, 'input{Enter}');
    expect(within(panel).getByRole('alert').textContent).toBe(`"input" is reserved for the pipeline's inputs.`);
    expect(rename.getAttribute('aria-invalid')).toBe('true');
    expect(checked.length).toBe(before);
    await user.clear(rename);
    await user.type(rename, 'transcribe{Enter}');
    await waitFor(() => expect(lastChecked().spec.steps[0]!.name).toBe('transcribe'));
    expect(screen.getByRole('region', { name: 'Step transcribe' })).toBeTruthy();
  });
});

describe('a new pipeline’s name', () => {
  beforeEach(() => window.history.replaceState(null, '', '#/pipelines/dev/new'));

  it('is checked at the field: a bad one is explained there and never navigated to', async () => {
    const user = userEvent.setup();
    render(<PipelinePage env="dev" />);
    const field = screen.getByRole<HTMLInputElement>('textbox', { name: 'Pipeline name' });
    // The pattern Chromium compiles with the `v` flag must compile, and say what the script says.
    const compiled = new RegExp(`^(?:${field.pattern})$`, 'v');
    expect(['speech-art', 'a', 'a1-b'].map((n) => compiled.test(n))).toEqual([true, true, true]);
    expect(['Speech_Art', 'speech-', '1a'].map((n) => compiled.test(n))).toEqual([false, false, false]);

    await user.type(field, 'Speech_Art');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('"Speech_Art" is not a valid name');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(description(field)).toContain(alert.textContent!);
    expect(window.location.hash).toBe('#/pipelines/dev/new');

    await user.clear(field);
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByRole('alert').textContent).toBe('Enter a name.');
    expect(window.location.hash).toBe('#/pipelines/dev/new');

    await user.type(field, 'speech-art');
    expect(screen.queryByRole('alert')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(window.location.hash).toBe('#/pipelines/dev/speech-art');
  });
});
