/**
 * The pipeline's own tensors: inputs are declared here (name, datatype, shape); outputs are step
 * outputs made public — by dragging one onto the outputs node, or here with the keyboard — and
 * then named.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Datatype, PipelineDocument, StepTarget } from '../api/types.ts';
import { CommitInput } from './StepPanel.tsx';
import { DATATYPES, describeTensor, parseShape, PIPELINE_INPUT, producers, showShape } from './pipeline-document.ts';

const TENSOR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TensorsPanelProps {
  readonly doc: PipelineDocument;
  readonly targets: readonly StepTarget[];
  /** The output just made by a drag: its name field takes the focus, to name it. */
  readonly focusOutput?: string | undefined;
  readonly onAddInput: (tensor: { name: string; datatype: Datatype; shape: number[] }) => void;
  readonly onRemoveInput: (name: string) => void;
  readonly onAddOutput: (from: string) => void;
  readonly onRenameOutput: (from: string, to: string) => void;
  readonly onOutputSource: (name: string, from: string) => void;
  readonly onRemoveOutput: (name: string) => void;
}

export function TensorsPanel(props: TensorsPanelProps) {
  const { doc, targets } = props;
  return (
    <>
      <PipelineInputs {...props} />
      <section className="panel-form" aria-labelledby="outputs-title">
        <h2 id="outputs-title">Pipeline outputs</h2>
        <ul className="tensor-list">
          {doc.spec.outputs.map((o) => (
            <OutputRow key={o.name} {...props} output={o} />
          ))}
        </ul>
        <NewOutput doc={doc} targets={targets} onAddOutput={props.onAddOutput} />
      </section>
    </>
  );
}

function PipelineInputs({ doc, onAddInput, onRemoveInput }: TensorsPanelProps) {
  const [name, setName] = useState('');
  const [datatype, setDatatype] = useState<Datatype>('FP32');
  const [shapeText, setShapeText] = useState('-1');
  const [problem, setProblem] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const shape = parseShape(shapeText);
    if (!TENSOR_NAME.test(name)) return setProblem('a tensor name is letters, digits and _, not starting with a digit');
    if (doc.spec.inputs.some((t) => t.name === name)) return setProblem(`the pipeline already has an input "${name}"`);
    if (!shape) return setProblem('the shape is a list of integers, -1 for a variable dimension: `-1` or `-1, 3`');
    setProblem(undefined);
    onAddInput({ name, datatype, shape });
    setName('');
  };
  return (
    <section className="panel-form" aria-labelledby="inputs-title">
      <h2 id="inputs-title">Pipeline inputs</h2>
      <ul className="tensor-list">
        {doc.spec.inputs.map((t) => (
          <li key={t.name}>
            <code>{describeTensor(t)}</code>
            <button type="button" aria-label={`Remove input ${t.name}`} onClick={() => onRemoveInput(t.name)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} aria-label="Add a pipeline input">
        <label>
          Input name
          <input value={name} onChange={(e) => setName(e.target.value)} aria-invalid={!!problem || undefined} />
        </label>
        <label>
          Datatype
          <select value={datatype} onChange={(e) => setDatatype(e.target.value as Datatype)}>
            {DATATYPES.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label>
          Shape
          <input value={shapeText} onChange={(e) => setShapeText(e.target.value)} aria-describedby="shape-help" />
        </label>
        <span id="shape-help" className="help">
          comma-separated, -1 for a variable dimension: <code>-1</code> or <code>-1,3</code>
        </span>
        {problem && <p className="field-error">{problem}</p>}
        <button type="submit">Add input</button>
      </form>
    </section>
  );
}

function OutputRow({
  doc,
  targets,
  output,
  focusOutput,
  onRenameOutput,
  onOutputSource,
  onRemoveOutput,
}: TensorsPanelProps & { output: PipelineDocument['spec']['outputs'][number] }) {
  const nameField = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusOutput === output.name) nameField.current?.focus();
  }, [focusOutput, output.name]);
  const sources = producers(doc, targets).filter((p) => p.node !== PIPELINE_INPUT);
  return (
    <li className="output-row">
      <code>
        {output.datatype} {showShape(output.shape)}
      </code>
      <CommitInput ref={nameField} label={`Name of output ${output.name}`} value={output.name} onCommit={(v) => v && onRenameOutput(output.name, v)} />
      <select aria-label={`Source of output ${output.name}`} value={output.from} onChange={(e) => onOutputSource(output.name, e.target.value)}>
        {!sources.some((s) => s.ref === output.from) && <option value={output.from}>{output.from}</option>}
        {sources.map((s) => (
          <option key={s.ref} value={s.ref}>
            {s.ref} ({s.tensor.datatype} {showShape(s.tensor.shape)})
          </option>
        ))}
      </select>
      <button type="button" aria-label={`Remove output ${output.name}`} onClick={() => onRemoveOutput(output.name)}>
        Remove
      </button>
    </li>
  );
}

/** The keyboard's way to make a pipeline output: pick a step output, Add. */
function NewOutput({ doc, targets, onAddOutput }: { doc: PipelineDocument; targets: readonly StepTarget[]; onAddOutput: (from: string) => void }) {
  const used = new Set(doc.spec.outputs.map((o) => o.from));
  const free = producers(doc, targets).filter((p) => p.node !== PIPELINE_INPUT && !used.has(p.ref));
  const [from, setFrom] = useState('');
  if (free.length === 0) return <p className="help">Drag a step output onto the outputs node to make it a pipeline output.</p>;
  const chosen = free.some((p) => p.ref === from) ? from : free[0]!.ref;
  return (
    <form
      aria-label="Add a pipeline output"
      onSubmit={(e) => {
        e.preventDefault();
        onAddOutput(chosen);
      }}
    >
      <label>
        New output from
        <select value={chosen} onChange={(e) => setFrom(e.target.value)}>
          {free.map((p) => (
            <option key={p.ref} value={p.ref}>
              {p.ref} ({p.tensor.datatype} {showShape(p.tensor.shape)})
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Add output</button>
    </form>
  );
}
