/**
 * Triton's model configuration (config.pbtxt: the text format of Triton's `ModelConfig` message),
 * read into the subset tritonops uses: identity, batching, tensors, instance groups, decoupling.
 *
 * The field table below is our own declaration of the message (names, kinds, enum values); the
 * tests check it against Triton's model_config.proto. Like Triton, an unknown field is an error;
 * fields we do not use are still checked to be fields of ModelConfig, but their contents are only
 * parsed, not interpreted.
 */
import type { Datatype } from '@tritonops/spec';
import { didYouMean } from '../did-you-mean.ts';
import { integerValue, isDecimalLiteral, parseTextFormat, type TextField, type TextProblem, type TextValue } from './text-format.ts';

export interface ConfigTensor {
  readonly name: string;
  /** KServe datatype (TYPE_FP32 → FP32, TYPE_STRING → BYTES, TYPE_BF16 → BF16, …); undefined when the config's type has none. */
  readonly datatype: Datatype | undefined;
  /** The config's own spelling, e.g. TYPE_FP32 (for messages). */
  readonly configType: string;
  readonly dims: readonly number[];
  /** Where the tensor's message (`{` or `<`) starts. */
  readonly line: number;
  readonly column: number;
}

export interface InstanceGroup {
  readonly kind: string;
  readonly count: number;
  readonly gpus: readonly number[];
}

export interface TritonModelConfig {
  readonly name?: string;
  readonly platform?: string;
  readonly backend?: string;
  /** 0 when absent. */
  readonly maxBatchSize: number;
  readonly inputs: readonly ConfigTensor[];
  readonly outputs: readonly ConfigTensor[];
  /** kind defaults to KIND_AUTO, count to 1. */
  readonly instanceGroups: readonly InstanceGroup[];
  /** model_transaction_policy.decoupled */
  readonly decoupled: boolean;
  /** The file the backend loads instead of its default (the Python backend's model.py); absent when unset or empty. */
  readonly defaultModelFilename?: string;
}

export type ConfigRead = { ok: true; config: TritonModelConfig } | { ok: false; problems: TextProblem[] };

// ---------------------------------------------------------------------------------------------
// The declared shape of ModelConfig

export type FieldKind = 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'float' | 'double' | 'enum' | 'message';

export interface FieldDecl {
  readonly kind: FieldKind;
  readonly repeated?: true;
  /** Enum values, indexed by their number. */
  readonly values?: readonly string[];
  /** For a message we interpret: all its fields. Without it the message's contents are not checked. */
  readonly fields?: MessageDecl;
  /** The oneof the field belongs to (at most one member may be set). */
  readonly oneof?: string;
}

export interface MessageDecl {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldDecl>>;
}

/** Triton's DataType enum, by number. */
export const DATA_TYPES = [
  'TYPE_INVALID',
  'TYPE_BOOL',
  'TYPE_UINT8',
  'TYPE_UINT16',
  'TYPE_UINT32',
  'TYPE_UINT64',
  'TYPE_INT8',
  'TYPE_INT16',
  'TYPE_INT32',
  'TYPE_INT64',
  'TYPE_FP16',
  'TYPE_FP32',
  'TYPE_FP64',
  'TYPE_STRING',
  'TYPE_BF16',
] as const;

/** ModelInstanceGroup.Kind, by number. */
export const INSTANCE_KINDS = ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'] as const;

/** ModelInput.Format, by number. */
export const INPUT_FORMATS = ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'] as const;

const message: FieldDecl = { kind: 'message' };
const messages: FieldDecl = { kind: 'message', repeated: true };
const string: FieldDecl = { kind: 'string' };
const bool: FieldDecl = { kind: 'bool' };
const dataType: FieldDecl = { kind: 'enum', values: DATA_TYPES };
const dims: FieldDecl = { kind: 'int64', repeated: true };

export const MODEL_INPUT: MessageDecl = {
  name: 'ModelInput',
  fields: {
    name: string,
    data_type: dataType,
    format: { kind: 'enum', values: INPUT_FORMATS },
    dims,
    reshape: message,
    is_shape_tensor: bool,
    allow_ragged_batch: bool,
    optional: bool,
    is_non_linear_format_io: bool,
  },
};

export const MODEL_OUTPUT: MessageDecl = {
  name: 'ModelOutput',
  fields: {
    name: string,
    data_type: dataType,
    dims,
    reshape: message,
    label_filename: string,
    is_shape_tensor: bool,
    is_non_linear_format_io: bool,
  },
};

