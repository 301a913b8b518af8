/** `kind: Model` — one Triton server serving one model repository in one environment. */
import { Type } from '@sinclair/typebox';
import { Defaulted, type Filled } from './defaults.ts';
import { Signatures } from './tensor.ts';
import {
  DefaultedQuantity,
  Dictionary,
  DNS_LABEL_PATTERN,
  DURATION_PATTERN,
  ENV_NAME_PATTERN,
  Envelope,
  HEADER_VALUE_PATTERN,
  MODEL_NAME_MAX,
  Quantity,
  QUANTITY_PATTERN,
  SECRET_KEY_PATTERN,
  SECRET_NAME_PATTERN,
} from './common.ts';

/** Triton model names: directory names inside the model repository. */
export const TRITON_MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';

/** The release fields: what a canary may change and what promotion copies. */
export const Image = Type.String({
  pattern: '^[a-z0-9][-a-z0-9._/:]*[a-z0-9](:[-A-Za-z0-9._]+)?(@sha256:[a-f0-9]{64})?$',
  description: 'Triton server image. Pin a tag or a digest; the backend decides the variant (`-py3`, `-vllm-python-py3`, `-trtllm-python-py3`).',
  examples: ['nvcr.io/nvidia/tritonserver:24.10-py3'],
});

export const Repository = Type.String({
  pattern: '^s3://',
  description:
    "Triton model repository in the environment's S3: `s3://bucket/path`. A full `s3://https://host:port/bucket/path` is accepted when it names the environment's endpoint. Use a new path per release: the SFS cache keys on it.",
  examples: ['s3://models/whisper/2024-11-02'],
});

const TritonModels = Type.Array(Type.String({ pattern: TRITON_MODEL_NAME_PATTERN, maxLength: 128 }), {
  minItems: 1,
  uniqueItems: true,
  description:
    'Triton models of the repository to load. When set, Triton runs with `--model-control-mode=explicit` and loads only these; when absent it loads every model in the repository.',
  examples: [['densenet_onnx']],
});

/**
 * Local disk a server that downloads its repository from S3 requests when the spec names none:
 * Triton copies the whole repository into a temp dir of the container before loading it.
 */
export const S3_DOWNLOAD_EPHEMERAL_STORAGE = '20Gi';

/** What a pipeline server that runs no GPU model gets by default. */
export const Resources = (defaults: { cpu: string; memory: string; shm: string }) =>
  Type.Object(
    {
      cpu: DefaultedQuantity('CPU requested per replica.', ['4', '500m'], defaults.cpu),
      memory: DefaultedQuantity('Memory per replica (request and limit).', ['24Gi'], defaults.memory),
      shm: DefaultedQuantity('Size of `/dev/shm` (memory-backed; the Python backend and vLLM need it). Counts toward `memory`.', ['2Gi'], defaults.shm),
      ephemeralStorage: Type.Optional(
        Quantity(
          `Local disk of one replica (\`ephemeral-storage\` of the Triton container), at least 1Gi (write it in Gi, e.g. \`50Gi\`; a bare number counts bytes). A server that reads its repository from S3 itself (a model without \`cache: sfs\`, a pipeline server with a \`localRepository\`) downloads all of it into the container's temp dir first: unless this is set it requests ${S3_DOWNLOAD_EPHEMERAL_STORAGE}, a request only, so that the scheduler picks a node with room. Setting it makes it the request and also the limit: the kubelet evicts the pod when the disk use of the whole pod (the download, the logs, the Istio proxy's volume) passes it, so leave room beyond the repository. A server loading from the SFS cache requests none unless this sets it (its repository lives on the share).`,
          ['50Gi'],
        ),
      ),
    },
    {
      additionalProperties: false,
      default: {},
      description: 'CPU, memory and local disk of one replica.',
      examples: [{ cpu: '4', memory: '24Gi', shm: '2Gi' }],
    },
  );

