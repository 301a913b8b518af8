/**
 * The plan types: the contract between the planner and the charts. A plan is a validated
 * environment and its models with every default applied and every reference resolved, so that
 * the charts render without making decisions of their own. `planEnvironment`
 * (`./environment.ts`) builds them; nothing else writes them.
 *
 * Where a plan type is a block of the spec field for field, it is derived from the schema's type
 * (the field descriptions are then the schema's: `docs/spec-reference.md`, generated from the schema); the
 * rest are written out here, each field with what it is, its unit, and who sets it.
 */
import type { AutoscalingSpec, CanarySpec, EnvironmentSpec, ModelSpec, PlatformChart } from '@tritonops/spec';
import type { PipelineGraph } from './pipeline-graph.ts';
import type { S3Endpoint, S3Location } from '../values/s3.ts';
import type { SopsValue } from '../load/sops-secrets.ts';

/** A Kubernetes pod toleration, as the charts write it into a pod spec. */
export interface Toleration {
  /** Taint key it tolerates, e.g. `nvidia.com/gpu`. */
  readonly key: string;
  /** `Exists` tolerates the key with any value; `Equal` only with `value`. */
  readonly operator: 'Equal' | 'Exists';
  /** Taint value to match; only with `Equal`. */
  readonly value?: string;
  /** Taint effect it tolerates. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** Where one replica of a GPU model runs and what it claims: resolved from the model's `gpuPool`. */
export interface GpuPlacement {
  /** Name of the environment's GPU pool (a key of `EnvironmentPlan.gpuPools`). */
  readonly pool: string;
  /** Extended resource name, e.g. `nvidia.com/gpu` or `nvidia.com/mig-3g.40gb`. */
  readonly resource: string;
  /** Units of `resource` one replica requests (the spec's `gpus`, default 1). */
  readonly count: number;
  /** The pool's node selector (with the device-plugin config label for time-sliced pools). */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** `GPU_TOLERATION` first, then the pool's own tolerations. */
  readonly tolerations: readonly Toleration[];
}

/** One GPU pool of the environment, as the capacity check and the GPU operator's config see it. */
export interface GpuPoolPlan {
  /** Labels that select the pool's nodes; a time-sliced pool adds `DEVICE_PLUGIN_CONFIG_LABEL`. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Extended resource the pool offers; `TIME_SLICED_RESOURCE` when it is time-sliced. */
  readonly resource: string;
  /** Units of `resource` per node: GPUs, MIG slices, or the shares of a time-sliced pool. */
  readonly gpusPerNode: number;
  /** Most nodes the pool grows to: GPU capacity is planned against `maxNodes × gpusPerNode`. */
  readonly maxNodes: number;
  /** Memory of one physical GPU (or MIG slice), as a normalised quantity, e.g. `80Gi`. */
  readonly gpuMemory: string;
  /** Pods per physical GPU when the pool is time-sliced. */
  readonly timeSlicingReplicas?: number;
  /** Tolerations the pool's nodes need besides `GPU_TOLERATION`; empty when none. */
  readonly tolerations: readonly Toleration[];
}

/** Where a release lives in the SFS cache (`cache: sfs`), and what the sync job copies into it. */
export interface ModelCachePlan {
  /** Path of this release inside the share: `repositories/<host>/<bucket>/<prefix>`. */
  readonly key: string;
  /** Short, stable name for staging directories. */
  readonly digest: string;
  /** `s3://bucket/prefix/` for the AWS CLI. */
  readonly source: string;
}

/** What a track runs: the release fields of a model (or of its canary, inheriting the rest). */
export interface ReleasePlan {
  /** Triton container image, as the spec writes it. */
  readonly image: string;
  /** Absent for a pipeline server without local models: its repository is generated. */
  readonly repository?: S3Location;
  /** What Triton's `--model-repository` points at when it reads S3 directly. */
  readonly repositoryUri?: string;
  /** Models Triton loads (`--load-model`, explicit model control); absent: every model in the repository. */
  readonly tritonModels?: readonly string[];
  /** Extra `tritonserver` flags from the spec (checked by the triton-flags check), in order. */
  readonly args: readonly string[];
  /** Present when the model loads from the SFS cache. */
  readonly cache?: ModelCachePlan;
}

/** A model's Deployments: the stable one, and a static canary beside it. */
export type TrackName = 'stable' | 'canary';

/** One Deployment of a model: its release and its replica count or bounds. */
export interface TrackPlan {
  /** Which track this is; also the value of the charts' track label. */
  readonly track: TrackName;
  /**
   * The stable track's Deployment is named after the model and keeps that name for life, so a
   * promotion is a rolling update of it; the canary's is `<model>-canary`.
   */
  readonly deploymentName: string;
  /** Fixed replica count; ignored when `autoscale` is set, except during a handover. */
  readonly replicas: number;
  /**
   * Bounds of this track's autoscaling, when it autoscales (the canary only with its own
   * `canary.autoscaling`); during a handover from `replicas`, raised above it (`handoverBounds`).
   */
  readonly autoscale?: { readonly minReplicas: number; readonly maxReplicas: number };
  /** What the track's pods run. */
  readonly release: ReleasePlan;
}

/**
 * What KEDA scales on; the thresholds the spec set. Field for field the spec's
 * `autoscaling.triggers` (with `gpuUtilizationSource` and `timeToFirstTokenQuantile` defaulted);
 * each field's unit and meaning is the schema's description.
 */
export type TriggersPlan = AutoscalingSpec['triggers'];

/** KEDA autoscaling of a model: what it scales on and how fast; the bounds are per track (`TrackPlan.autoscale`). */
export interface AutoscalingPlan {
  /** The thresholds; the charts make one KEDA Prometheus trigger per threshold set. */
  readonly triggers: TriggersPlan;
  /** Seconds between KEDA's evaluations of the triggers. */
  readonly pollingIntervalSeconds: number;
  /** Seconds the load must stay low before the HPA removes replicas. */
  readonly scaleDownStabilizationSeconds: number;
  /** Replicas KEDA runs when Prometheus cannot be reached; absent: no fallback. */
  readonly fallbackReplicas?: number;
  /** Set when the model may scale to zero: seconds idle before it does. */
  readonly idleSeconds?: number;
}

/**
 * Where traces go and how many requests are traced: the environment's `tracing` block field for
 * field. On a model, `samplingPercent` is the model's own override when it sets one.
 */
export type TracingPlan = NonNullable<EnvironmentSpec['tracing']>;

/** Static canary routing (Istio weights), when the model has a canary track. */
export interface CanaryRouting {
  /** Percent to the canary; the stable track gets the rest. */
  readonly weight: number;
  /** Requests with this header (exact value) always go to the canary. */
  readonly header?: { readonly name: string; readonly value: string };
  /** Percent of the stable track's requests also mirrored to the canary (responses dropped). */
  readonly mirrorPercent?: number;
}

/**
 * Progressive delivery by Flagger: the spec's `canary.analysis` field for field, every default
 * applied (interval as Flagger takes it, `Ns`/`Nm`; weights and success rate in percent; queue
 * time in milliseconds).
 */
export type AnalysisPlan = NonNullable<CanarySpec['analysis']>;

/** How the mesh routes requests to a model: timeouts and retries of its routes. */
export interface TrafficPlan {
  /** Route timeout; absent for streaming servers, whose routes carry none. */
  readonly timeout?: string;
  /** The server streams responses (gRPC `ModelStreamInfer`, `generate_stream`). */
  readonly streaming: boolean;
  /**
   * Mesh retries: how many times a failed request is retried (0: never), the timeout of each attempt (a duration,
   * absent: the route's), and the Envoy conditions that trigger a retry.
   */
  readonly retries: { readonly attempts: number; readonly perTryTimeout?: string; readonly retryOn: readonly string[] };
}

/** CPU, memory and local disk of one replica, as quantities. */
export interface ResourcesPlan {
  /** CPU request of the Triton container (no limit), normalised, e.g. `4` or `500m`. */
  readonly cpu: string;
  /** Memory of the Triton container, request and limit alike, normalised, e.g. `16Gi`. */
  readonly memory: string;
  /** Size of the in-memory `/dev/shm` volume (Triton's Python backend and shared memory). */
  readonly shm: string;
  /**
   * `ephemeral-storage` of the Triton container, when it gets any: always a request (the
   * scheduler's room), a limit only when the spec sets the size, since the kubelet holds a pod's
   * whole disk use (the Istio proxy's logs and volume too) against the sum of its limits.
   */
  readonly ephemeralStorage?: { readonly request: string; readonly limit?: string };
}

/** A served model (or a pipeline's server): everything the charts render for it. */
export interface ModelPlan {
  /** The model's name (`metadata.name`): names its Deployment, Service, routes and files. */
  readonly name: string;
  /** Spec file the model came from, relative to the repository root (never to the working directory). */
  readonly sourcePath: string;
  /** The spec's `metadata.labels`, put on the model's objects after the environment's. */
  readonly labels: Readonly<Record<string, string>>;
  /** Why this model runs a release its source environment has not run (the promotion gate's override). */
  readonly promotionOverride?: string;
  /** Values the credentials scan flagged that the spec says are no secrets (`path: reason` lines), shown in diffs. */
  readonly notASecret?: string;
  /** Stable first, then the canary when there is one. */
  readonly tracks: readonly TrackPlan[];
  /** The tensors of each Triton model the spec declares (`signatures`, part of the release), for the change summary. */
  readonly signatures?: ModelSpec['signatures'];
  /** Static canary weights; absent without a canary track (and under `analysis`). */
  readonly routing?: CanaryRouting;
  /** Present when Flagger drives the rollouts; the model then has only the stable track. */
  readonly analysis?: AnalysisPlan;
  /** Timeouts and retries of the model's routes. */
  readonly traffic: TrafficPlan;
  /** Present when KEDA scales the model. */
  readonly autoscaling?: AutoscalingPlan;
  /**
   * The first step of a two-step change (docs/transitions.md): Flux leaves the running Deployments
   * as they are while KEDA's autoscaler or Flagger takes `spec.replicas` over, and under analysis
   * tritonops' own Service and routes stay beside Flagger's.
   */
  readonly handover?: true;
  /** A handover to the autoscaler from the count the spec writes (`replicas`): its bounds start above it. */
  readonly handoverFromReplicas?: true;
  /** GPU memory one replica needs, in bytes, when the spec says. */
  readonly gpuMemoryBytes?: number;
  /** What the alerts hold the model to: the spec's `slo`, every default applied (percent, milliseconds). */
  readonly slo: ModelSpec['slo'];
  /** Present when the environment traces: its collector, and the model's sampling percent. */
  readonly tracing?: TracingPlan;
  /**
   * Whether a valid token is required: the environment has JWT and the model did not opt out;
   * `roles`: Keycloak realm roles of which a caller needs any.
   */
  readonly auth: { readonly required: boolean; readonly roles?: readonly string[] };
  /** Extra environment variables of the Triton container, from the spec; empty for pipelines. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Variables of the Triton container (every track) read from a key of a Secret the environment
   * declares (`valueFrom.secretKeyRef`), by variable name; absent when the spec has none (pipelines never).
   */
  readonly secretEnv?: Readonly<Record<string, SecretKeyRefPlan>>;
  /** Absent for CPU-only models. */
  readonly gpu?: GpuPlacement;
  /** CPU, memory, shared memory and local disk of one replica. */
  readonly resources: ResourcesPlan;
  /** Namespaces besides its own and the gateway's whose pods may call it over the mesh. */
  readonly callers?: readonly string[];
  /** Seconds a replica may take to load its models before the startup probe gives up. */
  readonly startupTimeoutSeconds: number;
  /** Seconds a stopping replica gets to finish its requests (Triton's exit timeout fits inside). */
  readonly terminationGracePeriodSeconds: number;
}

/** A key of a Secret of the environment's namespace: where one `secretEnv` variable's value comes from. */
export interface SecretKeyRefPlan {
  /** Name of the Secret (declared under the environment's `secrets.declared`). */
  readonly secret: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/**
 * The Secrets models may read, and how they reach the cluster (docs/secrets.md): the spec's
 * `secrets` block, the delivery defaulted. With `external-secrets`, `store` is set.
 */
export interface SecretsPlan {
  /** `out-of-band`: nothing rendered; `sops`: the encrypted files are copied and Flux decrypts them; `external-secrets`: one ExternalSecret each. */
  readonly delivery: 'out-of-band' | 'sops' | 'external-secrets';
  /** ClusterSecretStore the ExternalSecrets read from (external-secrets only). */
  readonly store?: string;
  /** How often the operator reads the store again (a Go duration); absent: the operator's default. */
  readonly refreshInterval?: string;
  /** `sops`: the age public keys the files may be encrypted to (`secrets.sops.ageRecipients`), for the change summary. */
  readonly ageRecipients?: readonly string[];
  /** By Secret name, sorted: the keys models may name, and (external-secrets) the key in the store, the Secret's name when absent. */
  readonly declared: Readonly<Record<string, { readonly keys: readonly string[]; readonly remoteKey?: string }>>;
}

/**
 * One SOPS-encrypted Secret of `environments/<env>/secrets/`, as checked (load/sops-secrets.ts):
 * only the parsed fields, values still encrypted. The charts copy it into flux/.
 */
export interface SopsSecretPlan {
  /** The Secret's name (= its file name). */
  readonly name: string;
  /** `environments/<env>/secrets/<name>.yaml`, relative to the repository root. */
  readonly sourcePath: string;
  /** `metadata.labels` of the file, when it has any. */
  readonly labels?: Readonly<Record<string, string>>;
  /** SOPS ciphertexts (`ENC[AES256_GCM,…]`) by key. */
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
  /** SOPS' metadata block, as the file has it: what Flux needs to decrypt. */
  readonly sops: { readonly [key: string]: SopsValue };
}

/** A pipeline: its resolved graph, and the small CPU-only Triton server that runs it. */
export interface PipelinePlan {
  /** The steps, resolved against the environment's models and ordered (see `resolvePipeline`). */
  readonly graph: PipelineGraph;
  /** Served like a model: Deployment, Service, routes, auth, autoscaling, monitoring. */
  readonly server: ModelPlan;
  /** Instances of each remote step's Python model: requests one replica sends a step at once. */
  readonly concurrency: number;
  /** Where each remote step sends its requests: the model's Service, through the mesh. */
  readonly endpoints: Readonly<Record<string, string>>;
}

/** The environment's Istio ingress gateway: the spec's `gateway` block field for field. */
export type GatewayPlan = NonNullable<EnvironmentSpec['gateway']>;

/** JWT checks by the Istio sidecars: the spec's `auth.jwt` block field for field. */
export type JwtPlan = NonNullable<EnvironmentSpec['auth']>['jwt'];

/** The S3-compatible storage of the model repositories, and the Secret with its credentials. */
export interface S3Plan {
  /** The parsed `s3.endpoint`; absent for AWS S3 itself. */
  readonly endpoint?: S3Endpoint;
  /** The endpoint as a URL for the AWS CLI (`S3_ENDPOINT_URL`); present with `endpoint`. */
  readonly endpointUrl?: string;
  /** Region, given to Triton as `AWS_DEFAULT_REGION`. */
  readonly region: string;
  /** Name of the Secret in the environment's namespace that holds the credentials. */
  readonly credentialsSecret: string;
  /** Key of the access key id inside `credentialsSecret`. */
  readonly accessKeyIdKey: string;
  /** Key of the secret access key inside `credentialsSecret`. */
  readonly secretAccessKeyKey: string;
}

/** The SFS (NFS) share that caches model repositories for models with `cache: sfs`. */
export interface SfsPlan {
  /** NFS server of the share (address or host name). */
  readonly server: string;
  /** Exported path on the server. */
  readonly path: string;
  /** Size of the share, as a normalised quantity (the PersistentVolume's capacity). */
  readonly size: string;
  /** NFS mount options of the PersistentVolume. */
  readonly mountOptions: readonly string[];
  /** Image of the job that copies releases from S3 into the share (runs the AWS CLI). */
  readonly syncImage: string;
}

/** The Prometheus of kube-prometheus-stack: how long it keeps samples, and on what. */
export interface MonitoringPlan {
  /**
   * `retention`: how long samples are kept (a Prometheus duration); `retentionSize`: the most
   * disk they may take (a Prometheus size, e.g. `40GB`), when set.
   */
  readonly prometheus: {
    readonly retention: string;
    readonly retentionSize?: string;
    /** Absent: an emptyDir, lost on every restart. */
    readonly storage?: { readonly size: string; readonly storageClass?: string };
  };
}

/** One environment: its cluster-wide settings, and its models and pipelines. */
export interface EnvironmentPlan {
  /** The environment's name (`metadata.name`, its folder under `environments/`). */
  readonly name: string;
  /** `environments/<name>/environment.yaml`, relative to the repository root. */
  readonly sourcePath: string;
  /** Kubernetes namespace the models and pipelines run in. */
  readonly namespace: string;
  /** Extra labels of that namespace, from the spec. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** The spec's `metadata.labels`, put on every object of the environment. */
  readonly labels: Readonly<Record<string, string>>;
  /** The environment file's own credentials-scan allowances (see ModelPlan.notASecret). */
  readonly notASecret?: string;
  /** The environment whose releases this one runs after them (the promotion gate's source). */
  readonly promotedFrom?: string;
  /** Where Flux syncs the environment from: the spec's `git` block field for field. */
  readonly git: EnvironmentSpec['git'];
  /** Sorted by name. */
  readonly gpuPools: Readonly<Record<string, GpuPoolPlan>>;
  /** Object storage of the model repositories. */
  readonly s3: S3Plan;
  /** Present when the environment has an SFS cache share. */
  readonly sfs?: SfsPlan;
  /** Present when models are exposed through an ingress gateway. */
  readonly gateway?: GatewayPlan;
  /** Present when requests must carry a JWT (the spec's `auth.jwt`). */
  readonly jwt?: JwtPlan;
  /** Present when the environment traces; the environment's default sampling. */
  readonly tracing?: TracingPlan;
  /** Prometheus retention and storage. */
  readonly monitoring: MonitoringPlan;
  /** Present when the environment declares Secrets for models (`secrets`). */
  readonly secrets?: SecretsPlan;
  /** With `secrets.delivery: sops`: the encrypted Secrets, sorted by name (never part of `EnvironmentCore`). */
  readonly sopsSecrets?: readonly SopsSecretPlan[];
  /** Helm chart version of each platform chart: the spec's `platform.charts`, tritonops' pinned default where it names none. */
  readonly platformCharts: Readonly<Record<PlatformChart, string>>;
  /** Sorted by name. */
  readonly models: readonly ModelPlan[];
  /** Sorted by name. */
  readonly pipelines: readonly PipelinePlan[];
}

/**
 * An environment without its models and pipelines: all that a model's or pipeline's own file may
 * depend on. Renderers of those files take this type, so the compiler proves that such a file
 * does not change when another model does (the render cache relies on it).
 */
export type EnvironmentCore = Omit<EnvironmentPlan, 'models' | 'pipelines' | 'sopsSecrets'>;
