/** `kind: Environment` — one per cluster: where models run, where they come from, how Flux syncs. */
import { Type } from '@sinclair/typebox';
import { Defaulted, type Filled } from './defaults.ts';
import {
  Dictionary,
  DNS_LABEL_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  Envelope,
  Labels,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
  Quantity,
  SECRET_KEY_PATTERN,
  SECRET_NAME_PATTERN,
} from './common.ts';
import { Platform } from './platform.ts';

const SecretName = (description: string, example: string) => Type.String({ pattern: SECRET_NAME_PATTERN, maxLength: 253, description, examples: [example] });

/** How the Secrets that models name reach the cluster; see docs/secrets.md. */
export const SECRET_DELIVERIES = ['out-of-band', 'sops', 'external-secrets'] as const;

/** An age X25519 public key: `age1` and 58 Bech32 characters (the checksum is verified by the planner). */
export const AGE_RECIPIENT_PATTERN = '^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$';

const SopsSettings = Type.Object(
  {
    ageRecipients: Type.Array(Type.String({ pattern: AGE_RECIPIENT_PATTERN, minLength: 62, maxLength: 62 }), {
      minItems: 1,
      uniqueItems: true,
      description:
        "The age public keys every file under `secrets/` must be encrypted to, and to none other: the cluster's key (whose private half is the `sops-age` Secret) and the keys of those who edit the files, as in `.sops.yaml`. A file with another recipient is refused, so a pull request cannot replace a Secret with one encrypted to a key of its own.",
      examples: [['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p']],
    }),
  },
  {
    additionalProperties: false,
    description: '`sops` only (and required there): who the encrypted files may be encrypted to.',
    examples: [{ ageRecipients: ['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'] }],
  },
);