export const MODEL_INSTANCE_GROUP: MessageDecl = {
  name: 'ModelInstanceGroup',
  fields: {
    name: string,
    kind: { kind: 'enum', values: INSTANCE_KINDS },
    count: { kind: 'int32' },
    rate_limiter: message,
    gpus: { kind: 'int32', repeated: true },
    secondary_devices: messages,
    profile: { kind: 'string', repeated: true },
    passive: bool,
    host_policy: string,
  },
};

export const MODEL_TRANSACTION_POLICY: MessageDecl = { name: 'ModelTransactionPolicy', fields: { decoupled: bool } };

const scheduler = (): FieldDecl => ({ kind: 'message', oneof: 'scheduling_choice' });

/** Every field of ModelConfig; maps (`parameters`, …) are repeated key/value messages in text format. */
export const MODEL_CONFIG: MessageDecl = {
  name: 'ModelConfig',
  fields: {
    name: string,
    platform: string,
    backend: string,
    runtime: string,
    version_policy: message,
    max_batch_size: { kind: 'int32' },
    input: { kind: 'message', repeated: true, fields: MODEL_INPUT },
    output: { kind: 'message', repeated: true, fields: MODEL_OUTPUT },
    batch_input: messages,
    batch_output: messages,
    optimization: message,
    dynamic_batching: scheduler(),
    sequence_batching: scheduler(),
    ensemble_scheduling: scheduler(),
    instance_group: { kind: 'message', repeated: true, fields: MODEL_INSTANCE_GROUP },
    default_model_filename: string,
    cc_model_filenames: messages,
    metric_tags: messages,
    parameters: messages,
    model_warmup: messages,
    model_operations: message,
    model_transaction_policy: { kind: 'message', fields: MODEL_TRANSACTION_POLICY },
    model_repository_agents: message,
    response_cache: message,
    model_metrics: message,
  },
};

// ---------------------------------------------------------------------------------------------
// Reading

export function readModelConfig(text: string): ConfigRead {
  const parsed = parseTextFormat(text);
  if (!parsed.ok) return parsed;
  const problems: TextProblem[] = [];
  checkMessage(parsed.message, MODEL_CONFIG, problems);
  const config = decodeConfig(parsed.message, problems);
  return problems.length > 0 ? { ok: false, problems: sortProblems(problems) } : { ok: true, config };
}

/** The shape a client sends (what a spec's `signatures` declare): -1 batch dimension first when max_batch_size > 0. */
export function fullShape(tensor: ConfigTensor, maxBatchSize: number): number[] {
  return maxBatchSize > 0 ? [-1, ...tensor.dims] : [...tensor.dims];
}

const PLATFORM_BACKENDS: Readonly<Record<string, string>> = {
  tensorrt_plan: 'tensorrt',
  onnxruntime_onnx: 'onnxruntime',
  pytorch_libtorch: 'pytorch',
  tensorflow_savedmodel: 'tensorflow',
  tensorflow_graphdef: 'tensorflow',
  ensemble: 'ensemble',
};

/**
 * The backend that serves the model: `backend`, else the one its `platform` implies. Undefined
 * when neither is set: Triton then infers the backend from the model files (model.onnx, model.plan,
 * …), which only the repository's contents can tell.
 */
export function backendOf(config: TritonModelConfig): string | undefined {
  if (config.backend) return config.backend;
  return config.platform === undefined ? undefined : PLATFORM_BACKENDS[config.platform];
}

const KSERVE_TYPES: Readonly<Record<string, Datatype>> = {
  TYPE_BOOL: 'BOOL',
  TYPE_UINT8: 'UINT8',
  TYPE_UINT16: 'UINT16',
  TYPE_UINT32: 'UINT32',
  TYPE_UINT64: 'UINT64',
  TYPE_INT8: 'INT8',
  TYPE_INT16: 'INT16',
  TYPE_INT32: 'INT32',
  TYPE_INT64: 'INT64',
  TYPE_FP16: 'FP16',
  TYPE_FP32: 'FP32',
  TYPE_FP64: 'FP64',
  TYPE_STRING: 'BYTES',
  TYPE_BF16: 'BF16',
};

/** The KServe name of a config data type (TYPE_STRING is BYTES); undefined for TYPE_INVALID. */
export function kserveDatatype(configType: string): Datatype | undefined {
  return KSERVE_TYPES[configType];
}

function sortProblems(problems: TextProblem[]): TextProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}

// ---------------------------------------------------------------------------------------------
// Checking a parsed message against a declaration

