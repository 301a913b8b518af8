/**
 * A spec's `signatures` entry against the model's own `config.pbtxt`: the same tensors, each with
 * the same KServe datatype (`TYPE_FP32` is `FP32`, `TYPE_STRING` is `BYTES`) and the same shape as
 * clients send it, i.e. with the batch dimension (-1) first when `max_batch_size` is above 0.
 */
import type { SignatureSpec, TensorSpec } from '@tritonops/spec';
import { parse } from 'yaml';
import { didYouMean, didYouMeanHint } from '../did-you-mean.ts';
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
 * `configUri`. A config that declares no tensors at all (its backend supplies them when Triton
 * loads it) is not compared: there is nothing to compare with. A tensor of the spec that is not
 * the config's but is close to one the signature lacks is one rename, reported once.
 */
export function compareSignature(signature: SignatureSpec, config: TritonModelConfig, configUri: string, path: DataPath): SignatureMismatch[] {
  if (config.inputs.length === 0 && config.outputs.length === 0) return [];
  const out: SignatureMismatch[] = [];
  for (const kind of ['inputs', 'outputs'] as const) {
    const word = kind === 'inputs' ? 'input' : 'output';
    const declared = config[kind];
    const byName = new Map(declared.map((t) => [t.name, t] as const));
    const shownNames = declared.map((t) => t.name).filter((n) => TENSOR_NAME.test(n));
    const listed = new Set(signature[kind].map((t) => t.name));
    const unlisted = declared.filter((t) => !listed.has(t.name));
    // A spec tensor the config lacks, paired with the unlisted config tensor it most likely renames.
    const renamed = new Map<string, ConfigTensor>();
    let unpaired = unlisted.map((t) => t.name).filter((n) => TENSOR_NAME.test(n));
    for (const tensor of signature[kind]) {
      if (byName.has(tensor.name)) continue;
      const guess = didYouMean(tensor.name, unpaired);
      if (!guess) continue;
      renamed.set(tensor.name, byName.get(guess)!);
      unpaired = unpaired.filter((n) => n !== guess);
    }
    signature[kind].forEach((tensor: TensorSpec, i: number) => {
      const at = [...path, kind, i] as const;
      const found = byName.get(tensor.name);
      if (!found) {
        const meant = renamed.get(tensor.name);
        if (meant) {
          out.push({
            path: [...at, 'name'],
            at: 'value',
            message: `${word} ${tensor.name} is not an ${word} of ${configUri}, which has ${word} ${meant.name} the signature lacks`,
            hint: `did you mean "${meant.name}"?${tensorText(meant, config.maxBatchSize) ? ` the config declares ${tensorText(meant, config.maxBatchSize)}` : ''}`,
          });
          return;
        }
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
    const paired = new Set([...renamed.values()]);
    for (const tensor of unlisted) {
      if (paired.has(tensor)) continue;
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
  return `{ name: ${yamlString(tensor.name)}, datatype: ${tensor.datatype}, shape: ${shapeText(shape)} }`;
}

/** What a plain scalar may hold here; other text is always quoted. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * A name (of the patterns tensors and Triton models have) as a YAML scalar that reads back as the
 * same string: plain when both YAML 1.2 and 1.1 read it so, else double-quoted (`"null"`, `"1e3"`,
 * `"yes"`, `"0x1F"`).
 */
export function yamlString(name: string): string {
  const same = (version: '1.1' | '1.2') => {
    try {
      return parse(name, { version }) === name;
    } catch {
      return false;
    }
  };
  return PLAIN_NAME.test(name) && same('1.2') && same('1.1') ? name : JSON.stringify(name);
}
