/**
 * Adding a step: pick a model of the environment (then its Triton model, when it serves several)
 * or a local model of the pipeline, and a step name, which defaults to the model's name.
 */
import { useState, type FormEvent } from 'react';
import type { PipelineDocument, StepTarget } from '../api/types.ts';
import { NameField } from './NameField.tsx';
import { STEP_NAME, stepNameProblem } from './names.ts';
import { PIPELINE_INPUT, uniqueStepName } from './pipeline-document.ts';

const LOCAL = 'local:';

/** The Model select's value of a target: the model's name, or `local:<name>`. */
const choiceOf = (t: StepTarget) => (t.kind === 'local' ? `${LOCAL}${t.name}` : t.name);

export function AddStepForm({
  doc,
  targets,
  onAdd,
}: {
  doc: PipelineDocument;
  targets: readonly StepTarget[];
  onAdd: (target: StepTarget, name: string) => void;
}) {
  const choices = [...new Set(targets.map(choiceOf))];
  const [choice, setChoice] = useState('');
  const [tritonModel, setTritonModel] = useState('');
  const [typedName, setTypedName] = useState<string>();
  const [tried, setTried] = useState(false);
  const options = targets.filter((t) => choiceOf(t) === (choice || choices[0]));
  const target = options.find((t) => t.tritonModel === tritonModel) ?? options[0];
  const name = typedName ?? (target ? uniqueStepName(target.name, doc) : '');
  const models = choices.filter((c) => !c.startsWith(LOCAL));
  const locals = choices.filter((c) => c.startsWith(LOCAL));

  const problem = stepNameProblem(
    name,
    doc.spec.steps.map((s) => s.name),
    PIPELINE_INPUT,
  );
  // Shown once Add was pressed, then kept up to date while the name is corrected.
  const shown = tried ? problem : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!target || problem !== undefined) return;
    onAdd(target, name);
    setTypedName(undefined);
    setTried(false);
  };

  if (targets.length === 0)
    return (
      <section aria-labelledby="add-step-title">
        <h2 id="add-step-title">Add a step</h2>
        <p className="help">No model of this environment declares `signatures`: a step needs a model whose tensors are known.</p>
      </section>
    );
  return (
    <form className="panel-form" aria-labelledby="add-step-title" onSubmit={submit} noValidate>
      <h2 id="add-step-title">Add a step</h2>
      <label>
        Model
        <select
          value={choice || choices[0]}
          onChange={(e) => {
            setChoice(e.target.value);
            setTritonModel('');
            setTypedName(undefined);
            setTried(false);
          }}
        >
          {models.length > 0 && (
            <optgroup label="Models of the environment">
              {models.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </optgroup>
          )}
          {locals.length > 0 && (
            <optgroup label="Local models of the pipeline">
              {locals.map((c) => (
                <option key={c} value={c}>
                  {c.slice(LOCAL.length)} (local)
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      {options.length > 1 && (
        <label>
          Triton model
          <select value={target?.tritonModel ?? ''} onChange={(e) => setTritonModel(e.target.value)}>
            {options.map((t) => (
              <option key={t.tritonModel} value={t.tritonModel}>
                {t.tritonModel}
              </option>
            ))}
          </select>
        </label>
      )}
      <NameField id="add-step-name" label="Step name" rule={STEP_NAME} value={name} onChange={setTypedName} shownProblem={shown} />
      <button type="submit">Add step</button>
    </form>
  );
}