const KIND_NAMES: Record<FieldKind, string> = {
  string: 'a string',
  bool: 'a boolean (true or false)',
  int32: 'an integer (int32)',
  int64: 'an integer (int64)',
  uint32: 'an unsigned integer (uint32)',
  uint64: 'an unsigned integer (uint64)',
  float: 'a number (float)',
  double: 'a number (double)',
  enum: 'an enum value',
  message: 'a message ({ ... })',
};

const RANGES: Partial<Record<FieldKind, [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

const BOOLS: Readonly<Record<string, boolean>> = { true: true, True: true, t: true, false: false, False: false, f: false };

/** Problems after which unknown names get no did-you-mean. */
const MAX_GUESSED = 100;

/** `path` names the enclosing field in messages (`instance_group.kind`), empty at the top. */
function checkMessage(fields: TextField[], decl: MessageDecl, problems: TextProblem[], path = ''): void {
  const seen = new Map<string, TextField>();
  const oneofs = new Map<string, TextField>();
  const names = Object.keys(decl.fields);
  for (const field of fields) {
    const at = { line: field.line, column: field.column };
    const fieldDecl = Object.hasOwn(decl.fields, field.name) ? decl.fields[field.name] : undefined;
    if (!fieldDecl) {
      if (seen.has(`unknown:${field.name}`)) continue; // one report per unknown name
      seen.set(`unknown:${field.name}`, field);
      // Only the first problems are shown: past those, a file of many unknown names costs no guessing.
      const guess = field.name.startsWith('[') || problems.length >= MAX_GUESSED ? undefined : didYouMean(field.name, names);
      const where = path ? ` (in ${path.slice(0, -1)})` : '';
      const shownName = field.name.length > 40 ? `${field.name.slice(0, 37)}...` : field.name;
      const what = field.name.startsWith('[') ? `${decl.name}${where} has no extensions or Any fields` : `${decl.name}${where} has no field "${shownName}"`;
      problems.push({
        ...at,
        message: `${what}; ${guess ? `did you mean "${guess}"?` : `its fields are ${fieldList(names, 200 - what.length - '; its fields are '.length)}`}`,
      });
      continue;
    }
    if (!fieldDecl.repeated) {
      const first = seen.get(field.name);
      if (field.list) problems.push({ ...at, message: `${path}${field.name} is not repeated, so it cannot take a [ ... ] list; give one value` });
      else if (first)
        problems.push({ ...at, message: `${path}${field.name} is given twice (first at ${first.line}:${first.column}); ${decl.name} has one ${field.name}` });
      if (!first) seen.set(field.name, field);
    }
    if (fieldDecl.oneof) {
      const other = oneofs.get(fieldDecl.oneof);
      if (other && other.name !== field.name) {
        problems.push({
          ...at,
          message: `${field.name} and ${other.name} (${other.line}:${other.column}) are both given, but they are alternatives (oneof ${fieldDecl.oneof}); keep one`,
        });
      }
      if (!other) oneofs.set(fieldDecl.oneof, field);
    }
    checkValue(field, `${path}${field.name}`, fieldDecl, problems);
  }
}

/** `names` joined, as many as fit in `room` characters, then how many more (messages are cut at 200). */
function fieldList(names: readonly string[], room: number): string {
  const shown: string[] = [];
  let length = 0;
  for (const [i, name] of names.entries()) {
    const rest = names.length - i - 1;
    const tail = rest > 0 ? ` and ${rest} more`.length : 0;
    if (length + name.length + 2 + tail > room) return `${shown.join(', ')} and ${names.length - shown.length} more`;
    shown.push(name);
    length += name.length + 2;
  }
  return shown.join(', ');
}

function checkValue(field: TextField, name: string, decl: FieldDecl, problems: TextProblem[]): void {
  const value = field.value;
  const at = { line: value.line, column: value.column };
  const wrong = () => problems.push({ ...at, message: `${name} takes ${KIND_NAMES[decl.kind]}, not ${describeValue(value)}${quotedHint(decl, value)}` });
  switch (decl.kind) {
    case 'message':
      if (value.kind !== 'message') return void wrong();
      if (decl.fields) checkMessage(value.fields, decl.fields, problems, `${name}.`);
      return;
    case 'string':
      if (value.kind !== 'string') wrong();
      return;
    case 'bool':
      if (value.kind === 'identifier' ? !(value.value in BOOLS) : value.kind !== 'number' || !/^(0[xX])?0*[01]$/.test(value.text)) wrong();
      return;
    case 'float':
    case 'double':
      if (value.kind === 'identifier' ? !/^-?(inf|infinity|nan)$/i.test(value.value) : value.kind !== 'number' || !isDecimalLiteral(value.text)) wrong();
      return;
    case 'enum': {
      const values = decl.values!;
      if (value.kind === 'identifier') {
        if (values.includes(value.value)) return;
        const guess = enumGuess(value.value, values);
        problems.push({ ...at, message: `${name} has no value ${value.value}; ${guess ? `did you mean ${guess}?` : `it is one of ${values.join(', ')}`}` });
        return;
      }
      if (value.kind !== 'number') return void wrong();
      const number = integerValue(value.text);
      if (number === undefined) return void wrong();
      if (number < 0n || number >= BigInt(values.length))
        problems.push({ ...at, message: `${name} has no value numbered ${value.text}; it is one of ${values.join(', ')}` });
      return;
    }
    default: {
      if (value.kind !== 'number') return void wrong();
      const integer = integerValue(value.text);
      if (integer === undefined) return void wrong();
      const [min, max] = RANGES[decl.kind]!;
      if (integer < min || integer > max || (decl.kind.startsWith('u') && value.text.startsWith('-'))) {
        problems.push({ ...at, message: `${name} is out of range for ${decl.kind} (${min} to ${max}): ${value.text}` });
      }
    }
  }
}

/** Other spellings of data types people write (KServe's, numpy's) → Triton's, for the hint. */
const DATA_TYPE_ALIASES: Readonly<Record<string, string>> = {
  FLOAT: 'TYPE_FP32',
  FLOAT32: 'TYPE_FP32',
  FLOAT16: 'TYPE_FP16',
  HALF: 'TYPE_FP16',
  DOUBLE: 'TYPE_FP64',
  FLOAT64: 'TYPE_FP64',
  BFLOAT16: 'TYPE_BF16',
  BYTES: 'TYPE_STRING',
  STR: 'TYPE_STRING',
  INT: 'TYPE_INT32',
};

function enumGuess(input: string, values: readonly string[]): string | undefined {
  if (values === DATA_TYPES) {
    const bare = input.toUpperCase().replace(/^TYPE_/, '');
    const alias = DATA_TYPE_ALIASES[bare] ?? (values.includes(`TYPE_${bare}`) ? `TYPE_${bare}` : undefined);
    if (alias) return alias;
  }
  // `GPU` for KIND_GPU: the value without its prefix.
  const suffixed = values.filter((v) => v.endsWith(`_${input.toUpperCase()}`));
  return suffixed.length === 1 ? suffixed[0] : didYouMean(input, [...values]);
}

function describeValue(value: TextValue): string {
  switch (value.kind) {
    case 'message':
      return 'a message';
    case 'string':
      return `the string ${JSON.stringify(value.value)}`;
    case 'number':
      return `the number ${value.text}`;
    case 'identifier':
      return value.value;
  }
}

/** `max_batch_size: "8"` is a number in quotes: say to drop them. */
function quotedHint(decl: FieldDecl, value: TextValue): string {
  if (value.kind !== 'string') return '';
  if (((decl.kind === 'enum' && decl.values!.includes(value.value)) || (decl.kind === 'bool' && value.value in BOOLS)) && value.value !== '')
    return `; write it without quotes: ${value.value}`;
  if (['int32', 'int64', 'uint32', 'uint64', 'float', 'double'].includes(decl.kind) && /^-?[0-9.]+$/.test(value.value))
    return `; write it without quotes: ${value.value}`;
  return '';
}

// ---------------------------------------------------------------------------------------------
// Decoding the checked tree into a TritonModelConfig (values of the wrong kind are skipped: they
// are reported already)

function decodeConfig(fields: TextField[], problems: TextProblem[]): TritonModelConfig {
  const name = stringOf(fields, 'name');
  const platform = stringOf(fields, 'platform');
  const backend = stringOf(fields, 'backend');
  const maxBatch = fieldsNamed(fields, 'max_batch_size')[0];
  const maxBatchSize = maxBatch ? numberOf(maxBatch.value) : 0;
  if (maxBatch && maxBatchSize < 0) {
    problems.push({ line: maxBatch.value.line, column: maxBatch.value.column, message: `max_batch_size must be 0 (no batching) or more, not ${maxBatchSize}` });
  }
  const policy = messageOf(fields, 'model_transaction_policy');
  const defaultModelFilename = stringOf(fields, 'default_model_filename');
  const inputs = tensors(fields, 'input', problems);
  const outputs = tensors(fields, 'output', problems);
  return {
    // proto3 strings: empty is the same as absent.
    ...(name ? { name } : {}),
    ...(platform ? { platform } : {}),
    ...(backend ? { backend } : {}),
    maxBatchSize,
    inputs,
    outputs,
    instanceGroups: fieldsNamed(fields, 'instance_group').flatMap((f) => (f.value.kind === 'message' ? [instanceGroup(f.value.fields, problems)] : [])),
    decoupled: policy ? boolOf(policy, 'decoupled') : false,
    ...(defaultModelFilename ? { defaultModelFilename } : {}),
  };
}

function tensors(fields: TextField[], fieldName: 'input' | 'output', problems: TextProblem[]): ConfigTensor[] {
  const found = tensorList(fields, fieldName, problems);
  // Triton names a request's tensors by name: it refuses a config where two inputs (or outputs) share one.
  const first = new Map<string, ConfigTensor>();
  for (const tensor of found) {
    const earlier = first.get(tensor.name);
    if (!earlier) first.set(tensor.name, tensor);
    else
      problems.push({
        line: tensor.line,
        column: tensor.column,
        message: `${fieldName} ${JSON.stringify(tensor.name.length > 40 ? `${tensor.name.slice(0, 37)}...` : tensor.name)} is declared twice (first at ${earlier.line}:${earlier.column}); each ${fieldName} needs its own name`,
      });
  }
  return found;
}

function tensorList(fields: TextField[], fieldName: 'input' | 'output', problems: TextProblem[]): ConfigTensor[] {
  return fieldsNamed(fields, fieldName).flatMap((field) => {
    const value = field.value;
    if (value.kind !== 'message') return [];
    const configType = enumOf(value.fields, 'data_type', DATA_TYPES);
    const dims = fieldsNamed(value.fields, 'dims').map((d) => {
      const dim = numberOf(d.value);
      if (dim < -1)
        problems.push({
          line: d.value.line,
          column: d.value.column,
          message: `${fieldName} dims: ${d.value.kind === 'number' ? d.value.text : dim} is not a dimension; use -1 for a variable one`,
        });
      else if (!Number.isSafeInteger(dim))
        problems.push({
          line: d.value.line,
          column: d.value.column,
          message: `${fieldName} dims: ${d.value.kind === 'number' ? d.value.text : dim} is too large`,
        });
      return dim;
    });
    return [{ name: stringOf(value.fields, 'name') ?? '', datatype: kserveDatatype(configType), configType, dims, line: value.line, column: value.column }];
  });
}

function instanceGroup(fields: TextField[], problems: TextProblem[]): InstanceGroup {
  const countField = fieldsNamed(fields, 'count')[0];
  const count = countField ? numberOf(countField.value) : 0;
  if (countField && count < 0)
    problems.push({ line: countField.value.line, column: countField.value.column, message: `instance_group count must be 1 or more, not ${count}` });
  const gpus = fieldsNamed(fields, 'gpus').map((g) => {
    const gpu = numberOf(g.value);
    if (gpu < 0) problems.push({ line: g.value.line, column: g.value.column, message: `instance_group gpus: ${gpu} is not a GPU; device ids are 0 or more` });
    return gpu;
  });
  // Triton reads an unset (0) count as 1 instance.
  return { kind: enumOf(fields, 'kind', INSTANCE_KINDS), count: count > 0 ? count : 1, gpus: gpus.filter((g) => g >= 0) };
}

function fieldsNamed(fields: TextField[], name: string): TextField[] {
  return fields.filter((f) => f.name === name);
}

function stringOf(fields: TextField[], name: string): string | undefined {
  const value = fieldsNamed(fields, name)[0]?.value;
  return value?.kind === 'string' ? value.value : undefined;
}

function numberOf(value: TextValue): number {
  return value.kind === 'number' ? value.value : 0;
}

function messageOf(fields: TextField[], name: string): TextField[] | undefined {
  const value = fieldsNamed(fields, name)[0]?.value;
  return value?.kind === 'message' ? value.fields : undefined;
}

function boolOf(fields: TextField[], name: string): boolean {
  const value = fieldsNamed(fields, name)[0]?.value;
  if (value?.kind === 'identifier') return BOOLS[value.value] ?? false;
  return value?.kind === 'number' ? value.value === 1 : false;
}

/** An enum field's value name (a number is looked up); the first value when absent. */
function enumOf(fields: TextField[], name: string, values: readonly string[]): string {
  const value = fieldsNamed(fields, name)[0]?.value;
  if (value?.kind === 'identifier') return value.value;
  if (value?.kind === 'number') return values[value.value] ?? values[0]!;
  return values[0]!;
}
