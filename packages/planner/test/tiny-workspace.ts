/** Small repositories written to a temp folder and run through the whole front half (planRepository). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { planRepository, type LoadOptions, type RepositoryPlanResult } from '../src/index.ts';

export const environment = (
  name: string,
  extra = '',
  pools = 't4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 1, maxNodes: 4, gpuMemory: 16Gi }',
) => `apiVersion: tritonops.dev/v1alpha1
kind: Environment
metadata: { name: ${name} }
spec:
  namespace: inference
  git: { url: ssh://git@git.example.com/acme/platform.git }
  gpuPools:
    ${pools}
  s3: { endpoint: "https://s3.example.com:443", region: ru-1, credentialsSecret: s3-model-reader }
  gateway: { domain: inference.example.com, tlsSecret: inference-tls }
  sfs: { server: 10.0.0.2, path: /shares/cache, size: 100Gi }
${extra}`;

export const model = (name: string, spec: string) => `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: ${name} }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/${name}/v1
${spec}`;

/** Writes `files` (repository-relative path → text) and loads the workspace; paths in diagnostics are repository-relative. */
export function workspace(files: Record<string, string>, only?: string[], options: Pick<LoadOptions, 'history' | 'gateBase'> = {}): RepositoryPlanResult {
  const root = mkdtempSync(join(tmpdir(), 'tritonops-spec-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return planRepository({ ...options, root, displayBase: root, ...(only ? { only } : {}) });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** One environment `test` with these models. */
export function withModels(models: Record<string, string>, env = environment('test')): RepositoryPlanResult {
  return workspace({
    'environments/test/environment.yaml': env,
    ...Object.fromEntries(Object.entries(models).map(([name, spec]) => [`environments/test/models/${name}.yaml`, model(name, spec)])),
  });
}

/** `file:line:col: severity: message` of every diagnostic, with its hint. */
export const shown = (r: RepositoryPlanResult) =>
  r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}${d.hint ? ` [${d.hint}]` : ''}`);

/** A model with a signature, for pipelines to call: `asr`, on pool t4. */
export const ASR_MODEL = `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: asr }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-py3
  repository: s3://models/asr/v1
  gpuPool: t4
  signatures:
    asr:
      inputs: [{ name: data_0, datatype: FP32, shape: [3] }]
      outputs: [{ name: fc6_1, datatype: FP32, shape: [10] }]
`;

/** A three-step pipeline `chain`: a local pre-processing step, `asr`, a local post-processing step. */
export const chainPipeline = (classifyStep = '{ name: classify, model: asr, inputs: { data_0: pre.PIXELS } }') => `apiVersion: tritonops.dev/v1alpha1
kind: Pipeline
metadata: { name: chain }
spec:
  localRepository: s3://models/chain/v1
  inputs: [{ name: IMAGE, datatype: BYTES, shape: [1] }]
  outputs: [{ name: LABELS, datatype: BYTES, shape: [5], from: post.LABELS }]
  steps:
    - { name: pre, local: pre, inputs: { IMAGE: input.IMAGE } }
    - ${classifyStep}
    - { name: post, local: post, inputs: { SCORES: classify.fc6_1 } }
  signatures:
    pre:
      inputs: [{ name: IMAGE, datatype: BYTES, shape: [1] }]
      outputs: [{ name: PIXELS, datatype: FP32, shape: [3] }]
    post:
      inputs: [{ name: SCORES, datatype: FP32, shape: [10] }]
      outputs: [{ name: LABELS, datatype: BYTES, shape: [5] }]
`;

/** The rest of a pipeline spec with one local step, `post`, after its other fields. */
export const LOCAL_PIPELINE_STEPS = `  inputs: [{ name: IMAGE, datatype: BYTES, shape: [1] }]
  outputs: [{ name: LABELS, datatype: BYTES, shape: [5], from: post.LABELS }]
  steps:
    - { name: post, local: post, inputs: { SCORES: input.IMAGE } }
  signatures:
    post:
      inputs: [{ name: SCORES, datatype: BYTES, shape: [1] }]
      outputs: [{ name: LABELS, datatype: BYTES, shape: [5] }]
`;
