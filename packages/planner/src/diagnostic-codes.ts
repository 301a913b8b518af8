/**
 * The registry of diagnostic codes: every `code` a diagnostic can carry, with its severity, what
 * it means and where it is documented. `Diagnostic['code']` is `DiagnosticCode`, the keys of this
 * table, so emitting a code that is not registered here is a type error; a test fails on entries
 * that no source emits, and on a docs/diagnostics.md that is not what `diagnosticsDoc()` generates
 * (`npm run diagnostics-doc` regenerates it).
 */

/** `error-or-warning`: the same code is either, depending on `severityNote` (e.g. the environment). */
export type CodeSeverity = 'error' | 'warning' | 'error-or-warning';

export type DiagnosticGroup = keyof typeof DIAGNOSTIC_GROUPS;

export interface DiagnosticCodeEntry {
  readonly severity: CodeSeverity;
  /** When a code is sometimes an error and sometimes a warning: which when. */
  readonly severityNote?: string;
  readonly group: DiagnosticGroup;
  /** One line: what the problem is (the shape of its message). */
  readonly description: string;
}

/** The sections of docs/diagnostics.md, in order. */
export const DIAGNOSTIC_GROUPS = {
  files: 'Files, folders and YAML',
  shape: 'Shape of a spec (schema)',
  environment: 'Environments',
  model: 'Models',
  autoscaling: 'Autoscaling',
  canary: 'Canaries and analysis',
  serving: 'Traffic and serving',
  access: 'Authentication and callers',
  safety: 'Names, labels and platform safety',
  secrets: 'Secrets (`secretEnv`, `secrets`, SOPS files)',
  monitoring: 'Monitoring',
  pipelines: 'Pipelines',
  capacity: 'GPU capacity',
  promotion: 'Promotion',
  releases: 'Releases in S3 (`validate --s3`)',
  cli: 'CLI (`validate --base`, file-system refusals)',
} as const;

