/**
 * `new model --from s3://…`: what a spec can say about a release from reading it — its models,
 * their signatures, the image variant their backends need and whether they ask for GPUs.
 */
import { inspectModel, plainText, releaseFolders, unsafeFolderList, variantFor, type ModelFacts } from './inspect-release.ts';
import type { ModelStore, StoreLocation } from './model-store.ts';
import { objectUri, ReleaseReader } from './release-reader.ts';
import { tensorText } from './signature-match.ts';

export interface ReleaseSignature {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface ReleaseDescription {
  /** Model folders, sorted. */
  readonly models: readonly string[];
  /** Signatures, as flow-style YAML tensors, of the models whose config declares tensors a signature can hold. */
  readonly signatures: ReadonlyMap<string, ReleaseSignature>;
  /** Why a model has no signature (its config declares no tensors, or one a signature cannot hold). */
  readonly unsigned: ReadonlyMap<string, string>;
  /** Backends by model, for the comments. */
  readonly backends: ReadonlyMap<string, string>;
  /** The image variant (`py3`, `vllm-python-py3`, `trtllm-python-py3`). */
  readonly variant: string;
  /** GPUs: the models that ask for them (KIND_GPU) and how many distinct GPUs one replica needs. */
  readonly gpu: { readonly models: readonly string[]; readonly gpus: number } | undefined;
  /** Whether every model pins its instances to the CPU (KIND_CPU). */
  readonly cpuOnly: boolean;
  /** Models that run on the CPU here but on a GPU when the pod has one (KIND_AUTO on a backend that can use one). */
  readonly gpuCapable: readonly string[];
}

/** Backends that run only on GPUs, whatever kind their instance groups name (vLLM's KIND_MODEL, none). */
const GPU_ONLY = new Set(['vllm', 'tensorrtllm', 'tensorrt']);
/** Backends that use a GPU for KIND_AUTO instances when the pod has one, and the CPU otherwise. */
const GPU_CAPABLE = new Set(['onnxruntime', 'pytorch', 'tensorflow']);

export type ReadRelease = { readonly ok: true; readonly description: ReleaseDescription } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Reads the release at `location` and describes it; `{ ok: false }` with every problem when a spec
 * pointing at it would fail `validate --s3`.
 * @throws StoreUnavailable when the endpoint cannot be read.
 */
export async function describeRelease(store: ModelStore, location: StoreLocation): Promise<ReadRelease> {
  const reader = new ReleaseReader(store);
  const root = await releaseFolders(reader, location);
  const uri = objectUri(location);
  if (!root) return { ok: false, problems: [`nothing is stored under ${uri}`] };
  // `models:` lists the folders; one it cannot name would be left out without a word.
  if (root.unsafe.length > 0)
    return {
      ok: false,
      problems: [
        `${uri} holds folders whose names are not Triton model names tritonops can write (letters, digits, "_", "." and "-", at most 128): ${unsafeFolderList(root.unsafe)}; rename or remove them`,
      ],
    };
  if (root.folders.length === 0) return { ok: false, problems: [`${uri} holds no model folders`] };
  const facts = await Promise.all(root.folders.map((name) => inspectModel(reader, location, name)));
  const problems = facts.flatMap((f) => modelProblems(f, objectUri(location, `${f.name}/`)));
  if (problems.length) return { ok: false, problems };
  const signatures = new Map<string, ReleaseSignature>();
  const unsigned = new Map<string, string>();
  const backends = new Map<string, string>();
  let gpuModels: string[] = [];
  let gpus = 1;
  let cpuOnly = true;
  const gpuCapable: string[] = [];
  for (const fact of facts) {
    if (fact.config.state !== 'ok') continue;
    const config = fact.config.config;
    if (fact.backend) backends.set(fact.name, fact.backend);
    const inputs = config.inputs.map((t) => tensorText(t, config.maxBatchSize));
    const outputs = config.outputs.map((t) => tensorText(t, config.maxBatchSize));
    if (inputs.length === 0 || outputs.length === 0)
      unsigned.set(fact.name, 'its config.pbtxt declares no inputs or no outputs (its backend supplies them when Triton loads the model)');
    else if ([...inputs, ...outputs].some((t) => t === undefined))
      unsigned.set(fact.name, 'its config.pbtxt declares a tensor a signature cannot hold (its name or type)');
    else signatures.set(fact.name, { inputs: inputs as string[], outputs: outputs as string[] });
    const kinds = config.instanceGroups.map((g) => String(g.kind).replace(/^KIND_/, ''));
    if (kinds.length === 0 || kinds.some((k) => k !== 'CPU')) cpuOnly = false;
    const gpuGroups = config.instanceGroups.filter((g) => String(g.kind).replace(/^KIND_/, '') === 'GPU');
    if (gpuGroups.length || (fact.backend !== undefined && GPU_ONLY.has(fact.backend))) {
      gpuModels = [...gpuModels, fact.name];
      // Triton places `count` instances on each GPU a group lists: a replica needs the distinct GPUs listed.
      gpus = Math.max(gpus, new Set(gpuGroups.flatMap((g) => g.gpus ?? [])).size);
    } else if (fact.backend !== undefined && GPU_CAPABLE.has(fact.backend) && (kinds.length === 0 || kinds.includes('AUTO'))) {
      gpuCapable.push(fact.name);
    }
  }
  const variant = variantFor(backends.values());
  if (variant === undefined)
    return { ok: false, problems: [`${uri} mixes vllm and tensorrtllm models: no Triton image has both backends; split them into two releases`] };
  return {
    ok: true,
    description: {
      models: root.folders,
      signatures,
      unsigned,
      backends,
      variant,
      gpu: gpuModels.length ? { models: gpuModels, gpus } : undefined,
      cpuOnly,
      gpuCapable,
    },
  };
}

function modelProblems(fact: ModelFacts, folder: string): string[] {
  const problems: string[] = [];
  if (fact.config.state === 'missing') problems.push(`${folder}config.pbtxt does not exist`);
  if (fact.config.state === 'too-large')
    problems.push(`${folder}config.pbtxt is ${fact.config.size} bytes, more than a model configuration is read up to (1 MiB)`);
  if (fact.config.state === 'invalid') {
    const first = fact.config.problems[0];
    problems.push(`${folder}config.pbtxt${first ? `:${first.line}:${first.column}: ${plainText(first.message)}` : ' is not a valid model configuration'}`);
  }
  if (fact.config.state === 'ok' && fact.config.config.name !== undefined && fact.config.config.name !== fact.name)
    problems.push(`${folder}config.pbtxt declares another model name than its folder's`);
  if (fact.versions.length === 0) problems.push(`${folder} has no numeric version folder (such as ${folder}1/)`);
  else if (fact.missingFile) problems.push(`${folder}${fact.missingFile} does not exist; the ${fact.backend} backend loads it`);
  return problems;
}
