/**
 * Triton model configurations (`config.pbtxt`, protobuf text format of Triton's ModelConfig) for a
 * pipeline server: the ensemble that wires the steps, and one Python-backend "remote step" model
 * per step that runs on another Triton server. Written as text with fixed formatting, so the same
 * graph always gives the same bytes; the tests parse it back with protobuf's own text-format reader
 * against Triton's model_config.proto.
 */
import { own, type GraphStep, type PipelinePlan, type TensorRef, type TypedTensor } from '@tritonops/planner';

/** Triton's config spells KServe v2 datatypes with a TYPE_ prefix, and BYTES as STRING. */
export function configDataType(datatype: string): string {
  return `TYPE_${datatype === 'BYTES' ? 'STRING' : datatype}`;
}

/** Name of a remote step's model inside the pipeline server. */
export function remoteStepModel(step: string): string {
  return `remote-${step}`;
}

/** Name of a step's tensor inside the ensemble (pipeline outputs keep their own names). */
function ensembleTensor(plan: PipelinePlan, ref: TensorRef): string {
  if (ref.step === 'input') return ref.tensor;
  const output = plan.graph.outputs.find((o) => o.source.step === ref.step && o.source.tensor === ref.tensor);
  return output ? output.name : `${ref.step}.${ref.tensor}`;
}

const quote = (s: string) => JSON.stringify(s);

class Writer {
  private readonly lines: string[] = [];
  private depth = 0;

  line(text: string): this {
    this.lines.push(`${'  '.repeat(this.depth)}${text}`);
    return this;
  }

  block(open: string, body: () => void, close = '}'): this {
    this.line(open);
    this.depth++;
    body();
    this.depth--;
    return this.line(close);
  }

  /** A repeated message field as `name [ {...}, {...} ]`. */
  list<T>(name: string, items: readonly T[], item: (t: T) => void): this {
    if (items.length === 0) return this;
    return this.block(
      `${name} [`,
      () => {
        items.forEach((t, i) => this.block('{', () => item(t), i === items.length - 1 ? '}' : '},'));
      },
      ']',
    );
  }

  tensors(name: 'input' | 'output', tensors: readonly TypedTensor[]): this {
    return this.list(name, tensors, (t) => {
      this.line(`name: ${quote(t.name)}`);
      this.line(`data_type: ${configDataType(t.datatype)}`);
      this.line(`dims: [ ${t.shape.join(', ')} ]`);
    });
  }

  map(field: string, key: string, value: string): this {
    return this.block(`${field} {`, () => {
      this.line(`key: ${quote(key)}`);
      this.line(`value: ${quote(value)}`);
    });
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** The ensemble: the pipeline's inputs and outputs, and each step's input_map / output_map. */
export function ensembleConfig(plan: PipelinePlan): string {
  const w = new Writer();
  w.line(`name: ${quote(plan.graph.name)}`);
  w.line('platform: "ensemble"');
  // No implicit batch dimension: shapes are the full shapes declared in the specs.
  w.line('max_batch_size: 0');
  w.tensors('input', plan.graph.inputs);
  w.tensors('output', plan.graph.outputs);
  w.block('ensemble_scheduling {', () => {
    w.list('step', plan.graph.steps, (step) => {
      w.line(`model_name: ${quote(step.model ? remoteStepModel(step.name) : step.tritonModel)}`);
      w.line('model_version: -1');
      for (const input of step.inputs) w.map('input_map', input.name, ensembleTensor(plan, input.source));
      for (const output of step.outputs) w.map('output_map', output.name, ensembleTensor(plan, { step: step.name, tensor: output.name }));
    });
  });
  return w.toString();
}

/** A remote step: the Python model (python/remote_step.py) configured to call the step's model. */
export function remoteStepConfig(plan: PipelinePlan, step: GraphStep): string {
  const endpoint = own(plan.endpoints, step.name);
  if (!step.model || !endpoint) throw new Error(`step ${step.name} of ${plan.graph.name} is not a remote step`);
  const w = new Writer();
  w.line(`name: ${quote(remoteStepModel(step.name))}`);
  w.line('backend: "python"');
  w.line('max_batch_size: 0');
  w.tensors('input', step.inputs);
  w.tensors('output', step.outputs);
  // Several instances so that one replica has several requests in flight to the step's model.
  w.list('instance_group', [plan.concurrency], (count) => {
    w.line(`count: ${count}`);
    w.line('kind: KIND_CPU');
  });
  const parameters: [string, string][] = [
    ['endpoint', endpoint],
    ['model', step.tritonModel],
    ['pipeline', plan.graph.name],
    ['step', step.name],
    ['timeout_seconds', String(step.timeoutSeconds)],
  ];
  for (const [key, value] of parameters) {
    w.block('parameters {', () => {
      w.line(`key: ${quote(key)}`);
      w.block('value {', () => w.line(`string_value: ${quote(value)}`));
    });
  }
  return w.toString();
}
