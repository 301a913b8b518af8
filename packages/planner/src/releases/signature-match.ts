/**
 * A spec's `signatures` entry against the model's own `config.pbtxt`: the same tensors, each with
 * the same KServe datatype (`TYPE_FP32` is `FP32`, `TYPE_STRING` is `BYTES`) and the same shape as
 * clients send it, i.e. with the batch dimension (-1) first when `max_batch_size` is above 0.
 */
import type { SignatureSpec, TensorSpec } from '@tritonops/spec';
import { didYouMeanHint } from '../did-you-mean.ts';
import type { DataPath } from '../load/source-file.ts';
import { fullShape, type ConfigTensor, type TritonModelConfig } from '../triton/model-config.ts';

export interface SignatureMismatch {
  readonly path: DataPath;
  readonly at: 'key' | 'value';
  readonly message: string;
  readonly hint?: string;
}

/** The schema's tensor names (packages/spec, `TENSOR_NAME_PATTERN`), with its length limit: what a signature can hold. */
const TENSOR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const CONFIG_TYPE = /^TYPE_[A-Z0-9_]{1,16}$/;

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Every disagreement between `signature` (at `path` in the spec) and `config`, read from
 * `configUri`. A config that declares no tensors at all (Triton completes those from the model
 * file) is not compared: there is nothing to compare with.
 */
export function compareSignature(signature: SignatureSpec, config: TritonModelConfig, configUri: string, path: DataPath): SignatureMismatch[] {
  if (config.inputs.length === 0 && config.outputs.length === 0) return [];
  const out: SignatureMismatch[] = [];
  for (const kind of ['inputs', 'outputs'] as const) {
    const word = kind === 'inputs' ? 'input' : 'output';
    const declared = config[kind];
    const byName = new Map(declared.map((t) => [t.name, t] as const));
    const shownNames = declared.map((t) => t.name).filter((n) => TENSOR_NAME.test(n));
    signature[kind].forEach((tensor: TensorSpec, i: number) => {
      const at = [...path, kind, i] as const;
      const found = byName.get(tensor.name);
      if (!found) {
        out.push({
          path: [...at, 'name'],
          at: 'value',
          message: `${word} ${tensor.name} is not an ${word} of ${configUri}`,
          hint: didYouMeanHint(
            tensor.name,
            shownNames,
            shownNames.length ? `its ${kind}: ${shownNames.join(', ')}` : `remove it: the config declares no ${kind}`,
          ),
        });
        return;
      }
      if (found.datatype !== tensor.datatype) {
        const theirs = found.datatype ?? (CONFIG_TYPE.test(found.configType) ? `${found.configType} (no KServe datatype)` : 'an unknown type');
        out.push({
          path: [...at, 'datatype'],
          at: 'value',
          message: `${word} ${tensor.name}: datatype ${tensor.datatype} in the spec, ${theirs} in ${configUri}`,
          ...(found.datatype ? { hint: `write datatype: ${found.datatype}, or fix the model's config` } : {}),
        });
      }
      const expected = fullShape(found, config.maxBatchSize);
      if (shapeText(expected) !== shapeText(tensor.shape)) {
        const batch = config.maxBatchSize > 0 ? ` (its max_batch_size ${config.maxBatchSize} adds the batch dimension -1 first)` : '';
        out.push({
          path: [...at, 'shape'],
          at: 'value',
          message: `${word} ${tensor.name}: shape ${shapeText(tensor.shape)} in the spec, ${shapeText(expected)} in ${configUri}${batch}`,
          hint: `write shape: ${shapeText(expected)}`,
        });
      }
    });
    const listed = new Set(signature[kind].map((t) => t.name));
    const unlisted = declared.filter((t) => !listed.has(t.name));
    for (const tensor of unlisted) {
      const text = tensorText(tensor, config.maxBatchSize);
      out.push({
        path: [...path, kind],
        at: 'key',
        message: `${word} ${TENSOR_NAME.test(tensor.name) ? tensor.name : '(a tensor whose name a signature cannot hold)'} of ${configUri} is missing from the signature`,
        ...(text ? { hint: `add ${text} to ${kind}` } : {}),
      });
    }
  }
  return out;
}

/**
 * A tensor of the config as a signature writes it, `{ name: X, datatype: FP32, shape: [-1, 3] }`;
 * undefined when a signature cannot hold it (a name outside the pattern, a type KServe lacks).
 */
export function tensorText(tensor: ConfigTensor, maxBatchSize: number): string | undefined {
  if (!tensor.datatype || !TENSOR_NAME.test(tensor.name)) return undefined;
  const shape = fullShape(tensor, maxBatchSize);
  if (shape.length < 1 || shape.length > 8 || shape.some((d) => !Number.isInteger(d) || d < -1)) return undefined;
  return `{ name: ${tensor.name}, datatype: ${tensor.datatype}, shape: ${shapeText(shape)} }`;
}