const CODES = {
  // Files, folders and YAML.
  'alias-limit': { severity: 'error', group: 'files', description: 'YAML aliases expand to too much data.' },
  'empty-file': { severity: 'error', group: 'files', description: 'The spec file is empty.' },
  'file-not-folder': { severity: 'error', group: 'files', description: 'A file stands where a folder of specs belongs.' },
  'file-too-large': { severity: 'error', group: 'files', description: 'The spec file is larger than a spec file may be.' },
  'folder-not-file': { severity: 'error', group: 'files', description: 'A folder stands where a spec file belongs.' },
  'hard-link': { severity: 'error', group: 'files', description: 'A spec file is a hard link, which could be a file outside the repository.' },
  'hidden-character': { severity: 'error', group: 'files', description: 'A value contains a character a reader cannot see.' },
  'inline-secret': { severity: 'error', group: 'files', description: 'Something in the file looks like a credential committed in plain text.' },
  'invalid-environment-folder': {
    severity: 'error',
    group: 'files',
    description: 'A folder under environments/ is not a valid environment name, so it is not read.',
  },
  'misnamed-spec': { severity: 'error', group: 'files', description: 'A spec file does not end in ".yaml", so it is not read.' },
  'missing-environment': { severity: 'error', group: 'files', description: 'An environment folder has no environment.yaml.' },
  'multiple-documents': { severity: 'error', group: 'files', description: 'A spec file holds more than one YAML document.' },
  'no-environments': { severity: 'error', group: 'files', description: 'No environments were found under environments/.' },
  'not-printable': { severity: 'error', group: 'files', description: 'The file contains a character YAML does not allow.' },
  'not-utf8': { severity: 'error', group: 'files', description: 'The file is not valid UTF-8.' },
  'recursive-alias': { severity: 'error', group: 'files', description: 'A YAML alias is inside the node it refers to, so its value never ends.' },
  'special-file': { severity: 'error', group: 'files', description: 'A device, socket or FIFO stands where a regular file or folder belongs.' },
  'stray-file': { severity: 'warning', group: 'files', description: 'A file in the environments tree is not where specs go, so it is not read.' },
  symlink: { severity: 'error', group: 'files', description: 'A spec file or folder is a symbolic link; tritonops reads only regular files and folders.' },
  'too-deep': { severity: 'error', group: 'files', description: 'The YAML is nested deeper than a spec can be.' },
  unreadable: { severity: 'error', group: 'files', description: 'A file or folder cannot be read (the operating system refused).' },
  'unsafe-path': { severity: 'error', group: 'files', description: 'A path leads outside the repository or is otherwise unsafe to read.' },
  'unused-not-a-secret': { severity: 'error', group: 'files', description: 'A path listed as "not a secret" holds nothing that looks like one.' },
  'yaml-syntax': { severity: 'error', group: 'files', description: 'The file is not valid YAML (the message names the syntax error).' },
  'yaml-tag': { severity: 'error', group: 'files', description: 'A YAML tag other than the plain core tags is used.' },

  // Shape of a spec (schema).
  'duplicate-item': { severity: 'error', group: 'shape', description: 'A list that must hold distinct entries lists one twice.' },
  'invalid-format': { severity: 'error', group: 'shape', description: 'A value is not in the expected format (pattern).' },
  'invalid-key': { severity: 'error', group: 'shape', description: 'A key of a map is not a valid name for it.' },
  'invalid-length': { severity: 'error', group: 'shape', description: 'A string, list or map is too short or too long.' },
  'invalid-quantity': {
    severity: 'error',
    group: 'shape',
    description: 'A Kubernetes quantity (cpu, memory, size) is malformed or zero where it must be more.',
  },
  'invalid-value': { severity: 'error', group: 'shape', description: 'A value is not one of the allowed values.' },
  'missing-key': { severity: 'error', group: 'shape', description: 'A required key is missing.' },
  'out-of-range': { severity: 'error', group: 'shape', description: 'A number is below its minimum or above its maximum.' },
  'unknown-key': { severity: 'error', group: 'shape', description: 'A key the spec language does not have (with a did-you-mean when one is close).' },
  'wrong-type': { severity: 'error', group: 'shape', description: 'A value has the wrong type (e.g. a string where a number belongs).' },

  // Environments.
  'invalid-s3-endpoint': { severity: 'error', group: 'environment', description: "The environment's `s3.endpoint` is not a usable S3 endpoint." },
  'name-mismatch': { severity: 'error', group: 'environment', description: "A spec's `metadata.name` does not match its folder or file name." },
  'production-without-auth': {
    severity: 'warning',
    group: 'environment',
    description: 'A production environment configures no `auth.jwt`, so its models accept unauthenticated requests.',
  },
  'production-without-tls': { severity: 'warning', group: 'environment', description: 'The gateway of a production environment serves plain HTTP.' },
  'time-slicing-resource': { severity: 'error', group: 'environment', description: 'A time-sliced GPU pool requests a resource other than whole GPUs.' },
  'time-slicing-shares': {
    severity: 'error',
    group: 'environment',
    description: "A time-sliced pool's `gpusPerNode` is not a multiple of `timeSlicing.replicas`.",
  },
  'unknown-environment': { severity: 'error', group: 'environment', description: '`promotedFrom` names an environment that does not exist.' },

  // Models.
  'duplicate-model': { severity: 'error', group: 'model', description: 'Two files of an environment declare a model of the same name.' },
  'foreign-s3-endpoint': { severity: 'error', group: 'model', description: "A model's repository is on another S3 endpoint than the environment's." },
  'gpu-memory-over-pool': { severity: 'error', group: 'model', description: '`gpuMemory` does not fit in the GPUs the model gets from its pool.' },
  'gpus-over-pool': { severity: 'error', group: 'model', description: "`gpus` is more than a node of the model's pool offers." },
  'gpus-without-pool': { severity: 'error', group: 'model', description: '`gpus` is set but `gpuPool` is not.' },
  'invalid-s3-uri': { severity: 'error', group: 'model', description: 'A repository location is not a valid `s3://bucket/path` URI.' },
  'sfs-not-configured': { severity: 'error', group: 'model', description: '`cache: sfs` is set but the environment declares no `sfs` share.' },
  'short-startup': { severity: 'warning', group: 'model', description: '`startupTimeoutSeconds` leaves little time to download the model repository.' },
  'shm-over-memory': { severity: 'error', group: 'model', description: '`resources.shm` is not less than `resources.memory`.' },
  'unknown-gpu-pool': { severity: 'error', group: 'model', description: '`gpuPool` is not a pool of the environment.' },

  // Releases in S3 (`validate --s3`).
  'release-config-invalid': {
    severity: 'error',
    group: 'releases',
    description: "A model's `config.pbtxt` in the release cannot be read as a Triton model configuration.",
  },
  'release-config-missing': { severity: 'error', group: 'releases', description: 'A model folder of the release has no `config.pbtxt`.' },
  'release-folder-name': {
    severity: 'error',
    group: 'releases',
    description: 'A release loaded without `models` holds a folder whose name is not a Triton model name tritonops can check.',
  },
  'release-image-backend': {
    severity: 'error',
    group: 'releases',
    description: "The Triton image variant lacks a backend the release's models use (`vllm`, `tensorrtllm`, `python`).",
  },
  'release-missing': { severity: 'error', group: 'releases', description: 'Nothing is stored under the repository a release points at.' },
  'release-model-missing': { severity: 'error', group: 'releases', description: 'A model named in `models` or `signatures` is not a folder of the release.' },
  'release-signature-mismatch': {
    severity: 'error',
    group: 'releases',
    description: "A tensor of `signatures` disagrees with the model's `config.pbtxt` (name, datatype or shape), or one of them lacks it.",
  },
  'release-version-missing': {
    severity: 'error',
    group: 'releases',
    description: 'A model of the release has no numeric version folder, or its version lacks the file its backend loads.',
  },
  's3-unavailable': {
    severity: 'error',
    group: 'releases',
    description: 'The S3 endpoint could not be read (unreachable, timed out, denied, no credentials).',
  },

  // Autoscaling.
  'dcgm-utilization-on-mig': {
    severity: 'error',
    group: 'autoscaling',
    description: 'A DCGM GPU-utilisation trigger on a MIG pool, for which DCGM reports no utilisation.',
  },
  'dcgm-utilization-time-sliced': {
    severity: 'error',
    group: 'autoscaling',
    description: "A DCGM GPU-utilisation trigger on a time-sliced pool, where the other pods' series do not exist.",
  },
  'fallback-metric-type': {
    severity: 'error',
    group: 'autoscaling',
    description: '`fallbackReplicas` is set with a ratio (Value) trigger, for which KEDA does not fall back.',
  },
  'gpu-memory-time-sliced': {
    severity: 'warning',
    group: 'autoscaling',
    description: 'A GPU-memory trigger on a time-sliced pool reads the whole shared GPU.',
  },
  'gpu-trigger-on-cpu': { severity: 'error', group: 'autoscaling', description: 'A GPU trigger on a model or pipeline server that runs on CPU.' },
  'gpu-utilization-time-sliced': {
    severity: 'warning',
    group: 'autoscaling',
    description: 'A GPU-utilisation trigger on a time-sliced pool reads the whole shared GPU.',
  },
  'handover-pending': {
    severity: 'warning',
    group: 'autoscaling',
    description: "While `handover` is set, changes to the model's pods do not reach the cluster.",
  },
  'handover-without-takeover': { severity: 'error', group: 'autoscaling', description: '`handover` is set where there is nothing to hand over.' },
  'min-over-max': { severity: 'error', group: 'autoscaling', description: '`minReplicas` is larger than `maxReplicas`.' },
  'no-trigger': { severity: 'error', group: 'autoscaling', description: '`autoscaling` sets no trigger.' },
  'replicas-ignored': { severity: 'warning', group: 'autoscaling', description: '`replicas` is set on a model that autoscales, so it is ignored.' },
  'scale-to-zero-min': { severity: 'error', group: 'autoscaling', description: '`scaleToZero` is set but `minReplicas` is not 0.' },
  'zero-without-opt-in': { severity: 'error', group: 'autoscaling', description: '`minReplicas: 0` without an explicit `scaleToZero`.' },

  // Canaries and analysis.
  'analysis-step': { severity: 'error', group: 'canary', description: '`canary.analysis.stepWeight` is larger than `maxWeight`.' },
  'analysis-with-canary-autoscaling': { severity: 'error', group: 'canary', description: '`canary.autoscaling` is combined with `canary.analysis`.' },
  'analysis-with-release': {
    severity: 'error',
    group: 'canary',
    description: 'A canary release field (image, repository, models, args) is combined with `canary.analysis`.',
  },
  'analysis-with-scale-to-zero': {
    severity: 'error',
    group: 'canary',
    description: 'A model under `canary.analysis` scales to zero, which nothing would wake.',
  },
  'analysis-with-static-routing': {
    severity: 'error',
    group: 'canary',
    description: 'Static canary routing (weight, header, mirror) is combined with `canary.analysis`.',
  },
  'analysis-without-replicas': { severity: 'error', group: 'canary', description: 'A model under `canary.analysis` has `replicas: 0`.' },
  'canary-autoscaling-alone': { severity: 'error', group: 'canary', description: '`canary.autoscaling` is set but the model does not autoscale.' },
  'canary-same-release': { severity: 'error', group: 'canary', description: 'The canary runs the same release as the stable track.' },
  'canary-weight-without-replicas': { severity: 'error', group: 'canary', description: 'The canary gets a share of the traffic but runs no replica.' },
  'canary-without-traffic': { severity: 'warning', group: 'canary', description: 'The canary has no weight, header or mirror, so it receives no traffic.' },

  // Traffic and serving.
  'duration-range': { severity: 'error', group: 'serving', description: 'A duration is shorter than 1ms or longer than a day.' },
  'ephemeral-storage-size': {
    severity: 'error',
    group: 'serving',
    description: '`resources.ephemeralStorage` is too small for a model repository (or written in milli-bytes).',
  },
  'streaming-per-try-timeout': {
    severity: 'error',
    group: 'serving',
    description: '`retries.perTryTimeout` on a streaming server would end every stream at that age.',
  },
  'streaming-pipeline': {
    severity: 'warning',
    group: 'serving',
    description: '`streaming` on a pipeline that calls its steps with unary requests and answers once.',
  },
  'streaming-timeout': { severity: 'error', group: 'serving', description: '`traffic.timeout` on a streaming server, whose routes carry no timeout.' },
  'streaming-under-analysis': {
    severity: 'warning',
    group: 'serving',
    description: 'A streaming model under `canary.analysis` is served over HTTP only (no gRPC streaming).',
  },

  // Authentication and callers.
  'auth-opt-out': { severity: 'warning', group: 'access', description: 'A model or pipeline opts out of authentication in production.' },
  'caller-already-admitted': { severity: 'warning', group: 'access', description: 'A namespace in `callers.namespaces` is admitted anyway.' },
  'caller-platform-namespace': {
    severity: 'warning',
    group: 'access',
    description: 'A namespace in `callers.namespaces` is a platform namespace, whose pods are no callers in the mesh.',
  },
  'callers-cannot-wake': { severity: 'warning', group: 'access', description: 'A model with callers scales to zero, and their requests cannot wake it.' },
  'callers-without-token': {
    severity: 'error-or-warning',
    severityNote: 'an error in a production environment, a warning elsewhere',
    group: 'access',
    description: 'Callers are admitted to a model or pipeline that requires no token.',
  },
  'roles-without-auth': { severity: 'error', group: 'access', description: '`auth.roles` are set but `auth.required` is false.' },
  'roles-without-jwt': { severity: 'error', group: 'access', description: '`auth.roles` are set but the environment configures no `auth.jwt`.' },
  'wildcard-role': { severity: 'error', group: 'access', description: 'A role holds "*", which Istio reads as a wildcard.' },

  // Names, labels and platform safety.
  'commit-status-host': {
    severity: 'error',
    group: 'safety',
    description: 'Commit statuses would go to another host than the Git repository (leaking its token).',
  },
  'control-plane-node': { severity: 'error', group: 'safety', description: 'A node selector or toleration would place models on control-plane nodes.' },
  'derived-name-clash': {
    severity: 'error',
    group: 'safety',
    description: "A name is the derived name of another model's objects, so the two would replace each other.",
  },
  'dns-label-too-long': { severity: 'error', group: 'safety', description: 'A label of `gateway.domain` is longer than 63 characters.' },
  'host-too-long': { severity: 'error', group: 'safety', description: "A model's host name would be longer than DNS allows." },
  'invalid-branch': { severity: 'error', group: 'safety', description: '`git.branch` is not a Git branch name.' },
  'invalid-url': { severity: 'error', group: 'safety', description: 'A URL field is not a URL.' },
  'kubernetes-expansion': {
    severity: 'error',
    group: 'safety',
    description: 'An argument or environment variable contains `$(...)`, which Kubernetes would expand.',
  },
  'label-key-too-long': { severity: 'error', group: 'safety', description: 'The prefix of a label key is longer than Kubernetes allows.' },
  'managed-env': { severity: 'error', group: 'safety', description: 'An environment variable that tritonops sets itself.' },
  'managed-flag': { severity: 'error', group: 'safety', description: 'A tritonserver flag that tritonops sets itself.' },
  'pod-names-truncated': {
    severity: 'error',
    group: 'safety',
    description: "Pod names would be truncated, so DCGM's per-pod series cannot be matched to the model.",
  },
  'refused-env': { severity: 'error', group: 'safety', description: 'An environment variable that may not be set (the message says why).' },
  'reserved-header': { severity: 'error', group: 'safety', description: 'A canary header that ordinary requests carry.' },
  'reserved-label': { severity: 'error', group: 'safety', description: "A label key that is not the spec's to set." },
  'reserved-name': { severity: 'error', group: 'safety', description: 'A name of an object every environment has.' },
  'reserved-namespace': { severity: 'error', group: 'safety', description: "The environment's namespace is one that cannot hold models." },
  'sampling-too-small': { severity: 'error', group: 'safety', description: '`samplingPercent` is too small for Triton to sample.' },
  'toleration-value': { severity: 'error', group: 'safety', description: 'A toleration with operator Exists has a value.' },
  'triton-flag': { severity: 'error', group: 'safety', description: 'A tritonserver argument is not a flag tritonops accepts (with a did-you-mean).' },
  'unknown-annotation': { severity: 'error', group: 'safety', description: 'An annotation tritonops does not read.' },

  // Secrets.
  'platform-secret': {
    severity: 'error',
    group: 'secrets',
    description: "A model names, or environment.yaml declares, one of the environment's own Secrets (S3, TLS, Git).",
  },
  'secret-env-clash': { severity: 'error', group: 'secrets', description: 'A variable is set both in `env` and in `secretEnv`.' },
  'secrets-delivery': {
    severity: 'error',
    group: 'secrets',
    description: 'A field or file that the chosen `secrets.delivery` does not use, or one it needs is missing.',
  },
  'sops-key-source': {
    severity: 'error',
    group: 'secrets',
    description:
      'The `sops:` block of a file under `secrets/` names a key service other than age (KMS, Vault, PGP, key groups), which kustomize-controller would contact.',
  },
  'sops-label': {
    severity: 'error',
    group: 'secrets',
    description: 'A file under `secrets/` sets a label other than `app.kubernetes.io/*`: Flux and sidecars read labels as settings.',
  },
  'sops-not-encrypted': {
    severity: 'error',
    group: 'secrets',
    description: 'A file under `secrets/` has no SOPS metadata (MAC, key recipients): it is not encrypted.',
  },
  'sops-plaintext': {
    severity: 'error',
    group: 'secrets',
    description: 'A `data`/`stringData` value of a SOPS Secret is not encrypted (the value is never shown).',
  },
  'sops-recipient': {
    severity: 'error',
    group: 'secrets',
    description: 'A SOPS file is encrypted to an age recipient that `secrets.sops.ageRecipients` does not list, or that list is missing.',
  },
  'sops-secret-keys': { severity: 'error', group: 'secrets', description: 'A SOPS Secret lacks a key its declaration lists.' },
  'sops-secret-missing': {
    severity: 'error',
    group: 'secrets',
    description: 'With `delivery: sops`, a declared Secret has no encrypted file under `secrets/`.',
  },
  'sops-secret-shape': {
    severity: 'error',
    group: 'secrets',
    description: 'A file under `secrets/` is not a single `v1` Opaque Secret with only the fields tritonops accepts.',
  },
  'undeclared-secret': {
    severity: 'error',
    group: 'secrets',
    description: 'A model names a Secret (or a SOPS file is one) that environment.yaml does not declare (with a did-you-mean).',
  },
  'undeclared-secret-key': { severity: 'error', group: 'secrets', description: 'A model names a key its Secret does not declare (with a did-you-mean).' },

  // Monitoring.
  'prometheus-without-storage': {
    severity: 'warning',
    group: 'monitoring',
    description: 'The last environment of a promotion chain keeps Prometheus on an emptyDir.',
  },
  'retention-size-over-volume': { severity: 'warning', group: 'monitoring', description: '`retentionSize` leaves too little of the Prometheus volume free.' },
  'retention-size-zero': { severity: 'error', group: 'monitoring', description: '`retentionSize` is 0, which Prometheus reads as no limit.' },
  'retention-too-long': { severity: 'error', group: 'monitoring', description: '`retention` is longer than tritonops renders.' },

  // Pipelines.
  'ambiguous-triton-model': { severity: 'error', group: 'pipelines', description: 'A step must say which Triton model of its model it calls.' },
  cycle: { severity: 'error', group: 'pipelines', description: 'The steps of a pipeline form a cycle.' },
  'dtype-mismatch': { severity: 'error', group: 'pipelines', description: 'A tensor is fed from a tensor of another datatype.' },
  'duplicate-output-source': { severity: 'error', group: 'pipelines', description: 'Two pipeline outputs are the same tensor.' },
  'duplicate-pipeline': { severity: 'error', group: 'pipelines', description: 'Two pipelines of an environment have the same name.' },
  'duplicate-step': { severity: 'error', group: 'pipelines', description: 'A step name is declared twice.' },
  'duplicate-tensor': { severity: 'error', group: 'pipelines', description: 'A pipeline input or output name is declared twice.' },
  'local-triton-model': { severity: 'error', group: 'pipelines', description: '`tritonModel` is set on a `local` step.' },
  'local-without-repository': { severity: 'error', group: 'pipelines', description: 'A step runs a local model but the pipeline has no `localRepository`.' },
  'missing-signature': {
    severity: 'error',
    group: 'pipelines',
    description: 'No signature is declared for a model a step calls, so its tensors cannot be checked.',
  },
  'name-taken': { severity: 'error', group: 'pipelines', description: 'A pipeline has the name of a model.' },
  'output-from-input': { severity: 'error', group: 'pipelines', description: "A pipeline output comes from the pipeline's input instead of a step." },
  'reserved-step-name': { severity: 'error', group: 'pipelines', description: "A step uses the name reserved for the pipeline's inputs." },
  'shape-mismatch': { severity: 'error', group: 'pipelines', description: 'A tensor is fed from a tensor of another shape.' },
  'step-target': { severity: 'error', group: 'pipelines', description: 'A step sets neither or both of `model` and `local`.' },
  'unfed-input': { severity: 'error', group: 'pipelines', description: 'A step leaves inputs of its model unfed.' },
  'unknown-input': { severity: 'error', group: 'pipelines', description: 'A step feeds an input its model does not take.' },
  'unknown-model': { severity: 'error', group: 'pipelines', description: 'A step calls a model the environment does not have.' },
  'unknown-step': { severity: 'error', group: 'pipelines', description: 'A tensor reference names a step the pipeline does not have.' },
  'unknown-tensor': {
    severity: 'error',
    group: 'pipelines',
    description: 'A tensor reference names an output the step (or an input the pipeline) does not have.',
  },
  'unknown-triton-model': { severity: 'error', group: 'pipelines', description: 'A step names a Triton model its model does not load.' },

  // GPU capacity.
  'capacity-max': { severity: 'warning', group: 'capacity', description: 'A GPU pool cannot fit the demand at maximum scale (with rollout surge).' },
  'capacity-min': { severity: 'error', group: 'capacity', description: 'A GPU pool cannot fit the minimum demand of its models.' },
  'capacity-rollout': { severity: 'error', group: 'capacity', description: 'A GPU pool has no room to roll out a model at minimum scale.' },

  // Promotion.
  'promotion-cycle': {
    severity: 'error',
    group: 'promotion',
    description: '`promotedFrom` names the environment itself, or the chain goes round in a circle.',
  },
  'promotion-gate': { severity: 'error', group: 'promotion', description: 'A release has not run in the environment it is promoted from.' },
  'promotion-gate-unreadable': { severity: 'error', group: 'promotion', description: 'The promotion gate cannot read the models of the source environment.' },
  'platform-version-gate': {
    severity: 'error',
    group: 'promotion',
    description: 'An environment runs a platform chart version newer than its source runs, which the source has never run.',
  },
  'platform-version-behind': {
    severity: 'warning',
    group: 'promotion',
    description: 'The source environment went back to an older platform chart version than an environment promoted from it runs.',
  },
  'promotion-override-stale': {
    severity: 'warning',
    group: 'promotion',
    description: 'A `promotion-override` annotation is not needed any more: the source environment has run the release.',
  },

  // CLI.
  'disruptive-change': { severity: 'warning', group: 'cli', description: '`validate --base`: the change disrupts the running service (the message says how).' },
  'needs-two-steps': {
    severity: 'error',
    group: 'cli',
    description: '`validate --base`: the change must be made in two pull requests (the hint says the first).',
  },
  refused: { severity: 'error', group: 'cli', description: 'The file system refused to read or write a path (a link, special file or OS error).' },
} as const satisfies Record<string, DiagnosticCodeEntry>;

