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
  describeRelease,
  formatEndpoint,
  parseEndpoint,
  parseS3Uri,
  sameEndpoint,
  storeLocation,
  StoreUnavailable,
  type EnvironmentPlan,
  type ModelStore,
  type ReadRelease,
  type ReleaseDescription,
  yamlString,
} from '@tritonops/planner';
import { DNS_LABEL_PATTERN, MODEL_NAME_MAX, MODEL_PROMOTED_FIELDS, type SignatureSpec } from '@tritonops/spec';
import { withRepositoryLock } from '../repository-lock.ts';
import { EXIT, type Io } from '../io.ts';
import { loadRepository, type WorkspaceResult } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';

export const command = defineCommand({
  name: 'new',
  summary: 'Write a commented model or pipeline spec, valid as written',
  usage: ['new model <name> --env <name> [--pool <gpu-pool>] [--from <s3-uri>] [--root <dir>]', 'new pipeline <name> --env <name> [--root <dir>]'],
  positionals: true,
  description: `Writes environments/<env>/models/<name>.yaml (or pipelines/<name>.yaml): a commented spec with
the schema line for editors, valid as written (checked with the rest of the environment before it
is written). A pipeline starts with one step calling a model that declares \`signatures\`. In an
environment promoted from another (promotedFrom) a model takes its release from the model of the
same name there, which must exist (and be merged: the promotion gate), so that releases reach it
only by \`tritonops promote\`. With --from, the model's release is read from the environment's S3:
its models, their signatures (from each config.pbtxt), the image variant their backends need and,
when a config asks for GPUs, a GPU pool (credentials: the AWS environment variables or AWS_PROFILE).`,
  options: {
    pool: { type: 'string', value: 'gpu-pool', description: "The model's GPU pool (gpuPools in environment.yaml); without it the model\nruns on CPU" },
    from: {
      type: 'string',
      value: 's3-uri',
      description: `Read the release from this Triton model repository in the environment's S3
and write its models, signatures, image variant and GPU needs into the spec`,
    },
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
    if (kind === 'pipeline' && values.from !== undefined) throw new UsageError('--from reads a model repository: it is for models');
    return newCommand(
      {
        root,
        kind,
        name,
        env: env[0]!,
        ...(values.pool !== undefined ? { pool: values.pool } : {}),
        ...(values.from !== undefined ? { from: { uri: values.from } } : {}),
      },
      io,
    );
  },
});

export interface NewOptions {
  readonly root: string;
  readonly kind: 'model' | 'pipeline';
  readonly name: string;
  readonly env: string;
  readonly pool?: string;
  /** Read the release from this repository (`new model --from`). */
  readonly from?: {
    readonly uri: string;
    /** Where to read from; the S3 client (createS3Store) when absent. */
    readonly store?: ModelStore;
  };
}

/** What every new Model spec starts with, up to `spec:`; `about` (comment lines) follows the first comment. */
function modelHeader(name: string, about = ''): string {
  return `# yaml-language-server: $schema=../../../packages/spec/schemas/model.schema.json
# ${name}: describe what this model does and who owns it. Every field: docs/spec-reference.md
${about}apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata:
  name: ${name}
  labels:
    team: my-team                      # who to call when it breaks`;
}

function modelSpec(name: string, env: EnvironmentPlan, pool: string | undefined): string {
  const gpu = pool ? own(env.gpuPools, pool) : undefined;
  return `${modelHeader(name)}
spec:
  # The release: what runs. \`tritonops promote\` copies these fields between environments${
    env.promotedFrom
      ? `;
  # here they were copied from ${env.promotedFrom}`
      : ''
  }.
  image: ${TRITON_IMAGE}:${TRITON_VERSION}-py3
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

/** Where the line comments of a new spec start (0-based), as in \`team: my-team   # …\`. */
const COMMENT_COLUMN = 39;

/** The Triton release new specs start from (the image's variant follows the backends). */
const TRITON_IMAGE = 'nvcr.io/nvidia/tritonserver';
const TRITON_VERSION = '24.10';