const ARGS_DESCRIPTION =
  'Extra `tritonserver` flags, each as `--flag=value`. They are read as tritonserver reads them (an unambiguous prefix is the flag it abbreviates): unknown or ambiguous flags, and flags tritonops manages (repository, ports and addresses, metrics, model control, tracing, exit timeout), are rejected. `$(` must be written `$$(`: Kubernetes would replace `$(NAME)` with a variable of the container.';
const Args = (options: { default?: string[] }) =>
  Type.Array(Type.String({ pattern: '^--[a-z0-9][-a-z0-9_]*(=.*)?$' }), {
    ...options,
    description: ARGS_DESCRIPTION,
    examples: [['--log-verbose=1', '--backend-config=python,shm-default-byte-size=16777216']],
  });

const Duration = (description: string, example: string, defaultValue?: string) =>
  Type.String({ pattern: DURATION_PATTERN, description, examples: [example], ...(defaultValue ? { default: defaultValue } : {}) });

/** Envoy retry conditions Istio accepts in `retryOn`. */
export const RETRY_CONDITIONS = [
  'connect-failure',
  'refused-stream',
  'reset',
  'unavailable',
  'cancelled',
  'deadline-exceeded',
  'resource-exhausted',
  'internal',
  '5xx',
  'gateway-error',
  'retriable-4xx',
] as const;

