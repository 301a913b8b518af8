/**
 * The pipeline editor: the graph on a canvas, a side panel to add steps, declare the pipeline's
 * tensors and set a step's options, the validator's live verdict under the canvas, and Save. Every
 * change is a pure edit of the document (pipeline-document.ts); wires are checked by the server
 * before they are drawn (use-pipeline-editor.ts), so a wire that does not fit never appears.
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import type { ApiDiagnostic, PipelineDocument, StepTarget } from '../api/types.ts';
import { DiagnosticList, ErrorNote } from '../shell/Diagnostics.tsx';
import { navigate } from '../shell/route.ts';
import { useUnsavedGuard } from '../shell/unsaved.ts';
import { AddStepForm } from './AddStepForm.tsx';
import { canvasEdges, PIPELINE_OUTPUT, type CanvasEdge } from './canvas-edges.ts';
import { canvasNodes } from './canvas-model.ts';
import { layoutNodes, type Positions } from './layout.ts';
import { NameField } from './NameField.tsx';
import { nameProblem, PIPELINE_NAME } from './names.ts';
import { PipelineCanvas, type Selection, type WireRequest } from './PipelineCanvas.tsx';
import {
  addPipelineInput,
  addPipelineOutput,
  addStep,
  parseRef,
  producedTensor,
  removePipelineInput,
  removePipelineOutput,
  removeStep,
  renameOutput,
  renameStep,
  setOutputSource,
  setStepTimeout,
  targetOf,
  uniqueOutputName,
  unwireStepInput,
  wireStepInput,
} from './pipeline-document.ts';
import { stepsWithErrors } from './step-diagnostics.ts';
import { StepPanel } from './StepPanel.tsx';
import { TensorsPanel } from './TensorsPanel.tsx';
import { pipelineFile, usePipelineEditor } from './use-pipeline-editor.ts';
import { outputFromPath, stepInputPath } from './wire-check.ts';

export function PipelinePage({ env, name }: { env: string; name?: string }) {
  return name === undefined ? <NewPipeline env={env} /> : <PipelineEditor env={env} name={name} />;
}

/**
 * `#/pipelines/<env>/new`: a name first; the editor then opens the (not yet written) pipeline. The
 * name is checked here, at the field: the router shows the fleet for a URL with a bad name.
 */
function NewPipeline({ env }: { env: string }) {
  const [name, setName] = useState('');
  const [tried, setTried] = useState(false);
  const problem = nameProblem(name, PIPELINE_NAME);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (problem === undefined) navigate({ page: 'pipeline', env, name });
  };
  const shown = tried ? problem : undefined;
  return (
    <>
      <h1>New pipeline in {env}</h1>
      {/* noValidate: the message below, in words, instead of the browser's "match the requested format". */}
      <form className="panel-form narrow" onSubmit={submit} noValidate>
        <NameField
          id="pipeline-name"
          label="Pipeline name"
          rule={PIPELINE_NAME}
          value={name}
          onChange={setName}
          shownProblem={shown}
          help={`a DNS label: lower-case letters, digits and -, at most ${PIPELINE_NAME.maxLength} characters`}
        />
        <button type="submit" className="primary">
          Create
        </button>
      </form>
    </>
  );
}

/** A wire's end: a step's input (with the step's place in the document) or a pipeline output. */
function wireEdit(doc: PipelineDocument, targets: readonly StepTarget[], from: string, to: string) {
  const end = parseRef(to);
  if (end.node === PIPELINE_OUTPUT) {
    const index = doc.spec.outputs.findIndex((o) => o.name === end.tensor);
    return { build: (d: PipelineDocument) => setOutputSource(d, end.tensor, from), path: outputFromPath(index) };
  }
  const index = doc.spec.steps.findIndex((s) => s.name === end.node);
  const step = doc.spec.steps[index];
  const order = (step && targetOf(step, targets)?.inputs.map((t) => t.name)) ?? [];
  return { build: (d: PipelineDocument) => wireStepInput(d, end.node, end.tensor, from, order), path: stepInputPath(index, end.tensor) };
}

