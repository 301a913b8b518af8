/**
 * `tritonops new model|pipeline`: a commented spec with the schema line, valid as written, so the
 * first PR of a new model starts from something that renders.
 */
import { join, relative, sep } from 'node:path';
import {
  copyRelease,
  didYouMeanHint,
  ENVIRONMENTS_DIR,
  MAX_FILE_BYTES,
  MODELS_DIR,
  own,
  RepositoryFs,
  specFileNames,
  type EnvironmentPlan,
} from '@tritonops/planner';
import { DNS_LABEL_PATTERN, MODEL_NAME_MAX, MODEL_PROMOTED_FIELDS, type SignatureSpec } from '@tritonops/spec';
import { withRepositoryLock } from '../repository-lock.ts';
import { EXIT, type Io } from '../io.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';

export const command = defineCommand({
  name: 'new',
  summary: 'Write a commented model or pipeline spec, valid as written',
  usage: ['new model <name> --env <name> [--pool <gpu-pool>] [--root <dir>]', 'new pipeline <name> --env <name> [--root <dir>]'],
  positionals: true,
  description: `Writes environments/<env>/models/<name>.yaml (or pipelines/<name>.yaml): a commented spec with
the schema line for editors, valid as written (checked with the rest of the environment before it
is written). A pipeline starts with one step calling a model that declares \`signatures\`. In an
environment promoted from another (promotedFrom) a model takes its release from the model of the
same name there, which must exist (and be merged: the promotion gate), so that releases reach it
only by \`tritonops promote\`.`,
  options: {
    pool: { type: 'string', value: 'gpu-pool', description: "The model's GPU pool (gpuPools in environment.yaml); without it the model\nruns on CPU" },
  },
  exits: [
    ['ok', 'written'],
    ['problems', 'the environment does not validate'],
    ['usage', 'usage error (bad name, unknown pool, file exists)'],
  ],
  run: ({ root, env, values, positionals }, io) => {
    const [kind, name, ...extra] = positionals;
    if (kind !== 'model' && kind !== 'pipeline')
      throw new UsageError(kind === undefined ? 'new needs what to create: model or pipeline' : `cannot create "${kind}"`, ['model', 'pipeline'], kind);
    if (name === undefined) throw new UsageError(`new ${kind} needs a name`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (env.length !== 1) throw new UsageError(`new ${kind} needs exactly one --env`);
    if (kind === 'pipeline' && values.pool !== undefined) throw new UsageError('a pipeline server runs on CPU: --pool is for models');
    return newCommand({ root, kind, name, env: env[0]!, ...(values.pool !== undefined ? { pool: values.pool } : {}) }, io);
  },
});

export interface NewOptions {
  readonly root: string;
  readonly kind: 'model' | 'pipeline';
  readonly name: string;
  readonly env: string;
  readonly pool?: string;
}

function modelSpec(name: string, env: EnvironmentPlan, pool: string | undefined): string {
  const gpu = pool ? own(env.gpuPools, pool) : undefined;
  return `# yaml-language-server: $schema=../../../packages/spec/schemas/model.schema.json
# ${name}: describe what this model does and who owns it. Every field: docs/spec-reference.md
apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata:
  name: ${name}
  labels:
    team: my-team                      # who to call when it breaks
spec:
  # The release: what runs. \`tritonops promote\` copies these fields between environments${
    env.promotedFrom
      ? `;
  # here they were copied from ${env.promotedFrom}`
      : ''
  }.
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/${name}/v1   # a Triton model repository in the environment's S3; a new path per release
  # models: [${name.replace(/-/g, '_')}]      # load only these Triton models (explicit model control)
${
  gpu
    ? `  # Placement: ${pool} offers ${gpu.gpusPerNode} × ${gpu.resource} per node, ${gpu.gpuMemory} each.
  gpuPool: ${pool}
  gpus: 1`
    : `  # CPU-only. For a GPU, set gpuPool to one of: ${Object.keys(env.gpuPools).join(', ') || '(this environment has no GPU pools)'}
  # gpuPool: ${Object.keys(env.gpuPools)[0] ?? 't4'}`
}
  replicas: 1
  resources:
    cpu: "2"
    memory: 8Gi
    shm: 1Gi                           # /dev/shm; the Python backend and vLLM need it
  # autoscaling:                       # instead of replicas: KEDA on Triton's own metrics
  #   minReplicas: 1
  #   maxReplicas: 4
  #   triggers:
  #     queueTimeMs: 50
`;
}

function pipelineSpec(name: string, env: EnvironmentPlan, signatures: Map<string, { tritonModel: string; signature: SignatureSpec }>): string | undefined {
  const [model, found] = [...signatures.entries()][0] ?? [];
  if (!model || !found) return undefined;
  const tensor = (t: { name: string; datatype: string; shape: readonly number[] }) =>
    `{ name: ${t.name}, datatype: ${t.datatype}, shape: [${t.shape.join(', ')}] }`;
  return `# yaml-language-server: $schema=../../../packages/spec/schemas/pipeline.schema.json
# ${name}: models of this environment chained by their tensors. Wire each step's inputs from
# \`input.<NAME>\` (the pipeline's inputs) or \`<step>.<NAME>\` (another step's outputs); the models'
# \`signatures\` say which tensors exist. Draw it: tritonops graph ${name} --env ${env.name}
apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata:
  name: ${name}
spec:
  inputs:
${found.signature.inputs.map((t) => `    - ${tensor(t)}`).join('\n')}
  outputs:
${found.signature.outputs.map((t) => `    - ${tensor({ ...t })}`.replace(/ }$/, `, from: first.${t.name} }`)).join('\n')}
  steps:
    - name: first
      model: ${model}
      tritonModel: ${found.tritonModel}
      inputs:
${found.signature.inputs.map((t) => `        ${t.name}: input.${t.name}`).join('\n')}
    # - name: second                   # the next model, fed by the first
    #   model: <model>
    #   inputs:
    #     <INPUT>: first.<OUTPUT>
`;
}

export async function newCommand(options: NewOptions, io: Io): Promise<number> {
  return withRepositoryLock(options.root, io, () => writeNewSpec(options, io));
}

async function writeNewSpec(options: NewOptions, io: Io): Promise<number> {
  if (!new RegExp(DNS_LABEL_PATTERN).test(options.name) || options.name.length > MODEL_NAME_MAX) {
    io.err(
      `error: "${options.name}" is not a valid name\n  = hint: use lowercase letters, digits and "-", starting with a letter (DNS-1123 label, at most ${MODEL_NAME_MAX} characters)`,
    );
    return EXIT.usage;
  }
  const current = loadRepository(options.root, io, { only: [options.env] });
  if (current.hasErrors) {
    await reportDiagnostics(io, current.diagnostics, current.sources);
    io.err(`new needs valid specs first: ${tally(current.diagnostics)}`);
    return EXIT.problems;
  }
  const env = current.plans[0]!;
  if (options.pool !== undefined && !own(env.gpuPools, options.pool)) {
    io.err(
      `error: environment "${env.name}" has no GPU pool "${options.pool}"\n  = hint: ${didYouMeanHint(options.pool, Object.keys(env.gpuPools), `pools: ${Object.keys(env.gpuPools).join(', ') || '(none)'}`)}`,
    );
    return EXIT.usage;
  }
  const folder = options.kind === 'model' ? 'models' : 'pipelines';
  const fs = new RepositoryFs(options.root);
  const rel = `environments/${options.env}/${folder}/${options.name}.yaml`;
  const path = join(options.root, rel);
  const shown = relative(io.cwd, path).split(sep).join('/');
  if (fs.kind(rel) !== undefined || fs.kind(rel.replace(/\.yaml$/, '.yml')) !== undefined) {
    io.err(`error: ${shown} already exists\n  = hint: pick another name, or edit the file`);
    return EXIT.usage;
  }
  const signatures = new Map<string, { tritonModel: string; signature: SignatureSpec }>();
  for (const loaded of current.sources.values()) {
    const data = loaded.data as { kind?: string; metadata?: { name?: string }; spec?: { signatures?: Record<string, SignatureSpec> } } | undefined;
    const first = Object.entries(data?.spec?.signatures ?? {})[0];
    if (data?.kind === 'Model' && data.metadata?.name && first) signatures.set(data.metadata.name, { tritonModel: first[0], signature: first[1] });
  }
  let text = options.kind === 'model' ? modelSpec(options.name, env, options.pool) : pipelineSpec(options.name, env, signatures);
  if (options.kind === 'model' && env.promotedFrom && text !== undefined) {
    // The promotion gate lets this environment run only releases its source ran: a new model
    // starts from the source's release, never from a permanent override.
    const sourceRel = specFileNames(options.name)
      .map((file) => `${ENVIRONMENTS_DIR}/${env.promotedFrom}/${MODELS_DIR}/${file}`)
      .find((rel) => fs.kind(rel) === 'file');
    if (!sourceRel) {
      io.err(
        `error: model "${options.name}" does not exist in "${env.promotedFrom}", which environment "${env.name}" is promoted from\n  = hint: create it there first (\`tritonops new model ${options.name} --env ${env.promotedFrom}\`), merge that, then \`tritonops promote ${options.name} --from ${env.promotedFrom} --to ${env.name}\` (docs/promotion.md)`,
      );
      return EXIT.usage;
    }
    const copied = copyRelease(text, fs.read(sourceRel, MAX_FILE_BYTES).toString('utf8'), MODEL_PROMOTED_FIELDS);
    if (!copied.ok) {
      io.err(`${sourceRel}: error: ${copied.problem}\n  = hint: ${copied.hint}`);
      return EXIT.problems;
    }
    text = copied.text;
  }
  if (text === undefined) {
    io.err(
      `error: no model of environment "${env.name}" declares \`signatures\`, so a pipeline has no tensors to wire\n  = hint: add \`signatures\` to a model (see docs/spec-reference.md), then run this again`,
    );
    return EXIT.problems;
  }
  const check = loadRepository(options.root, io, { only: [options.env], overrides: new Map([[path, Buffer.from(text)]]) });
  if (check.hasErrors) {
    await reportDiagnostics(io, check.diagnostics, check.sources);
    io.err(`the new spec would not validate (${tally(check.diagnostics)}); nothing was written`);
    return EXIT.problems;
  }
  // Created exclusively: never over a file, never through a link planted in its place.
  fs.createFile(rel, Buffer.from(text));
  io.out(`wrote ${shown}`);
  if (options.kind === 'pipeline') {
    io.out(`next: add steps (each model's \`signatures\` lists its tensors), then \`tritonops graph ${options.name} --env ${options.env}\``);
  } else if (env.promotedFrom) {
    io.out(
      `its release is ${env.promotedFrom}'s; next: review its placement (gpuPool, replicas, resources), then \`tritonops synth --env ${options.env}\` and open a pull request. Later releases arrive by \`tritonops promote ${options.name} --from ${env.promotedFrom} --to ${options.env}\``,
    );
  } else {
    io.out(`next: point \`repository\` at your model, then \`tritonops synth --env ${options.env}\` and open a pull request`);
  }
  return EXIT.ok;
}
