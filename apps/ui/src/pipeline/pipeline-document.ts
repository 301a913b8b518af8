/**
 * The editor's operations on a pipeline document, as pure functions: the canvas and the side
 * panel only call these, so that what is saved is exactly what a person would write. Steps keep
 * the order they were added in, a step's keys keep the spec's order (name, model, tritonModel,
 * local, inputs, timeoutSeconds), and nothing carries a default the spec already implies.
 */
import type { Datatype, PipelineDocument, PipelineStep, StepTarget, Tensor } from '../api/types.ts';

/** KServe v2 datatypes, as the schema lists them. */
export const DATATYPES: readonly Datatype[] = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BF16',
  'BYTES',
];

/** Source name of the pipeline's own inputs in a step's wiring (`input.AUDIO`). */
export const PIPELINE_INPUT = 'input';

/** A step's default timeout, as the schema sets it. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

type Spec = PipelineDocument['spec'];
type PipelineOutput = Spec['outputs'][number];

const withSpec = (doc: PipelineDocument, spec: Partial<Spec>): PipelineDocument => ({ ...doc, spec: { ...doc.spec, ...spec } });

export const tensorRef = (node: string, tensor: string) => `${node}.${tensor}`;

export function parseRef(ref: string): { node: string; tensor: string } {
  const dot = ref.indexOf('.');
  return { node: ref.slice(0, dot), tensor: ref.slice(dot + 1) };
}

/** How a target is named in the editor: `whisper`, `llama / preprocess` or `local postprocess`. */
export function targetLabel(target: StepTarget): string {
  if (target.kind === 'local') return `local ${target.name}`;
  return target.onlyTritonModel || !target.tritonModel ? target.name : `${target.name} / ${target.tritonModel}`;
}

export const targetKey = (target: StepTarget) => `${target.kind}:${target.name}:${target.tritonModel ?? ''}`;

/** What a step calls, typed: undefined when its model is unknown or declares no signature. */
export function targetOf(step: PipelineStep, targets: readonly StepTarget[]): StepTarget | undefined {
  if (step.local !== undefined) return targets.find((t) => t.kind === 'local' && t.name === step.local);
  const ofModel = targets.filter((t) => t.kind === 'model' && t.name === step.model);
  if (step.tritonModel !== undefined) return ofModel.find((t) => t.tritonModel === step.tritonModel);
  return ofModel.find((t) => t.onlyTritonModel);
}

/** A step name from a model's name: lower case, DNS-like, unique in the pipeline, `input` avoided. */
export function uniqueStepName(base: string, doc: PipelineDocument): string {
  const clean =
    base
      .toLowerCase()
      .replace(/[^-a-z0-9]+/g, '-')
      .replace(/^[^a-z]+/, '')
      .replace(/-+$/, '')
      .slice(0, 36) || 'step';
  const taken = new Set([PIPELINE_INPUT, ...doc.spec.steps.map((s) => s.name)]);
  if (!taken.has(clean)) return clean;
  for (let n = 2; ; n++) if (!taken.has(`${clean}-${n}`)) return `${clean}-${n}`;
}

/** A new step calling `target`, at the end: `tritonModel` only where the model has several. */
export function addStep(doc: PipelineDocument, target: StepTarget, name: string): PipelineDocument {
  const step: PipelineStep =
    target.kind === 'local'
      ? { name, local: target.name, inputs: {} }
      : { name, model: target.name, ...(target.onlyTritonModel || !target.tritonModel ? {} : { tritonModel: target.tritonModel }), inputs: {} };
  return withSpec(doc, { steps: [...doc.spec.steps, step] });
}

const readsFrom = (ref: string, step: string) => parseRef(ref).node === step;

/** Without the step, and without every wire that read from it (a pipeline output it fed goes too). */
export function removeStep(doc: PipelineDocument, name: string): PipelineDocument {
  return withSpec(doc, {
    steps: doc.spec.steps
      .filter((s) => s.name !== name)
      .map((s) => ({ ...s, inputs: Object.fromEntries(Object.entries(s.inputs).filter(([, ref]) => !readsFrom(ref, name))) })),
    outputs: doc.spec.outputs.filter((o) => !readsFrom(o.from, name)),
  });
}

/** The step renamed, and every wire that read from it with it. */
export function renameStep(doc: PipelineDocument, from: string, to: string): PipelineDocument {
  const rewire = (ref: string) => (readsFrom(ref, from) ? tensorRef(to, parseRef(ref).tensor) : ref);
  return withSpec(doc, {
    steps: doc.spec.steps.map((s) => ({
      ...s,
      ...(s.name === from ? { name: to } : {}),
      inputs: Object.fromEntries(Object.entries(s.inputs).map(([k, ref]) => [k, rewire(ref)])),
    })),
    outputs: doc.spec.outputs.map((o) => ({ ...o, from: rewire(o.from) })),
  });
}

/** `timeoutSeconds` set (last, after `inputs`), or removed for the default. */
export function setStepTimeout(doc: PipelineDocument, name: string, seconds: number | undefined): PipelineDocument {
  return withSpec(doc, {
    steps: doc.spec.steps.map((s) => {
      if (s.name !== name) return s;
      if (seconds === undefined) {
        const { timeoutSeconds: _dropped, ...rest } = s;
        return rest;
      }
      return { ...s, timeoutSeconds: seconds };
    }),
  });
}