/** A model spec whose release is read from S3 (`new model --from`): every derived field says where it came from. */
function modelSpecFrom(name: string, env: EnvironmentPlan, uri: string, release: ReleaseDescription, pool: string | undefined): string {
  const gpu = pool ? own(env.gpuPools, pool) : undefined;
  const backends = [...release.backends.values()].filter((b) => b === 'python');
  const imageWhy =
    release.variant === 'py3'
      ? backends.length
        ? 'the standard image (`-py3`) has the Python backend its models use'
        : 'its models need no backend of a special image, so the standard one (`-py3`)'
      : `its models use the ${release.variant.startsWith('vllm') ? 'vllm' : 'tensorrtllm'} backend, which only this image variant has`;
  const placement = gpu
    ? `  # Placement: ${release.gpu ? `${release.gpu.models.join(', ')} ask${release.gpu.models.length === 1 ? 's' : ''} for a GPU (instance_group KIND_GPU, or a GPU-only backend)` : 'on the pool given with --pool'}.
  # ${pool} offers ${gpu.gpusPerNode} × ${gpu.resource} per node, ${gpu.gpuMemory} each${
    Object.keys(env.gpuPools).length > 1
      ? `; other pools: ${Object.keys(env.gpuPools)
          .filter((p) => p !== pool)
          .sort()
          .join(', ')}`
      : ''
  }.
  gpuPool: ${pool}
${`  gpus: ${release.gpu?.gpus ?? 1}`.padEnd(COMMENT_COLUMN)}# ${release.gpu && release.gpu.gpus > 1 ? 'the distinct GPUs its instance_group lists' : 'Triton places every instance on the GPUs it is given'}`
    : release.cpuOnly
      ? '  # CPU-only: every config.pbtxt places its instances on the CPU (instance_group KIND_CPU).'
      : `  # CPU-only: no config.pbtxt asks for a GPU.${
          release.gpuCapable.length
            ? ` ${release.gpuCapable.join(', ')} leave${release.gpuCapable.length === 1 ? 's' : ''} the device to Triton (instance_group KIND_AUTO or none),
  # and Triton runs ${release.gpuCapable.length === 1 ? 'it' : 'them'} on a GPU when the pod has one.`
            : ''
        } For a GPU, set gpuPool to one of: ${Object.keys(env.gpuPools).sort().join(', ') || '(this environment has no GPU pools)'}
  # gpuPool: ${Object.keys(env.gpuPools).sort()[0] ?? 't4'}
  # gpus: 1`;
  const signatures = release.models.map((model) => {
    const signature = release.signatures.get(model);
    if (!signature) return `    # ${model}: no signature: ${release.unsigned.get(model) ?? 'its config declares no tensors'}`;
    return `    ${yamlString(model)}:
      inputs:
${signature.inputs.map((t) => `        - ${t}`).join('\n')}
      outputs:
${signature.outputs.map((t) => `        - ${t}`).join('\n')}`;
  });
  const anySignature = release.signatures.size > 0;
  return `${modelHeader(
    name,
    `# Written by \`tritonops new model --from ${uri}\` from what that repository holds;
# \`tritonops validate --s3\` checks it against the bucket again.\n`,
  )}
spec:
  # The release: what runs. \`tritonops promote\` copies these fields between environments.
  # The image variant: ${imageWhy}.
  image: ${TRITON_IMAGE}:${TRITON_VERSION}-${release.variant}
  repository: ${uri}   # a new path per release: the SFS cache keys on it
  # The Triton models of the repository (its folders); Triton loads only these.
  models: [${release.models.map(yamlString).join(', ')}]
${placement}
  replicas: 1
  resources:
    cpu: "2"
    memory: 8Gi
    shm: 1Gi                           # /dev/shm; the Python backend and vLLM need it
  # The tensors of each model, from its config.pbtxt (with max_batch_size > 0 the batch
  # dimension, -1, comes first): pipelines are checked against them.