/** Every code a diagnostic can carry. */
export type DiagnosticCode = keyof typeof CODES;

/** The relative link of a code's entry in docs/diagnostics.md, from the repository root. */
export function diagnosticDocsLink(code: DiagnosticCode): string {
  return `docs/diagnostics.md#${code}`;
}

/** The registry: for every code its severity, group, one-line description and docs link. */
export const DIAGNOSTIC_CODES: { readonly [C in DiagnosticCode]: DiagnosticCodeEntry & { readonly docs: string } } = Object.fromEntries(
  Object.entries(CODES).map(([code, entry]) => [code, { ...entry, docs: diagnosticDocsLink(code as DiagnosticCode) }]),
) as { readonly [C in DiagnosticCode]: DiagnosticCodeEntry & { readonly docs: string } };

const SEVERITY_TEXT: Record<CodeSeverity, string> = { error: 'error', warning: 'warning', 'error-or-warning': 'error or warning' };

/** docs/diagnostics.md, generated from the registry. */
export function diagnosticsDoc(): string {
  const codes = Object.keys(DIAGNOSTIC_CODES).sort() as DiagnosticCode[];
  const count = (severity: CodeSeverity) => codes.filter((c) => DIAGNOSTIC_CODES[c].severity === severity).length;
  const out = [
    '# Diagnostics',
    '',
    '<!-- Generated from packages/planner/src/diagnostic-codes.ts by `npm run diagnostics-doc`. Do not edit by hand. -->',
    '',
    'Every problem `tritonops validate` (and every command that reads the specs) reports carries a stable code,',
    'e.g. `unknown-key`: tests and tools match on it, and this page lists them all. An **error** fails the run',
    '(exit code 1); a **warning** is printed and the run goes on.',
    '',
    `${codes.length} codes: ${count('error')} errors, ${count('warning')} warnings, ${count('error-or-warning')} either.`,
    '',
  ];
  for (const [group, title] of Object.entries(DIAGNOSTIC_GROUPS)) {
    const inGroup = codes.filter((c) => DIAGNOSTIC_CODES[c].group === group);
    if (inGroup.length === 0) continue;
    out.push(`## ${title}`, '', '| Code | Severity | Meaning |', '| --- | --- | --- |');
    for (const code of inGroup) {
      const entry = DIAGNOSTIC_CODES[code];
      const severity = SEVERITY_TEXT[entry.severity] + (entry.severityNote ? ` (${entry.severityNote})` : '');
      out.push(`| <a id="${code}"></a>\`${code}\` | ${severity} | ${entry.description.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
