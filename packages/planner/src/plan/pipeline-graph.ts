/**
 * A pipeline resolved against its environment: every step bound to the Triton model it calls and
 * that model's signature, every input fed by a tensor of the right datatype and shape, the graph
 * acyclic and ordered. Problems come back as positioned diagnostics; a graph only when there are none.
 */
import { own } from '../values/records.ts';
import { compareStrings, type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import type { Loaded, LoadedEnvironment } from '../load/read-specs.ts';
import type { Model } from '@tritonops/spec';
import type { Pipeline } from '@tritonops/spec';
import type { Datatype, SignatureSpec, TensorSpec } from '@tritonops/spec';
import type { DataPath } from '../load/source-file.ts';
import { didYouMeanHint } from '../did-you-mean.ts';

/** Source name of the pipeline's own inputs in `inputs:` wiring (`input.AUDIO`). */
export const PIPELINE_INPUT = 'input';

/** A tensor with its signature: name, Triton datatype and shape. */
export interface TypedTensor {
  /** Tensor name, as the model's signature writes it. */
  readonly name: string;
  /** Triton datatype, e.g. `FP32`, `BYTES`. */
  readonly datatype: Datatype;
  /** Dimensions; -1 for a variable one. */
  readonly shape: readonly number[];
}

/** Where a tensor comes from: `<step>.<tensor>` in the spec's wiring. */
export interface TensorRef {
  /** `input` for the pipeline's inputs, else a step name. */
  readonly step: string;
  /** The tensor's name at that source. */
  readonly tensor: string;
}

/** One resolved step of a pipeline. */
export interface GraphStep {
  /** The step's name in the pipeline spec. */
  readonly name: string;
  /** The environment model it calls, or undefined for a step local to the pipeline server. */
  readonly model?: string;
  /** The Triton model the step runs (inside the called model's repository, or local). */
  readonly tritonModel: string;
  /** Seconds the step may take before its call fails. */
  readonly timeoutSeconds: number;
  /** The inputs it consumes, typed by the signature, with where each comes from. */
  readonly inputs: readonly (TypedTensor & { readonly source: TensorRef })[];
  /** The outputs later steps or the pipeline use, typed by the signature. */
  readonly outputs: readonly TypedTensor[];
}

/** A pipeline resolved against its environment (`resolvePipeline`). */
export interface PipelineGraph {
  /** The pipeline's name. */
  readonly name: string;
  /** The pipeline's own inputs, typed. */
  readonly inputs: readonly TypedTensor[];
  /** The pipeline's outputs, typed, with the step output each is taken from. */
  readonly outputs: readonly (TypedTensor & { readonly source: TensorRef })[];
  /** In an order where every step comes after the steps it reads from. */
  readonly steps: readonly GraphStep[];
}

export function parseTensorRef(text: string): TensorRef {
  const dot = text.indexOf('.');
  return { step: text.slice(0, dot), tensor: text.slice(dot + 1) };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === -1 || b[i] === -1 || d === b[i]);
const showShape = (s: readonly number[]) => `[${s.join(', ')}]`;

type PipelineSpec = Pipeline['spec'];
type PipelineStep = PipelineSpec['steps'][number];
type ReportError = ReturnType<typeof reporter>['error'];
/** What a step calls: an environment model's Triton model, or a local one of the pipeline server. */
type StepTarget = { model?: string; tritonModel: string };
/** A step bound to what it calls and the signature its tensors are checked against. */
type BoundStep = { signature: SignatureSpec; target: StepTarget };

/** What the checks after the name check share: the spec, its steps by name and their bindings. */
interface Resolution {
  readonly spec: PipelineSpec;
  readonly error: ReportError;
  readonly stepIndex: ReadonlyMap<string, number>;
  readonly signatures: ReadonlyMap<string, SignatureSpec>;
  readonly targets: ReadonlyMap<string, StepTarget>;
}

export function resolvePipeline(env: LoadedEnvironment, loaded: Loaded<Pipeline>): { graph?: PipelineGraph; diagnostics: Diagnostic[] } {
  const { file, value: pipeline } = loaded;
  const spec = pipeline.spec;
  const diagnostics: Diagnostic[] = [];
  const { error } = reporter(file, diagnostics);

  const stepIndex = checkStepNames(spec, error);
  checkTensorNames(spec.inputs, 'inputs', error);
  checkTensorNames(spec.outputs, 'outputs', error);
  // Everything below is keyed by step name: with clashing names it would only echo this error.
  if (diagnostics.length > 0) return { diagnostics };

  const { signatures, targets } = bindSteps(env, spec, error);
  const resolution: Resolution = { spec, error, stepIndex, signatures, targets };
  checkStepInputs(resolution);
  checkPipelineOutputs(resolution);
  const order = orderSteps(spec, stepIndex, error);
  if (diagnostics.length > 0 || !order) return { diagnostics };

  return { graph: buildGraph(pipeline, resolution, order), diagnostics };
}

/** Step names unique and `input` reserved; returns each step's index by name. */
function checkStepNames(spec: PipelineSpec, error: ReportError): Map<string, number> {
  const stepIndex = new Map<string, number>();
  spec.steps.forEach((step, i) => {
    if (step.name === PIPELINE_INPUT)
      error(['spec', 'steps', i, 'name'], 'reserved-step-name', `"${PIPELINE_INPUT}" is reserved for the pipeline's inputs`, 'rename the step');
    else if (stepIndex.has(step.name))
      error(['spec', 'steps', i, 'name'], 'duplicate-step', `step "${step.name}" is declared twice`, 'give each step a unique name');
    else stepIndex.set(step.name, i);
  });
  return stepIndex;
}

/** The pipeline's inputs (or outputs) unique by name. */
function checkTensorNames(list: readonly { name: string }[], key: 'inputs' | 'outputs', error: ReportError): void {
  list.forEach((t, i) => {
    if (list.findIndex((o) => o.name === t.name) !== i)
      error(['spec', key, i, 'name'], 'duplicate-tensor', `pipeline ${key.slice(0, -1)} "${t.name}" is declared twice`);
  });
}

/** Each step's signature and target; a step that cannot be bound is reported and left out. */
function bindSteps(env: LoadedEnvironment, spec: PipelineSpec, error: ReportError) {
  const models = new Map(env.models.map((m) => [m.value.metadata.name, m] as const));
  const signatures = new Map<string, SignatureSpec>();
  const targets = new Map<string, StepTarget>();
  spec.steps.forEach((step, i) => {
    const bound = bindStep(env, models, spec, step, ['spec', 'steps', i], error);
    if (!bound) return;
    signatures.set(step.name, bound.signature);
    targets.set(step.name, bound.target);
  });
  return { signatures, targets };
}

/** A step's signature: a model of the environment, or a local model of the pipeline. */
function bindStep(
  env: LoadedEnvironment,
  models: ReadonlyMap<string, Loaded<Model>>,
  spec: PipelineSpec,
  step: PipelineStep,
  at: DataPath,
  error: ReportError,
): BoundStep | undefined {
  if ((step.model === undefined) === (step.local === undefined)) {
    error(at, 'step-target', `step "${step.name}" needs exactly one of \`model\` (a model of the environment) or \`local\` (a model of the pipeline server)`);
    return undefined;
  }
  return step.local !== undefined ? bindLocalStep(spec, step, step.local, at, error) : bindModelStep(env, models, step, step.model!, at, error);
}

/** A `local` step: a model of the pipeline server, signed in the pipeline's own `signatures`. */
function bindLocalStep(spec: PipelineSpec, step: PipelineStep, local: string, at: DataPath, error: ReportError): BoundStep | undefined {
  if (step.tritonModel !== undefined)
    error([...at, 'tritonModel'], 'local-triton-model', '`tritonModel` goes with `model`; a `local` step names its Triton model in `local`', undefined, 'key');
  if (!spec.localRepository)
    error(
      [...at, 'local'],
      'local-without-repository',
      `step "${step.name}" runs a local model, but the pipeline has no \`localRepository\``,
      'add `localRepository: s3://bucket/path` with the local models',
      'key',
    );
  const signature = own(spec.signatures, local);
  if (!signature) {
    error(
      [...at, 'local'],
      'missing-signature',
      `the pipeline declares no signature for its local model "${local}"`,
      `add \`signatures: { ${local}: { inputs: [...], outputs: [...] } }\` to the pipeline`,
    );
    return undefined;
  }
  return { signature, target: { tritonModel: local } };
}

/** A `model` step: a Triton model of an environment model, signed in that model's spec. */
function bindModelStep(
  env: LoadedEnvironment,
  models: ReadonlyMap<string, Loaded<Model>>,
  step: PipelineStep,
  modelName: string,
  at: DataPath,
  error: ReportError,
): BoundStep | undefined {
  const model = models.get(modelName);
  if (!model) {
    error(
      [...at, 'model'],
      'unknown-model',
      `step "${step.name}" calls model "${modelName}", which environment "${env.name}" does not have`,
      didYouMeanHint(modelName, [...models.keys()], `models of ${env.name}: ${[...models.keys()].sort(compareStrings).join(', ') || '(none)'}`),
    );
    return undefined;
  }
  const tritonModel = step.tritonModel ?? defaultTritonModel(model);
  if (tritonModel === undefined) {
    error(
      at,
      'ambiguous-triton-model',
      `step "${step.name}" must say which Triton model of "${modelName}" it calls`,
      `add \`tritonModel:\`${model.value.spec.models ? ` (one of ${model.value.spec.models.join(', ')})` : ''}`,
      'key',
    );
    return undefined;
  }
  const loaded = model.value.spec.models;
  if (step.tritonModel !== undefined && loaded && !loaded.includes(step.tritonModel)) {
    error(
      [...at, 'tritonModel'],
      'unknown-triton-model',
      `model "${modelName}" does not load Triton model "${step.tritonModel}"`,
      didYouMeanHint(step.tritonModel, [...loaded], `it loads ${loaded.join(', ')}`),
    );
    return undefined;
  }
  const signature = own(model.value.spec.signatures, tritonModel);
  if (!signature) {
    error(
      [...at, 'model'],
      'missing-signature',
      `model "${modelName}" declares no signature for Triton model "${tritonModel}", so the tensors of step "${step.name}" cannot be checked`,
      `add \`signatures: { ${tritonModel}: { inputs: [...], outputs: [...] } }\` to ${model.file.path}`,
    );
    return undefined;
  }
  return { signature, target: { model: modelName, tritonModel } };
}

/** The tensor a reference names: a pipeline input or a bound step's output. */
function producedTensor(r: Resolution, ref: TensorRef): TensorSpec | undefined {
  return ref.step === PIPELINE_INPUT
    ? r.spec.inputs.find((t) => t.name === ref.tensor)
    : r.signatures.get(ref.step)?.outputs.find((t) => t.name === ref.tensor);
}

/** Wiring: `source` names a tensor that exists, with the consumer's datatype and shape. */
function checkSource(r: Resolution, path: DataPath, source: string, consumer: TensorSpec, what: string): boolean {
  const { spec, error, stepIndex, signatures } = r;
  const ref = parseTensorRef(source);
  if (ref.step !== PIPELINE_INPUT && !stepIndex.has(ref.step)) {
    error(
      path,
      'unknown-step',
      `${what} reads from "${source}", but the pipeline has no step "${ref.step}"`,
      didYouMeanHint(
        ref.step,
        [PIPELINE_INPUT, ...stepIndex.keys()],
        `write \`${PIPELINE_INPUT}.<NAME>\` for a pipeline input or \`<step>.<NAME>\` for a step output`,
        (step) => `${step}.${ref.tensor}`,
      ),
    );
    return false;
  }
  if (ref.step !== PIPELINE_INPUT && !signatures.has(ref.step)) return false; // its own error is reported
  const produced = producedTensor(r, ref);
  if (!produced) {
    const names = ref.step === PIPELINE_INPUT ? spec.inputs.map((t) => t.name) : (signatures.get(ref.step)?.outputs ?? []).map((t) => t.name);
    error(
      path,
      'unknown-tensor',
      `${what} reads from "${source}", but ${ref.step === PIPELINE_INPUT ? 'the pipeline has no input' : `step "${ref.step}" has no output`} "${ref.tensor}"`,
      didYouMeanHint(ref.tensor, names, `${ref.step === PIPELINE_INPUT ? 'inputs' : 'outputs'}: ${names.join(', ')}`, (tensor) => `${ref.step}.${tensor}`),
    );
    return false;
  }
  if (produced.datatype !== consumer.datatype) {
    error(
      path,
      'dtype-mismatch',
      `${what} is ${consumer.datatype}, but "${source}" is ${produced.datatype}`,
      'convert in a pre- or post-processing step, or fix the signature',
    );
    return false;
  }
  if (!sameShape(produced.shape, consumer.shape)) {
    error(
      path,
      'shape-mismatch',
      `${what} has shape ${showShape(consumer.shape)}, but "${source}" has shape ${showShape(produced.shape)}`,
      'reshape in a pre- or post-processing step, or fix the signature',
    );
    return false;
  }
  return true;
}

/** Every input of each bound step's signature fed, and only those, by a matching tensor. */
function checkStepInputs(r: Resolution): void {
  const { spec, error, signatures, targets } = r;
  spec.steps.forEach((step, i) => {
    const signature = signatures.get(step.name);
    if (!signature) return;
    const at = ['spec', 'steps', i, 'inputs'];
    for (const [name, source] of Object.entries(step.inputs)) {
      const consumer = signature.inputs.find((t) => t.name === name);
      if (!consumer) {
        error(
          [...at, name],
          'unknown-input',
          `step "${step.name}" feeds "${name}", which ${describeTarget(targets.get(step.name))} does not take`,
          didYouMeanHint(
            name,
            signature.inputs.map((t) => t.name),
            `its inputs: ${signature.inputs.map((t) => t.name).join(', ')}`,
          ),
          'key',
        );
        continue;
      }
      checkSource(r, [...at, name], source, consumer, `input "${name}" of step "${step.name}"`);
    }
    const unfed = signature.inputs.filter((t) => !(t.name in step.inputs));
    if (unfed.length > 0) {
      error(
        at,
        'unfed-input',
        `step "${step.name}" leaves ${unfed.map((t) => `"${t.name}"`).join(', ')} of ${describeTarget(targets.get(step.name))} unfed`,
        `feed ${unfed.length === 1 ? 'it' : 'them'}: ${unfed.map((t) => `\`${t.name}: input.<NAME>\``).join(', ')}`,
        'key',
      );
    }
  });
}

/** Each pipeline output taken from a distinct step output of a matching tensor. */
function checkPipelineOutputs(r: Resolution): void {
  const { spec, error } = r;
  spec.outputs.forEach((output, i) => {
    const ref = parseTensorRef(output.from);
    const first = spec.outputs.findIndex((o) => o.from === output.from);
    if (first !== i) {
      error(
        ['spec', 'outputs', i, 'from'],
        'duplicate-output-source',
        `pipeline outputs "${spec.outputs[first]!.name}" and "${output.name}" are the same tensor "${output.from}"`,
        'declare it once',
      );
      return;
    }
    if (ref.step === PIPELINE_INPUT) {
      error(['spec', 'outputs', i, 'from'], 'output-from-input', `pipeline output "${output.name}" must come from a step, not from the pipeline's input`);
      return;
    }
    checkSource(r, ['spec', 'outputs', i, 'from'], output.from, output, `pipeline output "${output.name}"`);
  });
}