${anySignature ? '  signatures:\n' : '  # signatures:\n'}${signatures.join('\n')}
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

/** `--from`: the spec of the release at `options.from.uri`, or the exit code after saying why there is none. */
async function releaseSpec(options: NewOptions & { from: NonNullable<NewOptions['from']> }, current: WorkspaceResult, io: Io): Promise<string | number> {
  const env = current.plans[0]!;
  if (env.promotedFrom) {
    io.err(
      `error: environment "${env.name}" takes its releases from "${env.promotedFrom}" by \`tritonops promote\`, not from S3\n  = hint: create the model in ${env.promotedFrom} with --from, merge that, then promote it (docs/promotion.md)`,
    );
    return EXIT.usage;
  }
  const s3 = current.environments[0]!.environment!.value.spec.s3;
  const parsed = parseS3Uri(options.from.uri);
  if (!parsed.ok) {
    io.err(`error: --from: ${parsed.problem}\n  = hint: ${parsed.hint}`);
    return EXIT.usage;
  }
  const envEndpoint = s3.endpoint !== undefined ? parseEndpoint(s3.endpoint) : undefined;
  if (parsed.value.endpoint && !sameEndpoint(parsed.value.endpoint, envEndpoint?.ok ? envEndpoint.value : undefined)) {
    io.err(
      `error: --from names ${formatEndpoint(parsed.value.endpoint)}, but the S3 of environment "${env.name}" is ${s3.endpoint ?? 'AWS S3'}\n  = hint: a model reads from its environment's S3: write s3://${parsed.value.bucket}/${parsed.value.prefix}`,
    );
    return EXIT.usage;
  }
  const uri = `s3://${parsed.value.bucket}${parsed.value.prefix ? `/${parsed.value.prefix}` : ''}`;
  const location = storeLocation(uri, s3)!;
  // Loaded only here: the AWS SDK is large, and only --from needs it.
  const store = options.from.store ?? (await import('../s3/s3-store.ts')).createS3Store();
  let read: ReadRelease;
  try {
    read = await describeRelease(store, location);
  } catch (error) {
    if (!(error instanceof StoreUnavailable)) throw error;
    io.err(`error: ${error.message}\n  = hint: ${error.hint}\nnothing was written`);
    return EXIT.problems;
  }
  if (!read.ok) {
    for (const problem of read.problems) io.err(`error: ${problem}`);
    io.err(
      `  = hint: --from reads a Triton model repository: <model>/config.pbtxt and <model>/<version>/ per model\n${uri} cannot be served as it is; nothing was written`,
    );
    return EXIT.problems;
  }
  const pools = Object.keys(env.gpuPools).sort();
  const needsGpu = read.description.gpu !== undefined;
  if (needsGpu && options.pool === undefined && pools.length === 0) {
    io.err(
      `error: ${read.description.gpu!.models.join(', ')} of ${uri} need${read.description.gpu!.models.length === 1 ? 's' : ''} a GPU, and environment "${env.name}" has no GPU pools\n  = hint: add a pool to gpuPools in its environment.yaml, or change the instance_group to KIND_CPU; nothing was written`,
    );
    return EXIT.problems;
  }
  const pool = options.pool ?? (needsGpu ? pools[0] : undefined);
  return modelSpecFrom(options.name, env, uri, read.description, pool);
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
  if (options.from) {
    const fromRelease = await releaseSpec(options as NewOptions & { from: NonNullable<NewOptions['from']> }, current, io);
    if (typeof fromRelease === 'number') return fromRelease;
    text = fromRelease;
  }
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
  } else if (options.from) {
    io.out(`next: review its placement (gpuPool, replicas, resources), then \`tritonops synth --env ${options.env}\` and open a pull request`);
  } else {
    io.out(`next: point \`repository\` at your model, then \`tritonops synth --env ${options.env}\` and open a pull request`);
  }
  return EXIT.ok;
}
