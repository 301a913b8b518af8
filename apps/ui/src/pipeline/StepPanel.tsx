/**
 * One step's options: its name (renaming rewires what reads from it), its timeout, what it calls,
 * and a select per input listing the tensors that fit it — the keyboard's way to wire, going
 * through the same check as a dragged wire.
 */
import { useId, useState, type ComponentProps, type KeyboardEvent } from 'react';
import type { ApiDiagnostic, PipelineDocument, PipelineStep, StepTarget } from '../api/types.ts';
import { STEP_NAME, stepNameProblem } from './names.ts';
import { DEFAULT_TIMEOUT_SECONDS, describeTensor, fits, PIPELINE_INPUT, producers, showShape, targetLabel, targetOf } from './pipeline-document.ts';
import { stepDiagnostics } from './step-diagnostics.ts';

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
  /** Diagnostics of the pipeline's file, to show at the field they are about. */
  readonly diagnostics: readonly ApiDiagnostic[];
  readonly onRename: (to: string) => void;
  readonly onTimeout: (seconds: number | undefined) => void;
  readonly onWireInput: (input: string, ref: string | undefined) => void;
  readonly onRemove: () => void;
}

/** Messages shown under a field, which names them with aria-describedby (no alert: they come with every check). */
function FieldProblems({ id, problems }: { id: string; problems: readonly ApiDiagnostic[] }) {
  if (problems.length === 0) return null;
  return (
    <span id={id} className="field-error">
      {problems.map((d, i) => (
        <span key={i} className="field-error-line">
          {d.message}
        </span>
      ))}
    </span>
  );
}

/** The attributes of a field that has `problems` shown in the element `id` (and help in `help`). */
const describedBy = (id: string, problems: readonly unknown[], help?: string) => {
  const ids = [...(problems.length > 0 ? [id] : []), ...(help ? [help] : [])];
  return { 'aria-invalid': problems.length > 0 || undefined, 'aria-describedby': ids.length > 0 ? ids.join(' ') : undefined };
};

export function StepPanel({ doc, step, targets, diagnostics, onRename, onTimeout, onWireInput, onRemove }: StepPanelProps) {
  const id = useId();
  const target = targetOf(step, targets);
  const index = doc.spec.steps.indexOf(step);
  const sources = producers(doc, targets).filter((p) => p.node !== step.name);
  const inputs = target?.inputs ?? Object.keys(step.inputs).map((name) => ({ name, datatype: undefined, shape: undefined }));
  const problems = stepDiagnostics(diagnostics, index, (input) => inputs.some((i) => i.name === input));
  // A name that breaks the schema is not applied: it stays in the field with the reason under it.
  const [typedNameProblem, setTypedNameProblem] = useState<string>();
  const otherSteps = doc.spec.steps.filter((s) => s !== step).map((s) => s.name);
  const checkName = (name: string) => stepNameProblem(name, otherSteps, PIPELINE_INPUT);

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
      {problems.step.length > 0 && (
        <ul className="field-errors" aria-label={`Problems of step ${step.name}`}>
          {problems.step.map((d, i) => (
            <li key={i}>{d.message}</li>
          ))}
        </ul>
      )}
      <label>
        Name
        <CommitInput
          label="Step name"
          value={step.name}
          onCommit={(v) => {
            const problem = checkName(v);
            setTypedNameProblem(problem);
            if (problem === undefined) onRename(v);
          }}
          onInput={(e) => typedNameProblem && setTypedNameProblem(e.currentTarget.value === step.name ? undefined : checkName(e.currentTarget.value))}
          pattern={STEP_NAME.pattern}
          maxLength={STEP_NAME.maxLength}
          {...describedBy(`${id}-name`, typedNameProblem ? [typedNameProblem] : problems.name)}
        />
      </label>
      {typedNameProblem ? (
        <span id={`${id}-name`} className="field-error" role="alert">
          {typedNameProblem}
        </span>
      ) : (
        <FieldProblems id={`${id}-name`} problems={problems.name} />
      )}
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
          {...describedBy(`${id}-timeout`, problems.timeoutSeconds, `${id}-timeout-help`)}
        />
      </label>
      <FieldProblems id={`${id}-timeout`} problems={problems.timeoutSeconds} />
      <span id={`${id}-timeout-help`} className="help">
        blank: the default, {DEFAULT_TIMEOUT_SECONDS} s
      </span>
      <fieldset>
        <legend>Inputs</legend>
        {inputs.map((input) => {
          const wired = step.inputs[input.name];
          const fitting = input.datatype ? sources.filter((s) => fits(s.tensor, { datatype: input.datatype, shape: input.shape })) : sources;
          const listed = wired && !fitting.some((s) => s.ref === wired) ? [{ ref: wired, label: `${wired} (does not fit)` }] : [];
          const inputProblems = problems.inputs.get(input.name) ?? [];
          const problemId = `${id}-input-${input.name}`;
          return (
            <div key={input.name} className="step-input">
              <label>
                {input.datatype ? describeTensor({ name: input.name, datatype: input.datatype, shape: input.shape }) : input.name}
                <select value={wired ?? ''} onChange={(e) => onWireInput(input.name, e.target.value || undefined)} {...describedBy(problemId, inputProblems)}>
                  <option value="">— not wired —</option>
                  {[...listed, ...fitting.map((s) => ({ ref: s.ref, label: `${s.ref} (${s.tensor.datatype} ${showShape(s.tensor.shape)})` }))].map((o) => (
                    <option key={o.ref} value={o.ref}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </label>
              <FieldProblems id={problemId} problems={inputProblems} />
            </div>
          );
        })}
      </fieldset>
      <button type="button" onClick={onRemove}>
        Remove step
      </button>
    </section>
  );
}