/** The steps in data order; the graph must be acyclic, so a cycle is reported where it closes. */
function orderSteps(spec: PipelineSpec, stepIndex: ReadonlyMap<string, number>, error: ReportError): string[] | undefined {
  const order = topologicalOrder(
    spec.steps.map((s) => ({
      name: s.name,
      reads: Object.values(s.inputs)
        .map((src) => parseTensorRef(src).step)
        .filter((n) => stepIndex.has(n)),
    })),
  );
  if (!('cycle' in order)) return order.order;
  const closing = spec.steps[stepIndex.get(order.cycle[0]!)!]!;
  const input = Object.entries(closing.inputs).find(([, src]) => parseTensorRef(src).step === order.cycle[1]);
  error(
    ['spec', 'steps', stepIndex.get(order.cycle[0]!)!, 'inputs', ...(input ? [input[0]] : [])],
    'cycle',
    `the steps form a cycle: ${order.cycle.join(' → ')} (each reads from the next)`,
    'a step may only read from steps that do not read from it, directly or not',
  );
  return undefined;
}

/** The outputs of each step that a later step or the pipeline reads. */
function consumedOutputs(spec: PipelineSpec): Map<string, Set<string>> {
  const consumed = new Map<string, Set<string>>();
  const consume = (ref: TensorRef) =>
    ref.step !== PIPELINE_INPUT && (consumed.get(ref.step) ?? consumed.set(ref.step, new Set()).get(ref.step)!).add(ref.tensor);
  for (const step of spec.steps) for (const src of Object.values(step.inputs)) consume(parseTensorRef(src));
  for (const output of spec.outputs) consume(parseTensorRef(output.from));
  return consumed;
}