const DeclaredSecret = Type.Object(
  {
    keys: Type.Array(Type.String({ pattern: SECRET_KEY_PATTERN, maxLength: 253 }), {
      minItems: 1,
      uniqueItems: true,
      description:
        'Keys of the Secret that models may name (`secretEnv.<VAR>.key`). With `sops` the file must hold each; with `external-secrets` each is fetched as the property of that name.',
      examples: [['token']],
    }),
    remoteKey: Type.Optional(
      Type.String({
        pattern: '^[!-~]+$',
        maxLength: 1024,
        description:
          "`external-secrets` only: the key of the secret in the external store (`remoteRef.key`), e.g. a Vault path; the Secret's name when absent. Each of `keys` is read as the property of that name (`remoteRef.property`).",
        examples: ['ml/hf-token'],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'A Secret of the namespace that models may read.',
    examples: [{ keys: ['token'] }],
  },
);

export const Secrets = Type.Object(
  {
    delivery: Defaulted(
      Type.Union(
        SECRET_DELIVERIES.map((d) => Type.Literal(d)),
        {
          default: 'out-of-band',
          description:
            "How the declared Secrets get into the environment's namespace. `out-of-band`: someone creates them (`kubectl create secret`, sealed-secrets, an operator); tritonops renders nothing. `sops`: SOPS-encrypted Secret manifests in `environments/<env>/secrets/<name>.yaml`, checked without decrypting, copied to flux/ and decrypted by Flux (a Kustomization with `decryption.provider: sops` and the age key in the `sops-age` Secret of `flux-system`). `external-secrets`: one ExternalSecret per declared Secret, read from `store` by the External Secrets Operator.",
          examples: ['sops'],
        },
      ),
    ),
    store: Type.Optional(
      Type.String({
        pattern: SECRET_NAME_PATTERN,
        maxLength: 253,
        description: '`external-secrets` only (and required there): the ClusterSecretStore the ExternalSecrets read from, set up by the platform team.',
        examples: ['vault'],
      }),
    ),
    refreshInterval: Type.Optional(
      Type.String({
        pattern: '^([0-9]+(s|m|h))+$',
        description:
          "`external-secrets` only: how often the operator reads the store again (the operator's default, 1h, when absent). A new value reaches running pods only when they restart.",
        examples: ['1h'],
      }),
    ),
    sops: Type.Optional(SopsSettings),
    declared: Dictionary(
      SECRET_NAME_PATTERN,
      DeclaredSecret,
      {
        minProperties: 1,
        description:
          "The Secrets models may name in `secretEnv`, by name, with their keys: a model can reach no other Secret of the namespace. The environment's own S3, TLS and Git Secrets cannot be declared.",
        examples: [{ 'hf-token': { keys: ['token'] } }],
      },
      253,
    ),
  },
  {
    additionalProperties: false,
    description:
      'Secrets that models may read as environment variables (`secretEnv`), and how they reach the cluster: docs/secrets.md. environment.yaml belongs to the platform team: declaring a Secret here is what lets a model spec name it.',
    examples: [
      {
        delivery: 'sops',
        sops: { ageRecipients: ['age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'] },
        declared: { 'hf-token': { keys: ['token'] } },
      },
    ],
  },
);

export const GpuPool = Type.Object(
  {
    nodeSelector: Dictionary(LABEL_KEY_PATTERN, Type.String({ pattern: LABEL_VALUE_PATTERN, maxLength: 63 }), {
      minProperties: 1,
      description: 'Node labels that select the nodes of this pool.',
      examples: [{ 'gpu.example.com/model': 'tesla-t4' }],
    }),
    resource: Defaulted(
      Type.String({
        pattern: '^nvidia\\.com/[a-z0-9][-a-z0-9.]*$',
        default: 'nvidia.com/gpu',
        description:
          'Extended resource a model of this pool requests: whole GPUs, a MIG profile (`nvidia.com/mig-3g.40gb`) or a time-sliced share advertised by the GPU operator. Several small models share one physical GPU through MIG or time-slicing.',
        examples: ['nvidia.com/gpu', 'nvidia.com/mig-3g.40gb'],
      }),
    ),
    gpusPerNode: Type.Integer({
      minimum: 1,
      maximum: 64,
      description: 'How many units of `resource` one node offers (GPUs, MIG slices or time-sliced shares).',
      examples: [1, 8],
    }),
    maxNodes: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description: 'Most nodes the pool can grow to; used for capacity planning.',
      examples: [4],
    }),
    gpuMemory: Quantity('Memory of one physical GPU or MIG slice of the pool (time-sliced shares split it without isolation).', ['16Gi', '80Gi']),
    timeSlicing: Type.Optional(
      Type.Object(
        {
          replicas: Type.Integer({
            minimum: 2,
            maximum: 48,
            description: 'How many pods share one physical GPU.',
            examples: [4],
          }),
        },
        {
          additionalProperties: false,
          description:
            "Share each physical GPU between several pods with NVIDIA time-slicing (no memory isolation). Models then request `nvidia.com/gpu.shared`, `gpusPerNode` counts shares, and the pool's nodes are selected by `nvidia.com/device-plugin.config: <pool>`, the label that gives them this pool's time-slicing configuration.",
          examples: [{ replicas: 4 }],
        },
      ),
    ),
    tolerations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            key: Type.String({ pattern: LABEL_KEY_PATTERN, description: 'Taint key.', examples: ['pool'] }),
            operator: Defaulted(
              Type.Union([Type.Literal('Equal'), Type.Literal('Exists')], {
                default: 'Equal',
                description: 'Equal matches `value`; Exists matches any value.',
                examples: ['Equal'],
              }),
            ),
            value: Type.Optional(Type.String({ pattern: LABEL_VALUE_PATTERN, maxLength: 63, description: 'Taint value (with Equal).', examples: ['a100'] })),
            effect: Type.Union([Type.Literal('NoSchedule'), Type.Literal('PreferNoSchedule'), Type.Literal('NoExecute')], {
              description: 'Taint effect.',
              examples: ['NoSchedule'],
            }),
          },
          { additionalProperties: false, description: 'A taint of this pool to tolerate.', examples: [] },
        ),
        {
          description: 'Extra taints of this pool to tolerate. The `nvidia.com/gpu` NoSchedule taint is always tolerated by GPU models.',
          examples: [[{ key: 'pool', operator: 'Equal', value: 'a100', effect: 'NoSchedule' }]],
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'A group of GPU nodes.',
    examples: [{ nodeSelector: { 'gpu.example.com/model': 'tesla-t4' }, gpusPerNode: 1, maxNodes: 4, gpuMemory: '16Gi' }],
  },
);

/** Prometheus' own durations, in one unit: `15d`, `12h`, `2w`, `1y`. */
export const RETENTION_PATTERN = '^[1-9][0-9]*(h|d|w|y)$';
/** Prometheus byte sizes (`--storage.tsdb.retention.size`), as prometheus-operator takes them. */
export const BYTE_SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?(B|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)$';

