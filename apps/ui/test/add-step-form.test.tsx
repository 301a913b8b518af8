/**
 * The add-step form with the document's own addStep behind it: a model that serves several Triton
 * models asks which one, and the step names it (`tritonModel`); a model that serves one does not
 * ask, and its step leaves `tritonModel` out, as a person would.
 */
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import type { PipelineDocument, StepTarget } from '../src/api/types.ts';
import { AddStepForm } from '../src/pipeline/AddStepForm.tsx';
import { addStep } from '../src/pipeline/pipeline-document.ts';
import { WHISPER_TARGET } from './step-targets.ts';

/** One model (`llm`) whose server holds two Triton models, each with its own signature. */
const LLM_PREPROCESS: StepTarget = {
  kind: 'model',
  name: 'llm',
  tritonModel: 'preprocess',
  onlyTritonModel: false,
  inputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1] }],
  outputs: [{ name: 'TOKENS', datatype: 'INT64', shape: [-1] }],
};
const LLM_GENERATE: StepTarget = {
  kind: 'model',
  name: 'llm',
  tritonModel: 'generate',
  onlyTritonModel: false,
  inputs: [{ name: 'TOKENS', datatype: 'INT64', shape: [-1] }],
  outputs: [{ name: 'TEXT', datatype: 'BYTES', shape: [1] }],
};
/** A model serving one Triton model under another name: still no `tritonModel` in the step. */
const DENSENET: StepTarget = {
  kind: 'model',
  name: 'densenet',
  tritonModel: 'densenet_onnx',
  onlyTritonModel: true,
  inputs: [{ name: 'data_0', datatype: 'FP32', shape: [3, 224, 224] }],
  outputs: [{ name: 'fc6_1', datatype: 'FP32', shape: [1000] }],
};
const TARGETS = [WHISPER_TARGET, LLM_PREPROCESS, LLM_GENERATE, DENSENET];

const EMPTY: PipelineDocument = {
  apiVersion: 'tritonops.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'chat' },
  spec: { inputs: [], outputs: [], steps: [] },
};

/** The form over a document the test can read after each Add. */
function renderForm() {
  const docs: PipelineDocument[] = [EMPTY];
  function Harness() {
    const [doc, setDoc] = useState(EMPTY);
    return (
      <AddStepForm
        doc={doc}
        targets={TARGETS}
        onAdd={(target, name) => {
          const next = addStep(doc, target, name);
          docs.push(next);
          setDoc(next);
        }}
      />
    );
  }
  render(<Harness />);
  return { user: userEvent.setup(), steps: () => docs[docs.length - 1]!.spec.steps };
}

const form = () => screen.getByRole('form', { name: 'Add a step' });
const tritonModelSelect = () => within(form()).queryByRole('combobox', { name: 'Triton model' });

describe('the add-step form', () => {
  it('asks which Triton model of a model that serves several, and the step names it', async () => {
    const { user, steps } = renderForm();
    await user.selectOptions(within(form()).getByRole('combobox', { name: 'Model' }), 'llm');
    const select = tritonModelSelect();
    expect(select).not.toBeNull();
    expect(
      within(select!)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['preprocess', 'generate']);
    expect((select as HTMLSelectElement).value).toBe('preprocess');

    await user.selectOptions(select!, 'generate');
    await user.click(within(form()).getByRole('button', { name: 'Add step' }));
    expect(steps()).toEqual([{ name: 'llm', model: 'llm', tritonModel: 'generate', inputs: {} }]);
    // In the spec's order: the Triton model right after the model.
    expect(Object.keys(steps()[0]!)).toEqual(['name', 'model', 'tritonModel', 'inputs']);

    // The first one is named too: with two, neither is implied.
    await user.selectOptions(tritonModelSelect()!, 'preprocess');
    await user.click(within(form()).getByRole('button', { name: 'Add step' }));
    expect(steps()[1]).toEqual({ name: 'llm-2', model: 'llm', tritonModel: 'preprocess', inputs: {} });
  });

  it('does not ask for a model that serves one Triton model, and the step leaves tritonModel out', async () => {
    const { user, steps } = renderForm();
    const model = within(form()).getByRole('combobox', { name: 'Model' });
    expect((model as HTMLSelectElement).value).toBe('whisper');
    expect(tritonModelSelect()).toBeNull();
    await user.click(within(form()).getByRole('button', { name: 'Add step' }));

    await user.selectOptions(model, 'densenet');
    expect(tritonModelSelect()).toBeNull();
    await user.click(within(form()).getByRole('button', { name: 'Add step' }));

    expect(steps()).toEqual([
      { name: 'whisper', model: 'whisper', inputs: {} },
      { name: 'densenet', model: 'densenet', inputs: {} },
    ]);
    expect(steps().some((s) => 'tritonModel' in s)).toBe(false);
  });

  it('forgets the Triton model picked when another model is chosen', async () => {
    const { user, steps } = renderForm();
    const model = within(form()).getByRole('combobox', { name: 'Model' });
    await user.selectOptions(model, 'llm');
    await user.selectOptions(tritonModelSelect()!, 'generate');
    await user.selectOptions(model, 'whisper');
    expect(tritonModelSelect()).toBeNull();
    await user.selectOptions(model, 'llm');
    expect((tritonModelSelect() as HTMLSelectElement).value).toBe('preprocess');
    await user.click(within(form()).getByRole('button', { name: 'Add step' }));
    expect(steps()).toEqual([{ name: 'llm', model: 'llm', tritonModel: 'preprocess', inputs: {} }]);
  });
});
