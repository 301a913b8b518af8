/**
 * One step's options: its name (renaming rewires what reads from it), its timeout, what it calls,
 * and a select per input listing the tensors that fit it — the keyboard's way to wire, going
 * through the same check as a dragged wire.
 */
import { useState, type ComponentProps, type KeyboardEvent } from 'react';
import type { ApiDiagnostic, PipelineDocument, PipelineStep, StepTarget } from '../api/types.ts';
import { DEFAULT_TIMEOUT_SECONDS, describeTensor, fits, producers, showShape, targetLabel, targetOf } from './pipeline-document.ts';

/** A text field that commits on Enter or when it loses focus, not on every key (each commit is a check). */
export function CommitInput({
  value,
  onCommit,
  label,
  ...rest
}: { value: string; onCommit: (value: string) => void; label: string } & Omit<ComponentProps<'input'>, 'value' | 'onChange'>) {
  const [text, setText] = useState(value);
  // A new value from the document (another edit, a refused one) replaces what was typed.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setText(value);
  }
  const commit = () => text !== value && onCommit(text);
  return (
    <input
      {...rest}
      aria-label={label}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e: KeyboardEvent) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit();
        }
      }}
    />
  );
}

export interface StepPanelProps {
  readonly doc: PipelineDocument;
  readonly step: PipelineStep;
  readonly targets: readonly StepTarget[];
  /** Diagnostics of the pipeline's file, to show at the input they are about. */
  readonly diagnostics: readonly ApiDiagnostic[];
  readonly onRename: (to: string) => void;
  readonly onTimeout: (seconds: number | undefined) => void;
  readonly onWireInput: (input: string, ref: string | undefined) => void;
  readonly onRemove: () => void;
}

export function StepPanel({ doc, step, targets, diagnostics, onRename, onTimeout, onWireInput, onRemove }: StepPanelProps) {
  const target = targetOf(step, targets);
  const index = doc.spec.steps.indexOf(step);
  const sources = producers(doc, targets).filter((p) => p.node !== step.name);
  const inputs = target?.inputs ?? Object.keys(step.inputs).map((name) => ({ name, datatype: undefined, shape: undefined }));
  const at = (input: string) =>
    diagnostics.filter((d) => d.path?.[0] === 'spec' && d.path[1] === 'steps' && d.path[2] === index && d.path[3] === 'inputs' && d.path[4] === input);

  return (
    <section className="panel-form" aria-labelledby="step-panel-title">
      <h2 id="step-panel-title">Step {step.name}</h2>
      <p className="help">
        Calls {target ? targetLabel(target) : (step.model ?? step.local)}
        {step.model !== undefined && target?.tritonModel && (
          <>
            {' '}
            (Triton model <code>{target.tritonModel}</code>)
          </>
        )}
      </p>
      <label>
        Name
        <CommitInput label="Step name" value={step.name} onCommit={(v) => v && onRename(v)} pattern="[a-z][-a-z0-9]*" maxLength={40} />
      </label>
      <label>
        Timeout (seconds)
        <CommitInput
          label="Timeout (seconds)"
          type="number"
          min={1}
          step={1}
          placeholder={`${DEFAULT_TIMEOUT_SECONDS} (default)`}
          value={step.timeoutSeconds === undefined ? '' : String(step.timeoutSeconds)}
          onCommit={(v) => onTimeout(v.trim() === '' ? undefined : Math.round(Number(v)))}
        />
      </label>
      <span className="help">blank: the default, {DEFAULT_TIMEOUT_SECONDS} s</span>
      <fieldset>
        <legend>Inputs</legend>
        {inputs.map((input) => {
          const wired = step.inputs[input.name];
          const fitting = input.datatype ? sources.filter((s) => fits(s.tensor, { datatype: input.datatype, shape: input.shape })) : sources;
          const listed = wired && !fitting.some((s) => s.ref === wired) ? [{ ref: wired, label: `${wired} (does not fit)` }] : [];
          const problems = at(input.name);
          return (
            <label key={input.name}>
              {input.datatype ? describeTensor({ name: input.name, datatype: input.datatype, shape: input.shape }) : input.name}
              <select
                value={wired ?? ''}
                onChange={(e) => onWireInput(input.name, e.target.value || undefined)}
                aria-invalid={problems.length > 0 || undefined}
              >
                <option value="">— not wired —</option>
                {[...listed, ...fitting.map((s) => ({ ref: s.ref, label: `${s.ref} (${s.tensor.datatype} ${showShape(s.tensor.shape)})` }))].map((o) => (
                  <option key={o.ref} value={o.ref}>
                    {o.label}
                  </option>
                ))}
              </select>
              {problems.map((d, i) => (
                <span key={i} className="field-error">
                  {d.message}
                </span>
              ))}
            </label>
          );
        })}
      </fieldset>
      <button type="button" onClick={onRemove}>
        Remove step
      </button>
    </section>
  );
}