export const Traffic = Type.Object(
  {
    timeout: Defaulted(
      Duration(
        'Longest time a request may take, end to end, before the caller gets 504. With `streaming` there is none, and writing one is an error.',
        '120s',
        '60s',
      ),
    ),
    streaming: Defaulted(
      Type.Boolean({
        default: false,
        description:
          "Long-lived responses: Triton's gRPC `ModelStreamInfer` (decoupled models, vLLM and TensorRT-LLM token streaming) and the HTTP `generate_stream` endpoint. The routes then carry no timeout, because a route timeout ends any response that lasts longer, stream or not; the proxies' stream idle timeout still ends a stream on which nothing moves. `retries.perTryTimeout` is refused with it (it would cut every stream at that age). A stream still open when its replica stops (a rollout, a scale-in, a node drain) is cut when Triton's exit timeout, inside `terminationGracePeriodSeconds`, runs out: raise that for streams that must not be cut, and have clients reconnect. Under `canary.analysis` only HTTP is routed (no gRPC `ModelStreamInfer`), and a pipeline with steps that call models answers once: `validate` warns about both.",
        examples: [true],
      }),
    ),
    retries: Defaulted(
      Type.Object(
        {
          attempts: Defaulted(
            Type.Integer({ minimum: 0, maximum: 10, default: 2, description: 'Retries after the first try; 0 turns retries off.', examples: [2] }),
          ),
          perTryTimeout: Type.Optional(Duration('Time limit of each try.', '30s')),
          retryOn: Defaulted(
            Type.Array(Type.Union(RETRY_CONDITIONS.map((c) => Type.Literal(c))), {
              minItems: 1,
              uniqueItems: true,
              default: ['connect-failure', 'refused-stream'],
              description:
                'When to retry. The default retries only requests that never reached Triton: inference is not idempotent for every model (stateful and generative models), so retry on errors only where it is.',
              examples: [['connect-failure', 'refused-stream', 'unavailable']],
            }),
          ),
        },
        { additionalProperties: false, default: {}, description: 'Retries by the Istio proxies.', examples: [{ attempts: 2 }] },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Routing of requests to this model.', examples: [{ timeout: '120s' }] },
);

export const Auth = Type.Object(
  {
    required: Defaulted(
      Type.Boolean({
        default: true,
        description:
          'Whether callers need a valid token (when the environment configures `auth.jwt`). `false` opts this model out explicitly; `validate` warns about it in production.',
        examples: [true],
      }),
    ),
    roles: Type.Optional(
      Type.Array(Type.String({ pattern: '^[^\\s]+$' }), {
        minItems: 1,
        uniqueItems: true,
        description:
          "Keycloak realm roles a caller needs, any of them (the token's `realm_access.roles`). Exact names: `*` is refused (Istio would read it as a wildcard).",
        examples: [['llm-users']],
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Who may call this model.', examples: [{ roles: ['llm-users'] }] },
);

const Analysis = Type.Object(
  {
    interval: Defaulted(
      Type.String({
        pattern: '^[0-9]+(s|m)$',
        default: '1m',
        description: 'How often Flagger checks the metrics and takes a step, in seconds or minutes (as Flagger takes it).',
        examples: ['1m'],
      }),
    ),
    threshold: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'Failed checks before Flagger rolls back.', examples: [5] })),
    stepWeight: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Traffic percent added to the canary per step.', examples: [5] })),
    maxWeight: Defaulted(
      Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Canary traffic percent at which Flagger promotes.', examples: [50] }),
    ),
    successRate: Defaulted(
      Type.Number({
        minimum: 0,
        maximum: 100,
        default: 99,
        description: "Lowest acceptable success rate in percent, from Triton's nv_inference_request_success / _failure.",
        examples: [99.5],
      }),
    ),
    maxQueueTimeMs: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        default: 100,
        description: 'Highest acceptable mean queue time per request in milliseconds (nv_inference_queue_duration_us).',
        examples: [50],
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "Progressive delivery by Flagger instead of static weights: on every release change Flagger shifts traffic step by step while Triton's own metrics stay healthy, and rolls back when they do not. Flagger then owns the model's VirtualService and DestinationRules.",
    examples: [{ stepWeight: 10, maxWeight: 50, successRate: 99 }],
  },
);

const Bounds = {
  minReplicas: Type.Integer({ minimum: 0, maximum: 1000, default: 1, description: 'Fewest replicas; 0 only with `scaleToZero`.', examples: [1] }),
  maxReplicas: Type.Integer({ minimum: 1, maximum: 1000, description: 'Most replicas; GPU capacity is planned against this.', examples: [4] }),
};

const Triggers = Type.Object(
  {
    queueTimeMs: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: "Target mean time a request waits in Triton's queue, in milliseconds (nv_inference_queue_duration_us over nv_inference_request_success).",
        examples: [50],
      }),
    ),
    gpuUtilization: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Target mean GPU utilisation of the replicas, in percent.', examples: [80] }),
    ),
    gpuUtilizationSource: Defaulted(
      Type.Union([Type.Literal('triton'), Type.Literal('dcgm')], {
        default: 'triton',
        description: "Where GPU utilisation comes from: Triton's `nv_gpu_utilization`, or the GPU operator's DCGM exporter (`DCGM_FI_DEV_GPU_UTIL`).",
        examples: ['dcgm'],
      }),
    ),
    inferencesPerSecond: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Target successful inferences per second per replica.', examples: [20] }),
    ),
    pendingRequests: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'Target requests waiting or executing per replica (nv_inference_pending_request_count).',
        examples: [8],
      }),
    ),
    gpuMemoryUtilization: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        description: 'Target GPU memory in use, in percent (nv_gpu_memory_used_bytes / nv_gpu_memory_total_bytes).',
        examples: [85],
      }),
    ),
    timeToFirstTokenMs: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          "LLM backends: target time to first token in milliseconds at `timeToFirstTokenQuantile`, from Triton's nv_inference_first_response_histogram_ms (enables Triton's latency histograms).",
        examples: [500],
      }),
    ),
    timeToFirstTokenQuantile: Defaulted(
      Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.9, description: 'Quantile of `timeToFirstTokenMs`.', examples: [0.95] }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'What to scale on; at least one. Each becomes a KEDA Prometheus trigger scoped to the pods of one track; the replica count follows the most demanding.',
    examples: [{ queueTimeMs: 50 }],
  },
);

