/**
 * `kind: Pipeline` — an inference graph: steps that call models of the environment (or models
 * local to the pipeline's own server), tensors wired from the pipeline's inputs and earlier steps.
 */
import { Type } from '@sinclair/typebox';
import { Defaulted, type Filled } from './defaults.ts';
import { Dictionary, DNS_LABEL_PATTERN, Envelope, MODEL_NAME_MAX } from './common.ts';
import { Auth, Autoscaling, Callers, Handover, Image, Repository, Resources, Slo, Traffic } from './model.ts';
import { Signatures, Tensor, TENSOR_NAME_PATTERN } from './tensor.ts';

/** `input.<TENSOR>` (the pipeline's input) or `<step>.<TENSOR>` (an earlier step's output). */
export const TENSOR_SOURCE_PATTERN = '^[a-z][-a-z0-9]*\\.[A-Za-z_][A-Za-z0-9_]*$';
export const STEP_NAME_PATTERN = '^[a-z][-a-z0-9]*$';

const Step = Type.Object(
  {
    name: Type.String({
      pattern: STEP_NAME_PATTERN,
      maxLength: 40,
      description: 'Step name, unique in the pipeline; `input` is reserved.',
      examples: ['transcribe'],
    }),
    model: Type.Optional(
      Type.String({
        pattern: DNS_LABEL_PATTERN,
        description: 'A model of this environment (its own Triton server, Deployment and GPU pool) that the step calls.',
        examples: ['whisper'],
      }),
    ),
    tritonModel: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
        description: "The Triton model to call inside that server; defaults to the model's only entry in `models`.",
        examples: ['whisper'],
      }),
    ),
    local: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
        description:
          "Instead of `model`: a Triton model of the pipeline's own `localRepository`, run inside the pipeline server (CPU pre- and post-processing).",
        examples: ['preprocess'],
      }),
    ),
    inputs: Dictionary(TENSOR_NAME_PATTERN, Type.String({ pattern: TENSOR_SOURCE_PATTERN }), {
      minProperties: 1,
      description: "What feeds each input tensor of the step: `input.<NAME>` (the pipeline's input) or `<step>.<NAME>` (an output of another step).",
      examples: [{ AUDIO: 'input.AUDIO' }],
    }),
    timeoutSeconds: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        default: 60,
        description: 'How long the step may take before the pipeline request fails, naming the step.',
        examples: [120],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'One step of the pipeline.',
    examples: [{ name: 'transcribe', model: 'whisper', inputs: { AUDIO: 'input.AUDIO' } }],
  },
);

const Output = Type.Object(
  {
    ...Tensor.properties,
    from: Type.String({ pattern: TENSOR_SOURCE_PATTERN, description: 'The step output this pipeline output is: `<step>.<NAME>`.', examples: ['draw.IMAGE'] }),
  },
  {
    additionalProperties: false,
    description: 'An output of the pipeline.',
    examples: [{ name: 'IMAGE', datatype: 'UINT8', shape: [-1, -1, 3], from: 'draw.IMAGE' }],
  },
);

export const PipelineSpec = Type.Object(
  {
    image: Defaulted({ ...Image, default: 'nvcr.io/nvidia/tritonserver:24.10-py3' } as typeof Image),
    localRepository: Type.Optional({
      ...Repository,
      description: "Model repository (in the environment's S3) of the pipeline's `local` steps.",
    } as typeof Repository),
    signatures: Type.Optional(Signatures('Inputs and outputs of the `local` Triton models, by name.')),
    inputs: Type.Array(Tensor, { minItems: 1, description: 'Input tensors of the pipeline.', examples: [[{ name: 'AUDIO', datatype: 'FP32', shape: [-1] }]] }),
    outputs: Type.Array(Output, { minItems: 1, description: 'Output tensors of the pipeline, each an output of a step.', examples: [] }),
    steps: Type.Array(Step, {
      minItems: 1,
      maxItems: 64,
      description: 'The steps. Order is free: Triton runs each as soon as its inputs are there.',
      examples: [],
    }),
    concurrency: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: 256,
        default: 8,
        description: 'Requests each step of one replica sends at once (Python backend instances).',
        examples: [16],
      }),
    ),
    replicas: Defaulted(
      Type.Integer({ minimum: 0, maximum: 1000, default: 1, description: 'Replicas of the pipeline server, when it does not autoscale.', examples: [2] }),
    ),
    autoscaling: Type.Optional(Autoscaling),
    handover: Type.Optional(Handover),
    resources: Defaulted(Resources({ cpu: '2', memory: '4Gi', shm: '1Gi' })),
    auth: Defaulted(Auth),
    callers: Type.Optional(Callers),
    traffic: Defaulted(Traffic),
    slo: Defaulted(Slo),
  },
  { additionalProperties: false, description: 'The inference graph.', examples: [] },
);

export const PipelineSchema = Envelope('Pipeline', PipelineSpec, {
  description: 'A pipeline: models chained by their tensors, served as one endpoint by a small CPU-only Triton server.',
  nameMaxLength: MODEL_NAME_MAX,
  nameExample: 'speech-to-image',
});

/**
 * What `tritonops promote` copies from the source environment's pipeline (docs/promotion.md): the
 * server's release and the graph it runs. Every other field of `PipelineSpec` is the target's own
 * (`PIPELINE_TARGET_FIELDS`); a test checks that each field is in exactly one of the two lists.
 */
export const PIPELINE_PROMOTED_FIELDS = ['image', 'localRepository', 'signatures', 'inputs', 'outputs', 'steps'] as const;
/** Fields of a pipeline each environment decides for itself: scale, resources, traffic, access, objectives. */
export const PIPELINE_TARGET_FIELDS = ['concurrency', 'replicas', 'autoscaling', 'handover', 'resources', 'auth', 'callers', 'traffic', 'slo'] as const;

export type PipelineSpec = Filled<typeof PipelineSpec>;
export type Pipeline = Filled<typeof PipelineSchema>;