function PipelineEditor({ env, name }: { env: string; name: string }) {
  const editor = usePipelineEditor(env, name);
  const { doc, loaded, check, edit, wire, dirty } = editor;
  useUnsavedGuard(dirty, 'The pipeline editor');
  const targets = useMemo(() => loaded?.targets ?? [], [loaded]);
  const [selection, setSelection] = useState<Selection>();
  const [focusOutput, setFocusOutput] = useState<string>();
  const [positions, setPositions] = useState<Positions>(new Map());

  // Laid out again when nodes or ports come or go; moving a wire keeps the picture still.
  const models = useMemo(() => (doc ? canvasNodes(doc, targets) : []), [doc, targets]);
  const shape = JSON.stringify(models.map((m) => [m.id, m.inPorts.map((p) => p.tensor), m.outPorts.map((p) => p.tensor)]));
  useEffect(() => {
    if (!doc) return;
    let stale = false;
    layoutNodes(models, canvasEdges(doc)).then(
      (laid) => !stale && setPositions(laid),
      () => {}, // without a layout the nodes keep their places
    );
    return () => {
      stale = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `shape` is what decides a new layout
  }, [shape]);

  const onWire = useCallback(
    (request: WireRequest) => {
      if (!doc) return;
      if ('newOutput' in request) {
        const produced = producedTensor(doc, targets, request.from);
        if (!produced) return;
        const outputName = uniqueOutputName(produced.name, doc);
        void wire(
          (d) => addPipelineOutput(d, request.from, produced),
          outputFromPath(doc.spec.outputs.length),
          () => setFocusOutput(outputName),
        );
        return;
      }
      const { build, path } = wireEdit(doc, targets, request.from, request.to);
      void wire(build, path);
    },
    [doc, targets, wire],
  );

  const removeWires = useCallback(
    (d: PipelineDocument, wires: readonly CanvasEdge[]) =>
      wires.reduce((acc, w) => {
        const to = parseRef(w.to);
        return to.node === PIPELINE_OUTPUT ? removePipelineOutput(acc, to.tensor) : unwireStepInput(acc, to.node, to.tensor);
      }, d),
    [],
  );

  const file = check?.file ?? loaded?.file ?? pipelineFile(env, name);
  const diagnostics: readonly ApiDiagnostic[] = useMemo(() => (check ? check.diagnostics : (loaded?.diagnostics ?? [])), [check, loaded]);
  const own = useMemo(() => diagnostics.filter((d) => d.file === file), [diagnostics, file]);
  const withErrors = useMemo(() => (doc ? stepsWithErrors(doc, own) : new Set<string>()), [doc, own]);

  if (editor.loadError)
    return (
      <>
        <h1>
          Pipeline {name} in {env}
        </h1>
        <ErrorNote message={editor.loadError.message} hint={editor.loadError.hint} />
      </>
    );
  if (!doc || !loaded)
    return (
      <>
        <h1>
          Pipeline {name} in {env}
        </h1>
        <p role="status">Loading…</p>
      </>
    );

  const elsewhere = diagnostics.filter((d) => d.file !== file && d.severity === 'error');
  const selectedStep = selection?.kind === 'step' ? doc.spec.steps.find((s) => s.name === selection.name) : undefined;

  return (
    <div className="pipeline-editor">
      <div className="editor-title">
        <h1>
          Pipeline {name} in {env}
        </h1>
        <span className="help">{loaded.file ?? `new: ${file}`}</span>
        <div className="editor-actions">
          <span className="check-state" aria-live="polite">
            {dirty ? 'Unsaved changes' : 'No changes'}
          </span>
          {dirty && (
            <button
              type="button"
              onClick={() => {
                editor.discard();
                setSelection(undefined);
              }}
              disabled={editor.busy}
            >
              Discard changes
            </button>
          )}
          <button type="button" className="primary" onClick={() => void editor.save()} disabled={!dirty || editor.busy}>
            {editor.busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
      {editor.saved?.ok && (
        <p role="status" className="ok-note">
          Saved {editor.saved.file}
        </p>
      )}
      {editor.saved && !editor.saved.ok && (
        <>
          <ErrorNote message={editor.saved.message} hint={editor.saved.hint} />
          <DiagnosticList title="Why it was not saved" diagnostics={editor.saved.diagnostics.filter((d) => d.severity === 'error')} />
        </>
      )}
      {editor.refusal && <ErrorNote message={editor.refusal.message} hint={editor.refusal.hint} />}
      <div className="editor-body">
        <div className="canvas" aria-label="Pipeline graph" role="region">
          <ReactFlowProvider>
            <PipelineCanvas
              document={doc}
              targets={targets}
              positions={positions}
              selection={selection}
              withErrors={withErrors}
              onSelect={setSelection}
              onWire={onWire}
              onDelete={({ steps, edges }) => {
                edit(steps.reduce(removeStep, removeWires(doc, edges)));
                setSelection(undefined);
              }}
            />
          </ReactFlowProvider>
        </div>
        <aside className="side-panel" aria-label="Pipeline editing">
          {selectedStep && (
            <StepPanel
              key={selectedStep.name}
              doc={doc}
              step={selectedStep}
              targets={targets}
              diagnostics={own}
              onRename={(to) => {
                edit(renameStep(doc, selectedStep.name, to));
                setSelection({ kind: 'step', name: to });
              }}
              onTimeout={(seconds) => edit(setStepTimeout(doc, selectedStep.name, seconds))}
              onWireInput={(input, ref) => {
                if (ref === undefined) edit(unwireStepInput(doc, selectedStep.name, input));
                else onWire({ from: ref, to: `${selectedStep.name}.${input}` });
              }}
              onRemove={() => {
                edit(removeStep(doc, selectedStep.name));
                setSelection(undefined);
              }}
            />
          )}
          {selection?.kind === 'edge' && (
            <section className="panel-form" aria-labelledby="wire-title">
              <h2 id="wire-title">Wire</h2>
              <p>
                <code>{selection.edge.from}</code> → <code>{selection.edge.to}</code>
              </p>
              <button
                type="button"
                onClick={() => {
                  edit(removeWires(doc, [selection.edge]));
                  setSelection(undefined);
                }}
              >
                Remove wire
              </button>
            </section>
          )}
          <AddStepForm
            doc={doc}
            targets={targets}
            onAdd={(target, stepName) => {
              edit(addStep(doc, target, stepName));
              setSelection({ kind: 'step', name: stepName });
            }}
          />
          <TensorsPanel
            doc={doc}
            targets={targets}
            focusOutput={focusOutput}
            onAddInput={(t) => edit(addPipelineInput(doc, t))}
            onRemoveInput={(n) => edit(removePipelineInput(doc, n))}
            onAddOutput={(from) => onWire({ from, newOutput: true })}
            onRenameOutput={(from, to) => {
              edit(renameOutput(doc, from, to));
              setFocusOutput(undefined);
            }}
            onOutputSource={(n, from) => onWire({ from, to: `${PIPELINE_OUTPUT}.${n}` })}
            onRemoveOutput={(n) => edit(removePipelineOutput(doc, n))}
          />
        </aside>
      </div>
      <section aria-label="Validation" className="validation">
        {check && (
          <p className="help">
            Checked with the whole environment in {check.millis} ms{own.some((d) => d.severity === 'error') ? '' : own.length ? ': no errors' : ': no problems'}
            .
          </p>
        )}
        <DiagnosticList title="Problems of this pipeline" diagnostics={own} />
        {elsewhere.length > 0 && (
          <p className="help">
            {elsewhere.length} error{elsewhere.length === 1 ? '' : 's'} in other files of {env} also block saving.
          </p>
        )}
      </section>
      <details className="mermaid">
        <summary>Mermaid</summary>
        {loaded.mermaid ? (
          <pre>{loaded.mermaid}</pre>
        ) : (
          <p className="help">`tritonops graph` draws the pipeline once it is saved and its environment validates.</p>
        )}
      </details>
    </div>
  );
}