/** Namespaces whose pods may call a model over the mesh, besides its own and the ingress gateway's. */
export const Callers = Type.Object(
  {
    namespaces: Type.Array(Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 63 }), {
      minItems: 1,
      uniqueItems: true,
      description:
        "Namespaces whose pods may call this server on its HTTP and gRPC ports (8000, 8001). Their pods must be in the mesh (STRICT mTLS) and, when auth is required, send a token like any caller; when none is (no `auth.jwt` in the environment, or `auth.required: false`), any of their pods may call it, which `validate` warns about (an error in production). The platform's namespaces (`kube-*`, `flux-system`, `istio-system`, `keda`, `gpu-operator`) run no callers in the mesh and are warned about.",
      examples: [['search', 'batch-jobs']],
    }),
  },
  {
    additionalProperties: false,
    description:
      "Who else inside the cluster may call this server. The environment's NetworkPolicy admits only the ingress gateway, the environment's own namespace and monitoring; each namespace listed here is admitted by a NetworkPolicy of this server's own (`<name>-callers`), on the serving ports only.",
    examples: [{ namespaces: ['search'] }],
  },
);

/** The first step of a change the cluster takes in two steps; see docs/transitions.md. */
export const Handover = Type.Boolean({
  description:
    "Marks the steps of a change the cluster must take in several pull requests: turning `autoscaling` on for a running model with more than one replica, or turning `canary.analysis` on or off. While it is set, Flux leaves the running Deployment as it is, tritonops keeps its own Service and routes beside Flagger's, and what Flagger needs to hand a model back stays, so that the autoscaler or Flagger can take over (or give back) without a drop in replicas. `tritonops diff` says which step is next and when to remove it; docs/transitions.md has the plans.",
  examples: [true],
});

