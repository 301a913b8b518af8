/** `kind: Model` — one Triton server serving one model repository in one environment. */
import { Type } from '@sinclair/typebox';
import { Defaulted, type Filled } from './defaults.ts';
import { DefaultedQuantity, Dictionary, DNS_LABEL_PATTERN, Envelope, MODEL_NAME_MAX } from './common.ts';

/** Triton model names: directory names inside the model repository. */
export const TRITON_MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';

export const ModelSpec = Type.Object(
  {
    image: Type.String({
      pattern: '^[a-z0-9][-a-z0-9._/:]*[a-z0-9](:[-A-Za-z0-9._]+)?(@sha256:[a-f0-9]{64})?$',
      description:
        'Triton server image. Pin a tag or a digest; the backend decides the variant (`-py3`, `-vllm-python-py3`, `-trtllm-python-py3`).',
      examples: ['nvcr.io/nvidia/tritonserver:24.10-py3'],
    }),
    repository: Type.String({
      pattern: '^s3://',
      description:
        'Triton model repository in the environment\'s S3: `s3://bucket/path`. A full `s3://https://host:port/bucket/path` is accepted when it names the environment\'s endpoint. Use a new path per release: the SFS cache keys on it.',
      examples: ['s3://models/whisper/2024-11-02'],
    }),
    models: Type.Optional(
      Type.Array(Type.String({ pattern: TRITON_MODEL_NAME_PATTERN, maxLength: 128 }), {
        minItems: 1,
        uniqueItems: true,
        description:
          'Triton models of the repository to load. When set, Triton runs with `--model-control-mode=explicit` and loads only these; when absent it loads every model in the repository.',
        examples: [['densenet_onnx']],
      }),
    ),
    args: Defaulted(Type.Array(Type.String({ pattern: '^--[a-z0-9][-a-z0-9_]*(=.*)?$' }), {
      default: [],
      description:
        'Extra `tritonserver` flags, each as `--flag=value`. Flags tritonops manages (repository, ports, metrics, model control) are rejected.',
      examples: [['--log-verbose=1', '--backend-config=python,shm-default-byte-size=16777216']],
    })),
    env: Defaulted(Dictionary('^[A-Za-z_][A-Za-z0-9_]*$', Type.String(), {
      default: {},
      description:
        'Plain environment variables for the Triton container. Never credentials: those live in Secrets named in environment.yaml.',
      examples: [{ TRANSFORMERS_OFFLINE: '1' }],
    })),
    gpuPool: Type.Optional(
      Type.String({
        pattern: DNS_LABEL_PATTERN,
        description: 'GPU pool of the environment to run on. Omit for a CPU-only model.',
        examples: ['t4'],
      }),
    ),
    gpus: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 64,
        description: "Units of the pool's GPU resource per replica (at most the pool's `gpusPerNode`). Defaults to 1 with a `gpuPool`.",
        examples: [1],
      }),
    ),
    replicas: Defaulted(Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 1,
      description: 'Number of Triton replicas.',
      examples: [2],
    })),
    resources: Defaulted(Type.Object(
      {
        cpu: DefaultedQuantity('CPU requested per replica.', ['4', '500m'], '2'),
        memory: DefaultedQuantity('Memory per replica (request and limit).', ['24Gi'], '8Gi'),
        shm: DefaultedQuantity(
          'Size of `/dev/shm` (memory-backed; the Python backend and vLLM need it). Counts toward `memory`.',
          ['2Gi'],
          '1Gi',
        ),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'CPU and memory of one replica.',
        examples: [{ cpu: '4', memory: '24Gi', shm: '2Gi' }],
      },
    )),
    cache: Defaulted(Type.Union([Type.Literal('none'), Type.Literal('sfs')], {
      default: 'none',
      description:
        '`sfs`: copy the repository once into the environment\'s SFS share and load it from there (replicas after the first start without downloading). `none`: every replica downloads from S3 itself.',
      examples: ['sfs'],
    })),
    startupTimeoutSeconds: Defaulted(Type.Integer({
      minimum: 30,
      maximum: 7200,
      default: 900,
      description: 'How long a replica may take to download and load its models before it is restarted.',
      examples: [1800],
    })),
    terminationGracePeriodSeconds: Defaulted(Type.Integer({
      minimum: 15,
      maximum: 3600,
      default: 60,
      description:
        'Time a replica gets to finish in-flight requests when it stops (part of it waits for the endpoint removal to propagate).',
      examples: [120],
    })),
  },
  {
    additionalProperties: false,
    description: 'How this model is served.',
    examples: [],
  },
);

export const ModelSchema = Envelope('Model', ModelSpec, {
  description: 'A model: one Triton server, its release (image and repository) and its placement.',
  nameMaxLength: MODEL_NAME_MAX,
  nameExample: 'whisper',
});

/** Validated data, defaults filled in. */
export type ModelSpec = Filled<typeof ModelSpec>;
export type Model = Filled<typeof ModelSchema>;