export const Monitoring = Type.Object(
  {
    prometheus: Defaulted(
      Type.Object(
        {
          retention: Defaulted(
            Type.String({
              pattern: RETENTION_PATTERN,
              default: '10d',
              description:
                "How long Prometheus keeps samples (the chart's own default), in one of Prometheus' units (`h`, `d`, `w`, `y` of 365 days); at most `10y`, beyond which Prometheus itself would refuse to start from about 292 years. Alerts and autoscaling look back minutes; dashboards and capacity reviews look back days.",
              examples: ['15d'],
            }),
          ),
          retentionSize: Type.Optional(
            Type.String({
              pattern: BYTE_SIZE_PATTERN,
              description:
                'Most disk the samples may take before the oldest go, whatever `retention` says; Prometheus counts its blocks, write-ahead log and head chunks within it. More than 0 (0 would mean no limit). With `storage`, keep it at least 15% under `storage.size` (`validate` warns otherwise): a compaction writes its new block before it deletes the old ones, and needs that room beyond it. When a change raises `storage.size`, the claim keeps its old size until it is expanded by hand: until then `retentionSize` must fit the old size.',
              examples: ['85GB'],
            }),
          ),
          storage: Type.Optional(
            Type.Object(
              {
                size: Quantity('Size of the volume Prometheus keeps its samples on.', ['100Gi']),
                storageClass: Type.Optional(
                  Type.String({
                    pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
                    maxLength: 253,
                    description:
                      "StorageClass of the volume (ReadWriteOnce; block storage suits Prometheus, NFS does not). The cluster's default class when absent.",
                    examples: ['fast-ssd'],
                  }),
                ),
              },
              {
                additionalProperties: false,
                description:
                  "A persistent volume for Prometheus (a claim from its StatefulSet's template). Without it Prometheus keeps its samples in an emptyDir: every restart loses the history and the pending state of alerts (their `for`). `validate` warns when the last environment of a promotion chain has none.",
                examples: [{ size: '100Gi', storageClass: 'fast-ssd' }],
              },
            ),
          ),
        },
        {
          additionalProperties: false,
          default: {},
          description: 'The Prometheus of kube-prometheus-stack, which alerts, autoscaling, dashboards and Flagger read.',
          examples: [{ retention: '15d', storage: { size: '100Gi' } }],
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The monitoring stack of the cluster.',
    examples: [{ prometheus: { retention: '15d', storage: { size: '100Gi', storageClass: 'fast-ssd' } } }],
  },
);

export const EnvironmentSpec = Type.Object(
  {
    promotedFrom: Type.Optional(
      Type.String({
        pattern: DNS_LABEL_PATTERN,
        description: 'The environment whose releases this one runs after them (dev → staging → production).',
        examples: ['staging'],
      }),
    ),
    namespace: Defaulted(
      Type.String({
        pattern: DNS_LABEL_PATTERN,
        maxLength: 63,
        default: 'inference',
        description: 'Namespace the models of this environment run in.',
        examples: ['inference'],
      }),
    ),
    namespaceLabels: Type.Optional(
      Labels('Extra labels for the namespace (istio-injection and Pod Security labels are always set).', [{ 'cost-center': 'ml-platform' }]),
    ),
    git: Type.Object(
      {
        url: Type.String({
          pattern: '^(ssh://|https://)[^\\s@/]+(@[^\\s/]+)?(/[^\\s]*)?$',
          description: 'Git repository Flux syncs this environment from (this repository).',
          examples: ['ssh://git@git.example.com/acme/inference-platform.git'],
        }),
        branch: Defaulted(
          Type.String({
            minLength: 1,
            default: 'main',
            description: 'Branch Flux follows.',
            examples: ['main'],
          }),
        ),
        secretRef: Type.Optional(
          SecretName('Secret in `flux-system` with the Git credentials (SSH deploy key or token). Created out of band, never committed.', 'flux-git-auth'),
        ),
        commitStatus: Type.Optional(
          Type.Object(
            {
              provider: Type.Union(
                [
                  Type.Literal('github'),
                  Type.Literal('gitlab'),
                  Type.Literal('gitea'),
                  Type.Literal('bitbucket'),
                  Type.Literal('bitbucketserver'),
                  Type.Literal('azuredevops'),
                ],
                { description: 'Git host that receives the commit statuses.', examples: ['gitlab'] },
              ),
              address: Type.String({
                pattern: '^https://[^\\s@]+$',
                description: 'Web address of the repository on the Git host.',
                examples: ['https://git.example.com/acme/inference-platform'],
              }),
              secretRef: SecretName(
                'Secret in `flux-system` with the API token (`token` key) that may set commit statuses. Created out of band.',
                'flux-commit-status',
              ),
            },
            {
              additionalProperties: false,
              description: "Report Flux's apply results as commit statuses, so a PR author sees on the commit whether each cluster applied it.",
              examples: [{ provider: 'gitlab', address: 'https://git.example.com/acme/inference-platform', secretRef: 'flux-commit-status' }],
            },
          ),
        ),
        interval: Defaulted(
          Type.String({
            pattern: '^([0-9]+(ms|s|m|h))+$',
            default: '1m',
            description: 'How often Flux polls the repository.',
            examples: ['1m'],
          }),
        ),
      },
      {
        additionalProperties: false,
        description: 'Where Flux gets this repository from.',
        examples: [{ url: 'ssh://git@git.example.com/acme/inference-platform.git', branch: 'main', secretRef: 'flux-git-auth' }],
      },
    ),
    gpuPools: Defaulted(
      Dictionary(
        DNS_LABEL_PATTERN,
        GpuPool,
        {
          default: {},
          description:
            'GPU node pools of the cluster, by name (at most 63 characters: the name becomes a node label value). Models pick one with `gpuPool`; an environment may have none.',
          examples: [{ t4: { nodeSelector: { 'gpu.example.com/model': 'tesla-t4' }, gpusPerNode: 1, maxNodes: 4, gpuMemory: '16Gi' } }],
        },
        63,
      ),
    ),
    s3: Type.Object(
      {
        endpoint: Type.Optional(
          Type.String({
            pattern: '^https?://[^\\s/@]+$',
            description:
              'S3-compatible endpoint with scheme and explicit port. Omit for AWS S3 itself. Triton needs the port to tell the endpoint from the bucket.',
            examples: ['https://s3.ru-1.storage.example.com:443'],
          }),
        ),
        region: Type.String({
          pattern: '^[a-z0-9-]+$',
          description: 'Region, passed to Triton as AWS_DEFAULT_REGION.',
          examples: ['ru-1', 'us-east-1'],
        }),
        credentialsSecret: SecretName(
          'Secret in the environment namespace holding the S3 keys. Created out of band (e.g. sealed or external secrets), never committed.',
          's3-model-reader',
        ),
        accessKeyIdKey: Defaulted(
          Type.String({
            default: 'AWS_ACCESS_KEY_ID',
            pattern: '^[-._a-zA-Z0-9]+$',
            description: 'Key of the access key id inside `credentialsSecret`.',
            examples: ['AWS_ACCESS_KEY_ID'],
          }),
        ),
        secretAccessKeyKey: Defaulted(
          Type.String({
            default: 'AWS_SECRET_ACCESS_KEY',
            pattern: '^[-._a-zA-Z0-9]+$',
            description: 'Key of the secret access key inside `credentialsSecret`.',
            examples: ['AWS_SECRET_ACCESS_KEY'],
          }),
        ),
      },
      {
        additionalProperties: false,
        description: 'The S3-compatible object storage that holds the Triton model repositories.',
        examples: [{ endpoint: 'https://s3.ru-1.storage.example.com:443', region: 'ru-1', credentialsSecret: 's3-model-reader' }],
      },
    ),
    gateway: Type.Optional(
      Type.Object(
        {
          domain: Type.String({
            pattern: DNS_SUBDOMAIN_PATTERN,
            maxLength: 200,
            description:
              'DNS domain of the inference endpoints: each model is served at `<model>.<domain>`, for HTTP and gRPC. Point `*.<domain>` at the ingress gateway.',
            examples: ['inference.acme.example'],
          }),
          tlsSecret: Type.Optional(
            SecretName(
              'Secret of type kubernetes.io/tls in the `istio-ingress` namespace with a certificate for `*.<domain>` (e.g. issued by cert-manager). Without it the gateway serves plain HTTP, which only suits development.',
              'inference-tls',
            ),
          ),
        },
        {
          additionalProperties: false,
          description: 'The Istio ingress gateway of this environment.',
          examples: [{ domain: 'inference.acme.example', tlsSecret: 'inference-tls' }],
        },
      ),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          jwt: Type.Object(
            {
              // The characters a URL may hold (RFC 3986): no backtick, quote or angle bracket, so the
              // issuer shows as code wherever tritonops quotes it (a PR comment, a terminal).
              issuer: Type.String({
                pattern: "^https://[A-Za-z0-9._~:/?#\\[\\]@!$&'()*+,;=%-]+$",
                description: 'Token issuer (`iss`). For Keycloak: `https://<host>/realms/<realm>`.',
                examples: ['https://keycloak.acme.example/realms/ml'],
              }),
              jwksUri: Type.String({
                pattern: "^https://[A-Za-z0-9._~:/?#\\[\\]@!$&'()*+,;=%-]+$",
                description: "Where the issuer's signing keys are. For Keycloak: `<issuer>/protocol/openid-connect/certs`.",
                examples: ['https://keycloak.acme.example/realms/ml/protocol/openid-connect/certs'],
              }),
              audiences: Type.Optional(
                Type.Array(Type.String({ minLength: 1 }), {
                  minItems: 1,
                  uniqueItems: true,
                  description: 'Accepted audiences (`aud`); any audience when absent.',
                  examples: [['inference-api']],
                }),
              ),
            },
            {
              additionalProperties: false,
              description: 'JSON Web Tokens every request must carry (Authorization: Bearer …), checked by the Istio sidecars.',
              examples: [
                { issuer: 'https://keycloak.acme.example/realms/ml', jwksUri: 'https://keycloak.acme.example/realms/ml/protocol/openid-connect/certs' },
              ],
            },
          ),
        },
        {
          additionalProperties: false,
          description: 'Who may call the models. With `jwt`, only requests with a valid token reach a model, unless the model opts out.',
          examples: [],
        },
      ),
    ),
    tracing: Type.Optional(
      Type.Object(
        {
          collector: Type.String({
            pattern: DNS_SUBDOMAIN_PATTERN,
            maxLength: 253,
            description:
              'Host of the OpenTelemetry collector: Triton sends OTLP/HTTP to port 4318, the Istio proxies OTLP/gRPC to port 4317, so both join the same traces.',
            examples: ['otel-collector.observability.svc.cluster.local'],
          }),
          samplingPercent: Defaulted(
            Type.Number({ minimum: 0, maximum: 100, default: 1, description: 'Percent of requests traced (models may override).', examples: [5] }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Distributed tracing with OpenTelemetry, through Triton and the Istio proxies alike (W3C trace context).',
          examples: [{ collector: 'otel-collector.observability.svc.cluster.local', samplingPercent: 1 }],
        },
      ),
    ),
    secrets: Type.Optional(Secrets),
    monitoring: Defaulted(Monitoring),
    platform: Defaulted(Platform),
    sfs: Type.Optional(
      Type.Object(
        {
          server: Type.String({
            pattern: '^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$',
            description: 'NFS server of the SFS share (address or host name).',
            examples: ['10.222.2.252'],
          }),
          path: Type.String({
            pattern: '^/[-A-Za-z0-9._/]*$',
            description: 'Exported path of the share.',
            examples: ['/shares/model-cache'],
          }),
          size: Quantity('Size of the share.', ['500Gi']),
          mountOptions: Defaulted(
            Type.Array(Type.String({ pattern: '^[a-z0-9_]+(=[A-Za-z0-9._:-]+)?$' }), {
              default: ['nfsvers=4.1', 'hard', 'noatime'],
              description: 'NFS mount options.',
              examples: [['nfsvers=4.1', 'hard', 'noatime']],
            }),
          ),
          syncImage: Defaulted(
            Type.String({
              pattern: '^[^\\s]+$',
              default: 'docker.io/amazon/aws-cli:2.22.35',
              description: 'Stock AWS CLI image that copies a model repository from S3 into the cache (it needs `aws` and GNU `mv`).',
              examples: ['docker.io/amazon/aws-cli:2.22.35'],
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Managed NFS share ("SFS") used as the shared model cache: each release is copied from S3 once and every replica loads it from there.',
          examples: [{ server: '10.222.2.252', path: '/shares/model-cache', size: '500Gi' }],
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'What the cluster of this environment offers.',
    examples: [],
  },
);

export const EnvironmentSchema = Envelope('Environment', EnvironmentSpec, {
  description: 'An environment: one cluster, its GPU pools, its storage and how Flux syncs it.',
  nameMaxLength: 30,
  nameExample: 'production',
});

/** Validated data, defaults filled in. */
export type GpuPool = Filled<typeof GpuPool>;
export type EnvironmentSpec = Filled<typeof EnvironmentSpec>;
export type MonitoringSpec = Filled<typeof Monitoring>;
export type SecretsSpec = Filled<typeof Secrets>;
export type Environment = Filled<typeof EnvironmentSchema>;