export const Autoscaling = Type.Object(
  {
    minReplicas: Defaulted(Bounds.minReplicas),
    maxReplicas: Bounds.maxReplicas,
    triggers: Triggers,
    pollingIntervalSeconds: Defaulted(
      Type.Integer({ minimum: 5, maximum: 600, default: 15, description: 'How often KEDA evaluates the triggers.', examples: [15] }),
    ),
    scaleDownStabilizationSeconds: Defaulted(
      Type.Integer({
        minimum: 0,
        maximum: 3600,
        default: 600,
        description: 'How long the load must stay low before replicas are removed: a GPU replica takes minutes to come back.',
        examples: [900],
      }),
    ),
    fallbackReplicas: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description:
          'Replicas to run when Prometheus cannot be reached. KEDA supports this only for per-replica triggers (`inferencesPerSecond`, `pendingRequests`).',
        examples: [2],
      }),
    ),
    scaleToZero: Type.Optional(
      Type.Object(
        {
          idleSeconds: Defaulted(
            Type.Integer({
              minimum: 60,
              maximum: 86400,
              default: 900,
              description: 'Seconds without requests before the last replica is removed.',
              examples: [1800],
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "Opt in to zero replicas when idle (needs `minReplicas: 0`). A request to an idle model wakes it through the gateway's request metrics, but fails with 503 until a replica has loaded the model, which takes minutes: for development and batch models only.",
          examples: [{ idleSeconds: 1800 }],
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      "Autoscaling by KEDA on Triton's own metrics. The Deployment then carries no replica count (`replicas` is ignored, except during a `handover`), so Flux syncs never reset it.",
    examples: [{ minReplicas: 1, maxReplicas: 4, triggers: { queueTimeMs: 50 } }],
  },
);

const CanaryAutoscaling = Type.Object(
  { minReplicas: Defaulted(Bounds.minReplicas), maxReplicas: Bounds.maxReplicas },
  {
    additionalProperties: false,
    description:
      "Bounds of the canary track's own autoscaling (the model's triggers, on the canary's pods). Without it an autoscaled model's canary runs `replicas`.",
    examples: [{ minReplicas: 1, maxReplicas: 2 }],
  },
);

export const Slo = Type.Object(
  {
    successRate: Defaulted(
      Type.Number({
        minimum: 0,
        maximum: 100,
        default: 99,
        description: 'Percent of inferences that must succeed; below it, for 5 minutes, an alert fires.',
        examples: [99.5],
      }),
    ),
    queueTimeMs: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        default: 200,
        description: 'Mean queue time per request above which, for 10 minutes, an alert fires.',
        examples: [100],
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Service level the alerts hold the model to.', examples: [{ successRate: 99.5, queueTimeMs: 100 }] },
);

export const Tracing = Type.Object(
  {
    samplingPercent: Type.Number({ minimum: 0, maximum: 100, description: 'Percent of requests traced, overriding the environment default.', examples: [10] }),
  },
  { additionalProperties: false, description: 'Tracing of this model.', examples: [{ samplingPercent: 10 }] },
);

const Canary = Type.Object(
  {
    image: Type.Optional(Image),
    repository: Type.Optional(Repository),
    models: Type.Optional(TritonModels),
    args: Type.Optional(Args({})),
    replicas: Defaulted(Type.Integer({ minimum: 0, maximum: 1000, default: 1, description: 'Replicas of the canary track.', examples: [1] })),
    weight: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100, description: 'Percent of the traffic the canary receives; the stable track gets the rest.', examples: [10] }),
    ),
    header: Type.Optional(
      Dictionary('^[a-z0-9][-a-z0-9_]*$', Type.String({ pattern: HEADER_VALUE_PATTERN, maxLength: 256 }), {
        minProperties: 1,
        maxProperties: 1,
        description:
          'A request header (lowercase name, visible ASCII value) that sends a request to the canary whatever the weight: for testers. Headers every request carries for other reasons (`content-type`, `authorization`, `x-forwarded-*`, …) are refused.',
        examples: [{ 'x-canary': 'true' }],
      }),
    ),
    mirror: Type.Optional(
      Type.Object(
        {
          percent: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Percent of the requests copied to the canary.', examples: [100] }),
        },
        {
          additionalProperties: false,
          description: 'Shadow traffic: the canary receives a copy of requests and its responses are dropped.',
          examples: [{ percent: 100 }],
        },
      ),
    ),
    analysis: Type.Optional(Analysis),
    autoscaling: Type.Optional(CanaryAutoscaling),
  },
  {
    additionalProperties: false,
    description:
      'A second track. With `weight`/`header`/`mirror`, the canary runs its own release (any of `image`, `repository`, `models`, `args`; the rest is inherited) beside the stable one, and `tritonops canary promote` makes it the stable release. With `analysis`, Flagger drives the rollout of every release change instead.',
    examples: [{ repository: 's3://models/whisper/2024-11-20', weight: 10, header: { 'x-canary': 'true' } }],
  },
);

/** One variable of `secretEnv`: a key of a Secret the environment declares. */
const SecretKeyRef = Type.Object(
  {
    secret: Type.String({
      pattern: SECRET_NAME_PATTERN,
      maxLength: 253,
      description: 'Name of the Secret: one that environment.yaml declares under `secrets.declared` (a model reaches no other Secret of the namespace).',
      examples: ['hf-token'],
    }),
    key: Type.String({
      pattern: SECRET_KEY_PATTERN,
      maxLength: 253,
      description: 'Key inside the Secret: one of the `keys` environment.yaml declares for it.',
      examples: ['token'],
    }),
  },
  { additionalProperties: false, description: 'Where the value comes from.', examples: [{ secret: 'hf-token', key: 'token' }] },
);

const SecretEnv = Dictionary(ENV_NAME_PATTERN, SecretKeyRef, {
  minProperties: 1,
  description:
    "Environment variables of the Triton container (every track, the canary's too) whose values come from Secrets, rendered as `valueFrom.secretKeyRef`: the spec names the Secret and its key, never the value. Only Secrets and keys that environment.yaml declares under `secrets.declared` may be named (the platform team decides what models may read; the S3, TLS and Git credentials never); the variables follow the rules of `env` (no `AWS_*`, proxies, loader or Python variables, none that tritonops sets) and may not also be in `env`. How the Secrets reach the cluster: docs/secrets.md.",
  examples: [{ HF_TOKEN: { secret: 'hf-token', key: 'token' } }],
});

export const ModelSpec = Type.Object(
  {
    image: Image,
    repository: Repository,
    models: Type.Optional(TritonModels),
    args: Defaulted(Args({ default: [] })),
    env: Defaulted(
      Dictionary('^[A-Za-z_][A-Za-z0-9_]*$', Type.String(), {
        default: {},
        description:
          'Plain environment variables for the Triton container. Never credentials: name those in `secretEnv`. Variables that would redirect the model repository or what code runs are refused (`AWS_*`, `TRITON_AWS_*`, proxies, TLS trust stores, `LD_*`, `PYTHON*`, `PATH`), and `$(` must be written `$$(`.',
        examples: [{ TRANSFORMERS_OFFLINE: '1' }],
      }),
    ),
    secretEnv: Type.Optional(SecretEnv),
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
    replicas: Defaulted(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        default: 1,
        description: 'Number of Triton replicas, when the model does not autoscale.',
        examples: [2],
      }),
    ),
    resources: Defaulted(Resources({ cpu: '2', memory: '8Gi', shm: '1Gi' })),
    cache: Defaulted(
      Type.Union([Type.Literal('none'), Type.Literal('sfs')], {
        default: 'none',
        description:
          "`sfs`: copy the repository once into the environment's SFS share and load it from there (replicas after the first start without downloading). `none`: every replica downloads from S3 itself.",
        examples: ['sfs'],
      }),
    ),
    startupTimeoutSeconds: Defaulted(
      Type.Integer({
        minimum: 30,
        maximum: 7200,
        default: 900,
        description: 'How long a replica may take to download and load its models before it is restarted.',
        examples: [1800],
      }),
    ),
    signatures: Type.Optional(
      Signatures('Inputs and outputs of the Triton models this server loads, by Triton model name: what pipelines check their tensors against.'),
    ),
    gpuMemory: Type.Optional(
      Type.Union([Type.String({ pattern: QUANTITY_PATTERN }), Type.Number({ exclusiveMinimum: 0 })], {
        description: 'GPU memory one replica needs; checked against the memory of the units it gets from its pool.',
        examples: ['14Gi'],
      }),
    ),
    autoscaling: Type.Optional(Autoscaling),
    handover: Type.Optional(Handover),
    slo: Defaulted(Slo),
    tracing: Type.Optional(Tracing),
    traffic: Defaulted(Traffic),
    auth: Defaulted(Auth),
    callers: Type.Optional(Callers),
    canary: Type.Optional(Canary),
    terminationGracePeriodSeconds: Defaulted(
      Type.Integer({
        minimum: 15,
        maximum: 3600,
        default: 60,
        description: 'Time a replica gets to finish in-flight requests when it stops (part of it waits for the endpoint removal to propagate).',
        examples: [120],
      }),
    ),
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

/** The fields of a model that make its release: what a canary may change and a promotion moves. */
export const RELEASE_FIELDS = ['image', 'repository', 'models', 'args'] as const;

/**
 * What `tritonops promote` copies from the source environment's model (docs/promotion.md): the
 * release and the tensors it serves. Every other field of `ModelSpec` is the target's own
 * (`MODEL_TARGET_FIELDS`); a test checks that each field is in exactly one of the two lists.
 */
export const MODEL_PROMOTED_FIELDS = [...RELEASE_FIELDS, 'signatures'] as const;
/** Fields of a model each environment decides for itself: placement, scale, traffic, canary, access, objectives. */
export const MODEL_TARGET_FIELDS = [
  'env',
  'secretEnv',
  'gpuPool',
  'gpus',
  'gpuMemory',
  'replicas',
  'resources',
  'cache',
  'startupTimeoutSeconds',
  'autoscaling',
  'handover',
  'slo',
  'tracing',
  'traffic',
  'auth',
  'callers',
  'canary',
  'terminationGracePeriodSeconds',
] as const;
export type CanarySpec = Filled<typeof Canary>;
export type AutoscalingSpec = Filled<typeof Autoscaling>;
export type AuthSpec = Filled<typeof Auth>;
export type CallersSpec = Filled<typeof Callers>;
export type SecretEnvSpec = Filled<typeof SecretEnv>;
export type Model = Filled<typeof ModelSchema>;
