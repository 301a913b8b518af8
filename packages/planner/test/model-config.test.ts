/**
 * Triton's config.pbtxt read into the typed subset tritonops uses, and the problems it reports.
 * (test/model-config-proto.test.ts checks the same corpus and the field table against Triton's
 * real model_config.proto.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendOf, fullShape, readModelConfig, type TritonModelConfig } from '../src/triton/model-config.ts';

const CORPUS = join(import.meta.dirname, '../../../test/fixtures/model-configs');

function config(text: string): TritonModelConfig {
  const result = readModelConfig(text);
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.config;
}

function corpus(file: string): TritonModelConfig {
  return config(readFileSync(join(CORPUS, file), 'utf8'));
}

function problems(text: string): string[] {
  const result = readModelConfig(text);
  if (result.ok) throw new Error(`expected problems in ${JSON.stringify(text)}`);
  return result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

describe('readModelConfig on the corpus', () => {
  it('an onnxruntime model with batching, dynamic batching and an optimization block', () => {
    const c = corpus('onnx-densenet.pbtxt');
    expect(c).toMatchObject({ name: 'densenet_onnx', platform: 'onnxruntime_onnx', maxBatchSize: 8, decoupled: false });
    expect(c.inputs).toEqual([{ name: 'data_0', datatype: 'FP32', configType: 'TYPE_FP32', dims: [3, 224, 224], line: 5, column: 3 }]);
    expect(c.outputs.map((o) => [o.name, o.datatype, o.dims])).toEqual([['fc6_1', 'FP32', [1000]]]);
    expect(c.instanceGroups).toEqual([{ kind: 'KIND_GPU', count: 1, gpus: [] }]);
    expect(backendOf(c)).toBe('onnxruntime');
    expect(fullShape(c.inputs[0]!, c.maxBatchSize)).toEqual([-1, 3, 224, 224]);
  });

  it('a python backend model: TYPE_STRING is BYTES, no batch dimension', () => {
    const c = corpus('python-preprocess.pbtxt');
    expect(c).toMatchObject({ name: 'preprocess', backend: 'python', maxBatchSize: 0 });
    expect(c.platform).toBeUndefined();
    expect(c.inputs[0]).toMatchObject({ name: 'IMAGE_BYTES', datatype: 'BYTES', configType: 'TYPE_STRING' });
    expect(fullShape(c.inputs[0]!, c.maxBatchSize)).toEqual([1]);
    expect(c.instanceGroups).toEqual([{ kind: 'KIND_CPU', count: 4, gpus: [] }]);
    expect(backendOf(c)).toBe('python');
  });

  it('a TensorRT plan on two GPUs', () => {
    const c = corpus('tensorrt-plan.pbtxt');
    expect(c.instanceGroups).toEqual([{ kind: 'KIND_GPU', count: 2, gpus: [0, 1] }]);
    expect(c.inputs[0]).toMatchObject({ datatype: 'FP16', dims: [3, 224, 224] });
    expect(backendOf(c)).toBe('tensorrt');
  });

  it('a decoupled vLLM model without name or tensors', () => {
    const c = corpus('vllm-llama.pbtxt');
    expect(c).toEqual({
      backend: 'vllm',
      maxBatchSize: 0,
      inputs: [],
      outputs: [],
      instanceGroups: [{ kind: 'KIND_MODEL', count: 1, gpus: [] }],
      decoupled: true,
    });
    expect(backendOf(c)).toBe('vllm');
  });

  it('an ensemble: its scheduling is parsed, not interpreted', () => {
    const c = corpus('ensemble-pipeline.pbtxt');
    expect(c.outputs.map((o) => `${o.name}:${o.datatype}:${o.dims.join('x')}`)).toEqual(['LABELS:BYTES:-1', 'SCORES:FP32:-1']);
    expect(backendOf(c)).toBe('ensemble');
  });

  it('a PyTorch model with reshape: the shape clients send is dims, not the reshape', () => {
    const c = corpus('pytorch-reshape.pbtxt');
    expect(c.inputs.map((i) => [i.name, i.datatype, fullShape(i, c.maxBatchSize)])).toEqual([
      ['INPUT__0', 'INT64', [-1, -1]],
      ['INPUT__1', 'BOOL', [-1, 1]],
    ]);
    expect(c.outputs[0]).toMatchObject({ datatype: 'BF16', dims: [1, 768] });
    expect(backendOf(c)).toBe('pytorch');
  });

  it('text-format corners: <> messages, lists, escapes, enum numbers, octal and hex', () => {
    const c = corpus('text-format-corners.pbtxt');
    expect(c).toMatchObject({ name: 'corners', platform: 'tensorflow_savedmodel', maxBatchSize: 4, decoupled: false });
    expect(c.inputs[0]).toMatchObject({ name: 'tab\tquote"apostrophe\'back\\slashAéAB café', datatype: 'FP32', configType: 'TYPE_FP32', dims: [3, 8, 2] });
    expect(c.outputs.map((o) => [o.name, o.configType, o.dims])).toEqual([
      ['out', 'TYPE_UINT8', [-1]],
      ['scores', 'TYPE_FP64', [-1, 5]],
    ]);
    expect(c.instanceGroups).toEqual([
      { kind: 'KIND_CPU', count: 2, gpus: [] },
      { kind: 'KIND_GPU', count: 1, gpus: [0] },
    ]);
    expect(backendOf(c)).toBe('tensorflow');
  });
});

describe('readModelConfig defaults and derived values', () => {
  it('an empty config is a valid ModelConfig with proto3 defaults', () => {
    expect(config('')).toEqual({ maxBatchSize: 0, inputs: [], outputs: [], instanceGroups: [], decoupled: false });
  });

  it('empty strings are absent (proto3); an instance group defaults to KIND_AUTO x1', () => {
    expect(config('name: "" backend: "" instance_group {}')).toEqual({
      maxBatchSize: 0,
      inputs: [],
      outputs: [],
      instanceGroups: [{ kind: 'KIND_AUTO', count: 1, gpus: [] }],
      decoupled: false,
    });
  });

  it('TYPE_INVALID (or no data_type) has no KServe datatype', () => {
    expect(config('input { name: "x" dims: 1 }').inputs[0]).toMatchObject({ datatype: undefined, configType: 'TYPE_INVALID' });
  });

  it('maps every Triton data type to its KServe name', () => {
    const types = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BF16'];
    const c = config([...types, 'STRING'].map((t) => `output { name: "${t}" data_type: TYPE_${t} dims: 1 }`).join('\n'));
    expect(c.outputs.map((o) => o.datatype)).toEqual([...types, 'BYTES']);
  });

  it('booleans in all their spellings', () => {
    for (const [text, decoupled] of [
      ['true', true],
      ['True', true],
      ['t', true],
      ['1', true],
      ['false', false],
      ['F'.toLowerCase(), false],
      ['0', false],
    ] as const) {
      expect(config(`model_transaction_policy { decoupled: ${text} }`).decoupled, text).toBe(decoupled);
    }
  });

  it('backendOf: backend wins over platform; nothing for an unknown or missing platform', () => {
    const base = { maxBatchSize: 0, inputs: [], outputs: [], instanceGroups: [], decoupled: false };
    expect(backendOf({ ...base, platform: 'tensorrt_plan', backend: 'tensorrt' })).toBe('tensorrt');
    expect(backendOf({ ...base, platform: 'tensorflow_graphdef' })).toBe('tensorflow');
    expect(backendOf({ ...base, platform: 'something_else' })).toBeUndefined();
    expect(backendOf(base)).toBeUndefined();
  });
});

describe('readModelConfig problems, with line:column', () => {
  it('a syntax error is returned as is', () => {
    expect(problems('name: "x"\ninput {\n')).toEqual(['3:1 missing "}": the file ends inside a message']);
  });

  it('a known field with the wrong kind', () => {
    expect(problems('max_batch_size: "8"')).toEqual(['1:17 max_batch_size takes an integer (int32), not the string "8"; write it without quotes: 8']);
    expect(problems('name: foo')).toEqual(['1:7 name takes a string, not foo']);
    expect(problems('max_batch_size: 1.5')).toEqual(['1:17 max_batch_size takes an integer (int32), not the number 1.5']);
    expect(problems('input: "x"')).toEqual(['1:8 input takes a message ({ ... }), not the string "x"']);
    expect(problems('model_transaction_policy { decoupled: "true" }')).toEqual([
      '1:39 model_transaction_policy.decoupled takes a boolean (true or false), not the string "true"; write it without quotes: true',
    ]);
    expect(problems('model_transaction_policy { decoupled: 2 }')).toEqual([
      '1:39 model_transaction_policy.decoupled takes a boolean (true or false), not the number 2',
    ]);
    expect(problems('dynamic_batching: 5')).toEqual(['1:19 dynamic_batching takes a message ({ ... }), not the number 5']);
  });

  it('integers out of range', () => {
    expect(problems('max_batch_size: 2147483648')).toEqual(['1:17 max_batch_size is out of range for int32 (-2147483648 to 2147483647): 2147483648']);
    expect(problems('input { dims: 9223372036854775808 }')[0]).toContain('out of range for int64');
  });

  it('an unknown enum value, with did-you-mean', () => {
    expect(problems('input { name: "x"\n data_type: TYPE_FLOAT32 }')).toEqual(['2:13 input.data_type has no value TYPE_FLOAT32; did you mean TYPE_FP32?']);
    expect(problems('output { data_type: BYTES }')).toEqual(['1:21 output.data_type has no value BYTES; did you mean TYPE_STRING?']);
    expect(problems('output { data_type: TYPE_FP31 }')).toEqual(['1:21 output.data_type has no value TYPE_FP31; did you mean TYPE_FP32?']);
    expect(problems('instance_group { kind: GPU }')).toEqual(['1:24 instance_group.kind has no value GPU; did you mean KIND_GPU?']);
    expect(problems('instance_group { kind: KIND_TPU }')).toEqual(['1:24 instance_group.kind has no value KIND_TPU; did you mean KIND_GPU?']);
    expect(problems('instance_group { kind: 7 }')).toEqual([
      '1:24 instance_group.kind has no value numbered 7; it is one of KIND_AUTO, KIND_GPU, KIND_CPU, KIND_MODEL',
    ]);
  });

  it('negative dims other than -1, and other impossible numbers', () => {
    expect(problems('input { dims: [ 3, -2, -1 ] }')).toEqual(['1:20 input dims: -2 is not a dimension; use -1 for a variable one']);
    expect(problems('output { dims: -3 }')).toEqual(['1:16 output dims: -3 is not a dimension; use -1 for a variable one']);
    expect(problems('max_batch_size: -1')).toEqual(['1:17 max_batch_size must be 0 (no batching) or more, not -1']);
    expect(problems('instance_group { count: -2 }')).toEqual(['1:25 instance_group count must be 1 or more, not -2']);
  });

  it('duplicate singular fields, and lists for them', () => {
    expect(problems('name: "a"\nname: "b"')).toEqual(['2:1 name is given twice (first at 1:1); ModelConfig has one name']);
    expect(problems('input { name: "a" name: "b" }')).toEqual(['1:19 input.name is given twice (first at 1:9); ModelInput has one name']);
    expect(problems('optimization {}\noptimization {}')).toEqual(['2:1 optimization is given twice (first at 1:1); ModelConfig has one optimization']);
    expect(problems('name: ["a"]')).toEqual(['1:1 name is not repeated, so it cannot take a [ ... ] list; give one value']);
  });

  it('two members of the scheduling oneof', () => {
    expect(problems('dynamic_batching {}\nensemble_scheduling {}')).toEqual([
      '2:1 ensemble_scheduling and dynamic_batching (1:1) are both given, but they are alternatives (oneof scheduling_choice); keep one',
    ]);
  });

  it('an unknown top-level field, with did-you-mean among ModelConfig fields', () => {
    expect(problems('name: "x"\nplatfrom: "ensemble"')).toEqual(['2:1 ModelConfig has no field "platfrom"; did you mean "platform"?']);
    expect(problems('max_batch: 8')).toEqual(['1:1 ModelConfig has no field "max_batch"; did you mean "max_batch_size"?']);
    expect(problems('inputs { name: "x" }')).toEqual(['1:1 ModelConfig has no field "inputs"; did you mean "input"?']);
    expect(problems('zzz: 1')[0]).toMatch(/^1:1 ModelConfig has no field "zzz"; its fields are name, platform, backend, /);
    expect(problems('[ext.field]: 1')[0]).toMatch(/^1:1 ModelConfig has no extensions or Any fields/);
  });

  it('an unknown field inside a message we interpret', () => {
    expect(problems('input { name: "x" dim: 3 }')).toEqual(['1:19 ModelInput (in input) has no field "dim"; did you mean "dims"?']);
  });

  it('ignores the contents of fields it does not use (but parses them)', () => {
    const c = config('dynamic_batching { anything_at_all: 1 nested { x: "y" } }\nparameters { key: "k" value { string_value: "v" } }\nmax_batch_size: 2');
    expect(c.maxBatchSize).toBe(2);
    expect(problems('dynamic_batching { broken: }')).toEqual(['1:28 expected a value for broken, found "}"']);
  });

  it('reports every problem, in file order', () => {
    expect(problems('max_batch_size: "8"\ninput { data_type: TYPE_X dims: -5 }\nplatfrom: ""')).toHaveLength(4);
  });
});

describe('readModelConfig on what a bucket may hold', () => {
  it('reads default_model_filename, wherever it is written', () => {
    expect(config('backend: "python" default_model_filename: "main.py"').defaultModelFilename).toBe('main.py');
    expect(config('backend: "python"\n  default_model_filename : "main.py"').defaultModelFilename).toBe('main.py');
    expect(config('backend: "python"\ndefault_model_filename: ""').defaultModelFilename).toBeUndefined();
    expect(config('backend: "python"\n# default_model_filename: "main.py"').defaultModelFilename).toBeUndefined();
  });

  it('refuses two inputs (or two outputs) of one name, as Triton does', () => {
    expect(problems('input { name: "x" }\ninput { name: "y" }\ninput { name: "x" }')).toEqual([
      '3:7 input "x" is declared twice (first at 1:7); each input needs its own name',
    ]);
    expect(problems('output [ { name: "o" }, { name: "o" } ]')).toEqual(['1:25 output "o" is declared twice (first at 1:10); each output needs its own name']);
    // An input and an output may share a name.
    expect(config('input { name: "x" }\noutput { name: "x" }').inputs).toHaveLength(1);
  });

  it('refuses negative GPU ids, and does not count them', () => {
    expect(problems('instance_group [ { kind: KIND_GPU, gpus: [ -1, -2 ] } ]')).toEqual([
      '1:44 instance_group gpus: -1 is not a GPU; device ids are 0 or more',
      '1:48 instance_group gpus: -2 is not a GPU; device ids are 0 or more',
    ]);
    expect(config('instance_group [ { kind: KIND_GPU, gpus: [ 0, 1 ] } ]').instanceGroups[0]!.gpus).toEqual([0, 1]);
  });

  it('says how many fields a list of them leaves out, within the 200 characters a message is shown', () => {
    const [message] = problems('zzz: 1');
    expect(message).toMatch(/^1:1 ModelConfig has no field "zzz"; its fields are name, platform, backend, .* and \d+ more$/);
    const [, count] = /and (\d+) more$/.exec(message!)!;
    const shown = message!.slice(message!.indexOf('are ') + 4, message!.lastIndexOf(' and ')).split(', ');
    expect(shown.length + Number(count)).toBe(25);
    expect(message!.length - '1:1 '.length).toBeLessThanOrEqual(200);
    const [nested] = problems(`input { ${'a'.repeat(300)}: 1 }`);
    expect(nested!.length - '1:9 '.length).toBeLessThanOrEqual(200);
    expect(nested).toMatch(/has no field "a{37}\.\.\."; its fields are name, .* and \d+ more$/);
  });

  it('reads a 1 MiB config built to make patterns backtrack in linear time', () => {
    const MiB = 1024 * 1024;
    const texts = [
      `${'\n'.repeat(MiB - 20)}backend: "python"\n`,
      `${' \t'.repeat(MiB / 2 - 20)}backend: "python"\n`,
      `${'#\n'.repeat(MiB / 2 - 20)}backend: "python"\n`,
      Array.from({ length: MiB / 12 }, (_, i) => `f${i} {}`).join('\n'),
      `max_batch_size: ${'1'.repeat(MiB - 20)}`,
    ];
    for (const text of texts) {
      const start = performance.now();
      readModelConfig(text);
      expect(performance.now() - start, text.slice(0, 20)).toBeLessThan(1000);
    }
  });
});