/** Resolved graph: consumed outputs of each step, in data order. */
function buildGraph(pipeline: Pipeline, r: Resolution, order: readonly string[]): PipelineGraph {
  const { spec, stepIndex, signatures, targets } = r;
  const consumed = consumedOutputs(spec);
  const steps = order.map((name): GraphStep => {
    const step = spec.steps[stepIndex.get(name)!]!;
    const signature = signatures.get(name)!;
    const target = targets.get(name)!;
    return {
      name,
      ...(target.model ? { model: target.model } : {}),
      tritonModel: target.tritonModel,
      timeoutSeconds: step.timeoutSeconds,
      inputs: signature.inputs.map((t) => ({ ...t, source: parseTensorRef(own(step.inputs, t.name)!) })),
      outputs: signature.outputs.filter((t) => consumed.get(name)?.has(t.name)),
    };
  });
  return {
    name: pipeline.metadata.name,
    inputs: spec.inputs,
    outputs: spec.outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape, source: parseTensorRef(o.from) })),
    steps,
  };
}

function defaultTritonModel(model: Loaded<Model>): string | undefined {
  const listed = model.value.spec.models;
  if (listed?.length === 1) return listed[0];
  const signed = Object.keys(model.value.spec.signatures ?? {});
  return !listed && signed.length === 1 ? signed[0] : undefined;
}

function describeTarget(target: StepTarget | undefined): string {
  if (!target) return 'its model';
  return target.model ? `${target.model}/${target.tritonModel}` : `local model ${target.tritonModel}`;
}

/** Steps ordered so that each follows those it reads from (stable: spec order among equals), or a cycle. */
export function topologicalOrder(steps: readonly { name: string; reads: readonly string[] }[]): { order: string[] } | { cycle: string[] } {
  const byName = new Map(steps.map((s) => [s.name, s] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const stack: string[] = [];
  let cycle: string[] | undefined;
  const visit = (name: string): void => {
    if (cycle) return;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      cycle = [...stack.slice(stack.indexOf(name)), name].reverse();
      return;
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of byName.get(name)?.reads ?? []) visit(dep);
    stack.pop();
    state.set(name, 'done');
    order.push(name);
  };
  for (const s of steps) visit(s.name);
  return cycle ? { cycle } : { order };
}