/**
 * `step`'s input fed by `ref`: one input takes one wire, so a new wire replaces the old. A newly
 * fed input goes where the signature lists it, the order a person reads the model's inputs in.
 */
export function wireStepInput(doc: PipelineDocument, step: string, input: string, ref: string, signatureOrder: readonly string[] = []): PipelineDocument {
  return withSpec(doc, {
    steps: doc.spec.steps.map((s) => {
      if (s.name !== step) return s;
      if (input in s.inputs) return { ...s, inputs: { ...s.inputs, [input]: ref } };
      const entries = [...Object.entries(s.inputs), [input, ref] as [string, string]];
      const rank = (k: string) => (signatureOrder.includes(k) ? signatureOrder.indexOf(k) : signatureOrder.length);
      entries.sort((a, b) => rank(a[0]) - rank(b[0]));
      return { ...s, inputs: Object.fromEntries(entries) };
    }),
  });
}

export function unwireStepInput(doc: PipelineDocument, step: string, input: string): PipelineDocument {
  return withSpec(doc, {
    steps: doc.spec.steps.map((s) => (s.name === step ? { ...s, inputs: Object.fromEntries(Object.entries(s.inputs).filter(([k]) => k !== input)) } : s)),
  });
}

export function addPipelineInput(doc: PipelineDocument, tensor: Tensor): PipelineDocument {
  return withSpec(doc, { inputs: [...doc.spec.inputs, { name: tensor.name, datatype: tensor.datatype, shape: [...tensor.shape] }] });
}

/** Without the input, and without the wires that read it. */
export function removePipelineInput(doc: PipelineDocument, name: string): PipelineDocument {
  const ref = tensorRef(PIPELINE_INPUT, name);
  return withSpec(doc, {
    inputs: doc.spec.inputs.filter((t) => t.name !== name),
    steps: doc.spec.steps.map((s) => ({ ...s, inputs: Object.fromEntries(Object.entries(s.inputs).filter(([, r]) => r !== ref)) })),
  });
}

/** A tensor name not yet used by the pipeline's outputs: `TEXT`, else `TEXT_2`, … */
export function uniqueOutputName(base: string, doc: PipelineDocument): string {
  const taken = new Set(doc.spec.outputs.map((o) => o.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}

/** A pipeline output taken from a step output: named after it, its datatype and shape copied. */
export function addPipelineOutput(doc: PipelineDocument, from: string, produced: Tensor): PipelineDocument {
  const output: PipelineOutput = { name: uniqueOutputName(produced.name, doc), datatype: produced.datatype, shape: [...produced.shape], from };
  return withSpec(doc, { outputs: [...doc.spec.outputs, output] });
}

/** The output fed by another step output (its datatype and shape stay: the check compares them). */
export function setOutputSource(doc: PipelineDocument, name: string, from: string): PipelineDocument {
  return withSpec(doc, { outputs: doc.spec.outputs.map((o) => (o.name === name ? { ...o, from } : o)) });
}

export function renameOutput(doc: PipelineDocument, from: string, to: string): PipelineDocument {
  return withSpec(doc, { outputs: doc.spec.outputs.map((o) => (o.name === from ? { ...o, name: to } : o)) });
}

export function removePipelineOutput(doc: PipelineDocument, name: string): PipelineDocument {
  return withSpec(doc, { outputs: doc.spec.outputs.filter((o) => o.name !== name) });
}

/** `-1` or `-1, 3` as a shape; undefined when it is not a list of integers. */
export function parseShape(text: string): number[] | undefined {
  const parts = text
    .replace(/^\s*\[|\]\s*$/g, '')
    .split(',')
    .map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^-?\d+$/.test(p))) return undefined;
  const dims = parts.map(Number);
  return dims.every((d) => d === -1 || d >= 0) ? dims : undefined;
}

export const showShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
export const describeTensor = (t: Tensor) => `${t.name}  ${t.datatype} ${showShape(t.shape)}`;

/** Whether a tensor can feed another: same datatype, same rank, fixed dimensions equal (-1 fits any). */
export function fits(produced: Tensor, consumer: Pick<Tensor, 'datatype' | 'shape'>): boolean {
  return (
    produced.datatype === consumer.datatype &&
    produced.shape.length === consumer.shape.length &&
    produced.shape.every((d, i) => d === -1 || consumer.shape[i] === -1 || d === consumer.shape[i])
  );
}

/** What a wire can start from: the pipeline's inputs and every typed step output. */
export function producers(doc: PipelineDocument, targets: readonly StepTarget[]): { ref: string; node: string; tensor: Tensor }[] {
  return [
    ...doc.spec.inputs.map((t) => ({ ref: tensorRef(PIPELINE_INPUT, t.name), node: PIPELINE_INPUT, tensor: t })),
    ...doc.spec.steps.flatMap((s) => (targetOf(s, targets)?.outputs ?? []).map((t) => ({ ref: tensorRef(s.name, t.name), node: s.name, tensor: t }))),
  ];
}

/** The tensor a reference names (a pipeline input or a typed step output), if any. */
export function producedTensor(doc: PipelineDocument, targets: readonly StepTarget[], ref: string): Tensor | undefined {
  return producers(doc, targets).find((p) => p.ref === ref)?.tensor;
}
