/**
 * Our config.pbtxt reader against Triton's real model_config.proto (../shared, present in CI):
 * protobuf's own text-format parser (python, the proto compiled by protoc) reads the same corpus
 * and must agree with readModelConfig on what tritonops uses; malformed files fail in both; and
 * the field table declared in our code matches the proto's descriptor.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineRepository } from '@tritonops/charts';
import { MODEL_CONFIG, planRepository, readModelConfig, type MessageDecl } from '@tritonops/planner';
import { nonEmpty } from './support/non-empty.ts';
import { compileProto, tritonProto } from './support/python.ts';
import { BUNDLED, REPO_ROOT, SHARED_DIR } from './support/workspace.ts';

type Obj = Record<string, any>;

const CORPUS = join(REPO_ROOT, 'test/fixtures/model-configs');
const MALFORMED = join(CORPUS, 'malformed');
const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.pbtxt'));
const malformed = readdirSync(MALFORMED).filter((f) => f.endsWith('.pbtxt'));

const triton = tritonProto(SHARED_DIR);
const skip = triton.skip;

/** Parses every file with python's text_format and describes the proto's messages. */
const SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
import model_config_pb2
from google.protobuf import descriptor, json_format, text_format

def describe(message):
    fields = {}
    for f in message.fields:
        entry = {'type': f.type, 'repeated': f.label == descriptor.FieldDescriptor.LABEL_REPEATED}
        if f.containing_oneof is not None:
            entry['oneof'] = f.containing_oneof.name
        if f.enum_type is not None:
            entry['enum'] = {v.name: v.number for v in f.enum_type.values}
        if f.message_type is not None:
            entry['message'] = f.message_type.name
            entry['map'] = f.message_type.GetOptions().map_entry
        fields[f.name] = entry
    return fields

messages = {}
def walk(message):
    messages[message.name] = describe(message)
    for nested in message.nested_types:
        walk(nested)
for message in model_config_pb2.DESCRIPTOR.message_types_by_name.values():
    walk(message)

parsed, errors = {}, {}
for path in sys.argv[2:]:
    config = model_config_pb2.ModelConfig()
    try:
        text_format.Parse(open(path, encoding='utf-8').read(), config)
        parsed[path] = json_format.MessageToDict(config, preserving_proto_field_name=True)
    except text_format.ParseError as error:
        errors[path] = str(error)
print(json.dumps({'messages': messages, 'parsed': parsed, 'errors': errors}))
`;

/** FieldDescriptor.TYPE_* numbers, as our table names the kinds. */
const PROTO_TYPES: Record<number, string> = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  8: 'bool',
  9: 'string',
  11: 'message',
  13: 'uint32',
  14: 'enum',
};

describe("config.pbtxt: our reader against protobuf's, with Triton's model_config.proto", () => {
  let work = '';
  let messages: Record<string, Record<string, Obj>> = {};
  let parsed: Record<string, Obj> = {};
  let errors: Record<string, string> = {};

  beforeAll(() => {
    if (triton.skip !== undefined) return;
    work = mkdtempSync(join(tmpdir(), 'tritonops-model-config-'));
    compileProto(triton.proto, work);
    const files = [...corpus.map((f) => join(CORPUS, f)), ...malformed.map((f) => join(MALFORMED, f))];
    const run = spawnSync(triton.python, ['-c', SCRIPT, work, ...files], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
    ({ messages, parsed, errors } = JSON.parse(run.stdout) as { messages: typeof messages; parsed: typeof parsed; errors: typeof errors });
  });
  afterAll(() => work && rmSync(work, { recursive: true, force: true }));

  it('the corpus is not empty (so the checks below check something)', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(7);
    expect(malformed.length).toBeGreaterThanOrEqual(5);
  });

  it.for(corpus)('%s: protobuf parses it, and readModelConfig agrees on what tritonops uses', (file, ctx) => {
    if (skip) ctx.skip(skip);
    const path = join(CORPUS, file);
    expect(errors[path], `python text_format rejected ${file}`).toBeUndefined();
    const theirs = parsed[path]!;
    const ours = readModelConfig(readFileSync(path, 'utf8'));
    if (!ours.ok) throw new Error(`readModelConfig rejected ${file}: ${JSON.stringify(ours.problems)}`);
    const c = ours.config;
    // MessageToDict leaves out proto3 defaults, and writes int64 as strings.
    expect({ name: c.name, platform: c.platform, backend: c.backend, max_batch_size: c.maxBatchSize }).toEqual({
      name: theirs.name,
      platform: theirs.platform,
      backend: theirs.backend,
      max_batch_size: theirs.max_batch_size ?? 0,
    });
    const tensors = (list: Obj[] | undefined) =>
      (list ?? []).map((t) => ({ name: t.name ?? '', type: t.data_type ?? 'TYPE_INVALID', dims: (t.dims ?? []).map(Number) }));
    const ourTensors = (list: readonly Obj[]) => list.map((t) => ({ name: t.name, type: t.configType, dims: t.dims }));
    expect(ourTensors(c.inputs)).toEqual(tensors(theirs.input));
    expect(ourTensors(c.outputs)).toEqual(tensors(theirs.output));
    expect(c.instanceGroups).toEqual((theirs.instance_group ?? []).map((g: Obj) => ({ kind: g.kind ?? 'KIND_AUTO', count: g.count || 1, gpus: g.gpus ?? [] })));
    expect(c.decoupled).toBe(theirs.model_transaction_policy?.decoupled ?? false);
  });

  it.for(malformed)('malformed/%s: both readers reject it', (file, ctx) => {
    if (skip) ctx.skip(skip);
    const path = join(MALFORMED, file);
    expect(errors[path], `python text_format accepted ${file}`).toBeTypeOf('string');
    expect(readModelConfig(readFileSync(path, 'utf8')).ok).toBe(false);
  });

  it("the declared ModelConfig fields are exactly the proto's, with the same kinds (and oneof)", (ctx) => {
    if (skip) ctx.skip(skip);
    checkDeclaration(MODEL_CONFIG, messages);
  });

  it('the declared enums (DataType, instance group Kind, input Format) have the proto values and numbers', (ctx) => {
    if (skip) ctx.skip(skip);
    const enums = (decl: MessageDecl, field: string) => Object.fromEntries(decl.fields[field]!.values!.map((v, i) => [v, i]));
    const input = MODEL_CONFIG.fields.input!.fields!;
    const group = MODEL_CONFIG.fields.instance_group!.fields!;
    expect(enums(input, 'data_type')).toEqual(messages.ModelInput!.data_type!.enum);
    expect(enums(MODEL_CONFIG.fields.output!.fields!, 'data_type')).toEqual(messages.ModelOutput!.data_type!.enum);
    expect(enums(input, 'format')).toEqual(messages.ModelInput!.format!.enum);
    expect(enums(group, 'kind')).toEqual(messages.ModelInstanceGroup!.kind!.enum);
    expect(Object.keys(enums(group, 'kind'))).toContain('KIND_MODEL');
  });
});

describe('config.pbtxt that tritonops itself generates (the pipeline servers)', () => {
  const generated = planRepository({ root: BUNDLED, displayBase: BUNDLED }).plans.flatMap((env) =>
    env.pipelines.flatMap((plan) =>
      pipelineRepository(plan)
        .filter((f) => f.path.endsWith('config.pbtxt'))
        .map((f) => [`${env.name}/${plan.graph.name}/${f.path}`, f.content] as const),
    ),
  );

  it.each(nonEmpty(generated, 'generated config.pbtxt files'))('%s reads without problems', (path, content) => {
    const read = readModelConfig(content);
    expect(read.ok ? [] : read.problems).toEqual([]);
    expect(read.ok && read.config.name, path).toBe(path.split('/').at(-2));
  });
});

/** Our declaration of a message against the proto's: same field names; per field the same kind, repetition, oneof, and (where we declare them) nested fields. */
function checkDeclaration(decl: MessageDecl, messages: Record<string, Record<string, Obj>>): void {
  const proto = messages[decl.name];
  expect(proto, `the proto has no message ${decl.name}`).toBeDefined();
  expect(Object.keys(decl.fields).sort(), decl.name).toEqual(Object.keys(proto!).sort());
  for (const [name, field] of Object.entries(decl.fields)) {
    const theirs = proto![name]!;
    const where = `${decl.name}.${name}`;
    expect(field.kind, where).toBe(PROTO_TYPES[theirs.type]);
    // A map is a repeated key/value message in text format.
    expect(Boolean(field.repeated), where).toBe(theirs.repeated);
    expect(field.oneof, where).toBe(theirs.oneof);
    if (field.kind === 'enum') expect(Object.fromEntries(field.values!.map((v, i) => [v, i])), where).toEqual(theirs.enum);
    if (field.fields) {
      expect(field.fields.name, where).toBe(theirs.message);
      checkDeclaration(field.fields, messages);
    }
  }
}
