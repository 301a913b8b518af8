/**
 * What a spec must not be able to do to the cluster, checked where the spec says it:
 *
 * - reach the cluster's secrets: `$(VAR)` in arguments and environment values (Kubernetes
 *   expands it from the container's environment, which holds the S3 keys); variables that
 *   redirect the S3 client, the TLS trust or the loader;
 * - reach managed settings: tritonserver flags tritonops sets (matched as getopt_long matches
 *   them), label keys of tritonops, Kubernetes, Istio and Flux, headers that every request
 *   carries as canary switches, Istio's `*` wildcard as a role;
 * - make objects the cluster rejects or misreads: names, hosts and label values past their
 *   limits once tritonops has derived them, sampling rates that do not survive arithmetic.
 */
import { own } from '../values/records.ts';
import { type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import type { Loaded, LoadedEnvironment } from '../load/read-specs.ts';
import type { DataPath, SourceFile } from '../load/source-file.ts';
import type { Environment, GpuPool } from '@tritonops/spec';
import type { Model } from '@tritonops/spec';
import type { Pipeline } from '@tritonops/spec';
import { reservedNamespace } from './platform-namespaces.ts';
import { MANAGED_FLAGS, parseTritonArgs } from './triton-flags.ts';
import { didYouMean, didYouMeanHint } from '../did-you-mean.ts';

/** Environment variables tritonops sets itself. */
export const MANAGED_ENV: Readonly<Record<string, string>> = {
  AWS_DEFAULT_REGION: 'set `s3.region` in environment.yaml',
  AWS_ACCESS_KEY_ID: 'name the Secret in `s3.credentialsSecret` of environment.yaml',
  AWS_SECRET_ACCESS_KEY: 'name the Secret in `s3.credentialsSecret` of environment.yaml',
  HF_HOME: 'set `cache: sfs` to keep the Hugging Face cache on the shared SFS share',
};

/** Families of variables that would redirect where the model comes from, or what code runs. */
export const REFUSED_ENV: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /^AWS_/, why: "the S3 client reads AWS_* variables; the environment's S3 (endpoint, region, keys) comes from environment.yaml" },
  {
    pattern: /^TRITON_(AWS|CLOUD|GCS|AZURE)_/,
    why: "Triton's cloud-storage settings would redirect or re-credential the model repository; they come from environment.yaml",
  },
  { pattern: /^(GOOGLE_APPLICATION_CREDENTIALS|AZURE_STORAGE_\w+)$/, why: 'cloud credentials belong in a Secret, never in a spec' },
  { pattern: /^(https?_proxy|all_proxy|no_proxy)$/i, why: 'a proxy would see every request to S3 and to the other models' },
  { pattern: /^(SSL_CERT_FILE|SSL_CERT_DIR|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE)$/, why: 'these decide which TLS certificates Triton trusts, S3 included' },
  { pattern: /^(LD_\w+|GLIBC_TUNABLES)$/, why: 'these change what the dynamic loader puts into the Triton process' },
  { pattern: /^PYTHON\w*$/, why: 'these change what the Python backends import and run' },
  { pattern: /^PATH$/, why: 'PATH decides which tritonserver starts' },
];

/** Label-key prefixes (and their subdomains) that belong to tritonops, Kubernetes, Istio, Flux, KEDA and Flagger. */
const RESERVED_PREFIXES = ['tritonops.dev', 'kubernetes.io', 'k8s.io', 'istio.io', 'fluxcd.io', 'keda.sh', 'flagger.app'];
/** `app.kubernetes.io/*` is for everyone (Kubernetes' recommended labels), but for the ones tritonops sets. */
const OPEN_PREFIX = 'app.kubernetes.io';
const MANAGED_LABELS = new Set([
  'app.kubernetes.io/name',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'istio-injection',
]);

/** The annotations tritonops reads. */
export const KNOWN_ANNOTATIONS = ['tritonops.dev/promotion-override', 'tritonops.dev/not-a-secret'];

/** Headers that requests carry for other reasons: routing the canary on them moves ordinary traffic. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'host',
  'authorization',
  'cookie',
  'te',
  'connection',
  'upgrade',
  'keep-alive',
  'transfer-encoding',
  'user-agent',
  'accept',
  'accept-encoding',
  'traceparent',
  'tracestate',
  'b3',
  'x-request-id',
]);
const RESERVED_HEADER_PREFIXES = ['x-envoy-', 'x-forwarded-', 'x-b3-', 'grpc-', 'proxy-', 'x-istio-'];

/** Longest Deployment name whose pods keep their whole name: pod names are cut at 58 characters before a 5-character suffix, and the ReplicaSet adds a hash of up to 10 characters. */
export const MAX_UNTRUNCATED_DEPLOYMENT = 46;

/**
 * A `$(NAME)` that Kubernetes would expand in a container's command, args or env value, unless
 * escaped as `$$(`: the first one in `text`, with its offset.
 */
export function kubernetesExpansion(text: string): { reference: string; offset: number } | undefined {
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] !== '$') continue;
    if (text[i + 1] === '$') {
      i++; // `$$` is a literal `$`
      continue;
    }
    if (text[i + 1] !== '(') continue;
    const close = text.indexOf(')', i + 2);
    if (close >= 0) return { reference: text.slice(i, close + 1), offset: i };
  }
  return undefined;
}

/** Why a user label key may not be used, or undefined when it may. */
export function reservedLabelKey(key: string): string | undefined {
  if (MANAGED_LABELS.has(key)) return `tritonops sets "${key}" itself`;
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  const prefix = key.slice(0, slash);
  if (prefix === OPEN_PREFIX) return undefined;
  const owner = RESERVED_PREFIXES.find((p) => prefix === p || prefix.endsWith(`.${p}`));
  return owner
    ? `the prefix "${prefix}/" belongs to ${owner === 'tritonops.dev' ? 'tritonops' : owner}, which reads such labels to decide what to do`
    : undefined;
}

/** The environment's pool names, domain and tracing, for the per-file checks. */
interface EnvironmentFacts {
  readonly domain?: string;
  readonly tracingOn: boolean;
}

export function checkSafety(env: LoadedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const environment = env.environment;
  const facts: EnvironmentFacts = {
    ...(environment?.value.spec.gateway ? { domain: environment.value.spec.gateway.domain } : {}),
    tracingOn: environment?.value.spec.tracing !== undefined,
  };
  if (environment) out.push(...checkEnvironmentFile(environment));
  for (const model of env.models) out.push(...checkModel(model, facts));
  for (const pipeline of env.pipelines) out.push(...checkPipeline(pipeline, facts));
  out.push(...checkDerivedNames(env));
  return out;
}

/** Names tritonops (and Flagger) derive from a model's or a pipeline's, for objects of their own. */
const DERIVED_SUFFIXES = [
  ['-canary', 'the canary track'],
  ['-ingress', 'the gateway route'],
  ['-primary', "Flagger's primary copy"],
] as const;
/** Names that would give a model's objects the name of one every environment has in its namespace. */
const ENVIRONMENT_OBJECTS = new Map([
  ['default', 'its mTLS policy'],
  // A model's alert rule is `triton-<model>`; `triton-models` is the environment's retired one.
  ['models', 'its retired alert rule, triton-models'],
]);

/**
 * Two objects of one kind cannot share a name: a model named `whisper-canary` would be the canary
 * Deployment of `whisper`, a model named `default` the namespace's own mTLS policy. The later
 * object would silently replace the earlier one in the cluster.
 */
function checkDerivedNames(env: LoadedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const all = [...env.models, ...env.pipelines].map(({ file, value }) => ({ file, name: value.metadata.name }));
  const names = new Set(all.map((a) => a.name));
  for (const { file, name } of all) {
    const error = collector(file, out);
    const reserved = ENVIRONMENT_OBJECTS.get(name);
    if (reserved) error(['metadata', 'name'], 'reserved-name', `"${name}" names an object every environment has (${reserved})`, 'choose another name');
    for (const [suffix, what] of DERIVED_SUFFIXES) {
      const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
      if (base !== undefined && names.has(base))
        error(
          ['metadata', 'name'],
          'derived-name-clash',
          `"${name}" is the name tritonops gives ${what} of "${base}": the two would replace each other's objects`,
          "choose a name that does not end in the suffix of another model's objects",
        );
    }
  }
  return out;
}

/** The `promotedFrom` chains of the environments read: a cycle has no first environment. */
export function checkPromotionChains(environments: readonly LoadedEnvironment[]): Diagnostic[] {
  const from = new Map<string, string>();
  for (const env of environments) {
    const source = env.environment?.value.spec.promotedFrom;
    if (source) from.set(env.name, source);
  }
  const out: Diagnostic[] = [];
  for (const env of environments) {
    const file = env.environment?.file;
    if (!file || !from.has(env.name)) continue;
    const chain = [env.name];
    let next = from.get(env.name);
    while (next !== undefined && !chain.includes(next)) {
      chain.push(next);
      next = from.get(next);
    }
    if (next === env.name) {
      out.push({
        ...problem(file, ['spec', 'promotedFrom']),
        severity: 'error',
        code: 'promotion-cycle',
        message: `promotedFrom goes round in a circle: ${[...chain, env.name].join(' → ')}`,
        hint: 'the first environment of a promotion chain (e.g. dev) has no promotedFrom',
      });
    }
  }
  return out;
}

function problem(file: SourceFile, path: DataPath, at: 'key' | 'value' = 'value'): Pick<Diagnostic, 'file' | 'line' | 'col' | 'length'> {
  return { file: file.path, ...file.locate(path, at) };
}

function collector(file: SourceFile, out: Diagnostic[]) {
  return reporter(file, out).error;
}

function checkEnvironmentFile({ file, value }: Loaded<Environment>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = collector(file, out);
  const spec = value.spec;
  checkLabels(error, ['metadata', 'labels'], value.metadata.labels);
  checkLabels(error, ['spec', 'namespaceLabels'], spec.namespaceLabels);
  checkAnnotations(error, value.metadata.annotations);
  for (const [pool, config] of Object.entries(spec.gpuPools)) checkPool(error, ['spec', 'gpuPools', pool], config);
  const domain = spec.gateway?.domain;
  if (domain) {
    const long = domain.split('.').find((label) => label.length > 63);
    if (long)
      error(
        ['spec', 'gateway', 'domain'],
        'dns-label-too-long',
        `"${long.slice(0, 20)}…" in gateway.domain is ${long.length} characters; a DNS label has at most 63`,
        'shorten that part of the domain',
      );
  }
  if (spec.tracing) checkSampling(error, ['spec', 'tracing', 'samplingPercent'], spec.tracing.samplingPercent);
  checkDuration(error, ['spec', 'git', 'interval'], spec.git.interval, 'git.interval');
  const reserved = reservedNamespace(spec.namespace);
  if (reserved)
    error(
      ['spec', 'namespace'],
      'reserved-namespace',
      `namespace "${spec.namespace}" cannot hold models: ${reserved}`,
      'give the models a namespace of their own, e.g. `inference`',
    );
  checkGit(error, spec.git);
  if (spec.auth) {
    checkUrl(error, ['spec', 'auth', 'jwt', 'issuer'], spec.auth.jwt.issuer);
    checkUrl(error, ['spec', 'auth', 'jwt', 'jwksUri'], spec.auth.jwt.jwksUri);
  }
  return out;
}

/** Node labels and taints of the control plane: no model belongs there. */
const CONTROL_PLANE = 'node-role.kubernetes.io/';

/** A GPU pool's node selector and tolerations: keys Kubernetes accepts, never the control plane. */
function checkPool(error: ReturnType<typeof collector>, at: DataPath, pool: GpuPool): void {
  for (const key of Object.keys(pool.nodeSelector)) {
    checkKeyPrefix(error, [...at, 'nodeSelector', key], key);
    if (key.startsWith(CONTROL_PLANE))
      error(
        [...at, 'nodeSelector', key],
        'control-plane-node',
        `"${key}" would place models on control-plane nodes`,
        'select the GPU nodes by a label of their own',
        'key',
      );
  }
  (pool.tolerations ?? []).forEach((t, i) => {
    const path = [...at, 'tolerations', i];
    checkKeyPrefix(error, [...path, 'key'], t.key);
    if (t.key.startsWith(CONTROL_PLANE))
      error(
        [...path, 'key'],
        'control-plane-node',
        `tolerating "${t.key}" would let models onto control-plane nodes`,
        'tolerate only the taints of the GPU nodes',
      );
    if (t.operator === 'Exists' && t.value !== undefined)
      error(
        [...path, 'value'],
        'toleration-value',
        'a toleration with operator Exists takes no value (Kubernetes refuses it)',
        'remove `value`, or use operator Equal',
        'key',
      );
  });
}

function checkUrl(error: ReturnType<typeof collector>, path: DataPath, text: string): void {
  try {
    new URL(text);
  } catch {
    error(path, 'invalid-url', `"${text}" is not a URL (check the host and the port)`, 'for example https://keycloak.example.com/realms/ml');
  }
}

/**
 * Where Flux sends the Git credentials and the commit-status token: a valid branch, and the
 * commit-status address on the Git host itself (the token is that host's; another host would
 * receive it).
 */
function checkGit(error: ReturnType<typeof collector>, git: Environment['spec']['git']): void {
  const branch = git.branch;
  if (!/^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(branch) || /\.\.|\/\/|\/$|\.lock$|@\{/.test(branch)) {
    error(['spec', 'git', 'branch'], 'invalid-branch', `"${branch}" is not a Git branch name`, 'for example `main` or `release/2024-11`');
  }
  const status = git.commitStatus;
  if (!status) return;
  const gitHost = hostOf(git.url);
  const statusHost = hostOf(status.address);
  if (gitHost && statusHost && gitHost !== statusHost) {
    error(
      ['spec', 'git', 'commitStatus', 'address'],
      'commit-status-host',
      `commit statuses would go to ${statusHost}, but the repository is on ${gitHost}: the token in ${status.secretRef} would be sent to another host`,
      `use the repository's address on ${gitHost}`,
    );
  }
}

/** The host of a Git or HTTPS URL, lowercase; undefined when there is none. */
function hostOf(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]+)/i.exec(url)?.[1]?.toLowerCase();
}

function checkLabels(error: ReturnType<typeof collector>, path: DataPath, labels: Record<string, string> | undefined): void {
  for (const key of Object.keys(labels ?? {})) {
    const why = reservedLabelKey(key);
    if (why)
      error([...path, key], 'reserved-label', `label "${key}" is not yours to set: ${why}`, 'use a key of your own, e.g. `team` or `example.com/team`', 'key');
    else checkKeyPrefix(error, [...path, key], key);
  }
}

/** The DNS-subdomain prefix of a label key has at most 253 characters. */
function checkKeyPrefix(error: ReturnType<typeof collector>, path: DataPath, key: string): void {
  const slash = key.indexOf('/');
  if (slash > 253)
    error(
      path,
      'label-key-too-long',
      `the prefix of label key "${key.slice(0, 20)}…" is ${slash} characters; Kubernetes allows 253`,
      'use a shorter prefix',
      'key',
    );
}

function checkAnnotations(error: ReturnType<typeof collector>, annotations: Record<string, string> | undefined): void {
  for (const key of Object.keys(annotations ?? {})) {
    if (!key.startsWith('tritonops.dev/') || KNOWN_ANNOTATIONS.includes(key)) continue;
    error(
      ['metadata', 'annotations', key],
      'unknown-annotation',
      `tritonops reads no annotation "${key}"`,
      didYouMeanHint(key, KNOWN_ANNOTATIONS, `its annotations: ${KNOWN_ANNOTATIONS.join(', ')}`),
      'key',
    );
  }
}

function checkSampling(error: ReturnType<typeof collector>, path: DataPath, percent: number): void {
  // Triton samples one request in round(100 / percent): past 1 in 100,000 the rate stops being one.
  if (percent > 0 && percent < 0.001) {
    error(
      path,
      'sampling-too-small',
      `samplingPercent ${percent} is too small to sample: Triton takes one request in round(100 / ${percent})`,
      'use 0 to turn tracing off, or at least 0.001 (one request in 100,000)',
    );
  }
}

function checkContainer(error: ReturnType<typeof collector>, argsPaths: readonly [DataPath, readonly string[]][], env: Record<string, string>): void {
  for (const [path, args] of argsPaths) {
    for (const parsed of parseTritonArgs(args)) {
      const at = [...path, parsed.index];
      if (!parsed.ok) {
        const guess = parsed.candidates ? didYouMean(args[parsed.index]!.replace(/^--/, '').replace(/=.*$/, ''), [...parsed.candidates]) : undefined;
        error(at, 'triton-flag', parsed.problem, guess ? `did you mean "--${guess}"?` : parsed.hint);
        continue;
      }
      const why = own(MANAGED_FLAGS, parsed.option);
      if (why) {
        const alias = parsed.written === parsed.option ? '' : ` (tritonserver reads --${parsed.written} as --${parsed.option})`;
        error(at, 'managed-flag', `--${parsed.option} is set by tritonops${alias}`, why);
      }
    }
    args.forEach((arg, i) => {
      const found = kubernetesExpansion(arg);
      if (found)
        error(
          [...path, i],
          'kubernetes-expansion',
          expansionMessage(found.reference),
          `write "$$(" for a literal "$(": ${arg.slice(0, found.offset)}$${arg.slice(found.offset)}`,
        );
    });
  }
  for (const [name, value] of Object.entries(env)) {
    const managed = own(MANAGED_ENV, name);
    const refused = REFUSED_ENV.find((r) => r.pattern.test(name));
    if (managed) error(['spec', 'env', name], 'managed-env', `environment variable ${name} is set by tritonops`, managed, 'key');
    else if (refused)
      error(
        ['spec', 'env', name],
        'refused-env',
        `environment variable ${name} may not be set: ${refused.why}`,
        'remove it; if the platform lacks a setting you need, ask for it in environment.yaml',
        'key',
      );
    const found = kubernetesExpansion(value);
    if (found) error(['spec', 'env', name], 'kubernetes-expansion', expansionMessage(found.reference), 'write "$$(" for a literal "$("');
  }
}

function expansionMessage(reference: string): string {
  return `"${reference}" would be replaced by Kubernetes with the container's environment variable of that name, and the container's environment holds the S3 keys`;
}

function checkTracks(
  error: ReturnType<typeof collector>,
  name: string,
  spec: {
    canary?: { analysis?: unknown; weight?: number; header?: Record<string, string>; mirror?: unknown } | undefined;
    autoscaling?: { triggers: { gpuUtilization?: number; gpuUtilizationSource?: string } } | undefined;
  },
): void {
  const header = Object.keys(spec.canary?.header ?? {})[0];
  if (header !== undefined && (RESERVED_HEADERS.has(header) || RESERVED_HEADER_PREFIXES.some((p) => header.startsWith(p)))) {
    error(
      ['spec', 'canary', 'header', header],
      'reserved-header',
      `"${header}" cannot choose the canary: ordinary requests carry it (routing on it would send them to the canary)`,
      'use a header of your own, e.g. `x-canary: "true"`',
      'key',
    );
  }
  // DCGM's series name the pod that uses a GPU, so its trigger selects pods by name.
  const triggers = spec.autoscaling?.triggers;
  if (triggers?.gpuUtilization !== undefined && triggers.gpuUtilizationSource === 'dcgm') {
    const longest = spec.canary?.analysis ? `${name}-primary` : spec.canary ? `${name}-canary` : name;
    if (longest.length > MAX_UNTRUNCATED_DEPLOYMENT) {
      error(
        ['spec', 'autoscaling', 'triggers', 'gpuUtilizationSource'],
        'pod-names-truncated',
        `the pods of Deployment "${longest}" get truncated names (over ${MAX_UNTRUNCATED_DEPLOYMENT} characters), so DCGM's per-pod series cannot be matched to it`,
        `use gpuUtilizationSource: triton, or a model name of at most ${MAX_UNTRUNCATED_DEPLOYMENT - (longest.length - name.length)} characters`,
      );
    }
  }
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DAY_MS = 24 * 3_600_000;

/**
 * Durations as Istio, Flagger and Flux take them: Istio refuses anything under 1ms, and a number
 * of hours past Go's largest duration (about 292 years) is no duration at all. A day is plenty.
 */
function checkDuration(error: ReturnType<typeof collector>, path: DataPath, text: string | undefined, what: string): void {
  if (text === undefined) return;
  let ms = 0;
  for (const [, count, unit] of text.matchAll(/([0-9]+)(ms|s|m|h)/g)) ms += Number(count) * DURATION_UNITS_MS[unit!]!;
  if (ms < 1) error(path, 'duration-range', `${what} ${text} must be at least 1ms`, 'Istio refuses shorter durations; omit the field for the default');
  else if (ms > DAY_MS) error(path, 'duration-range', `${what} ${text} is longer than a day`, 'use at most 24h');
}

function checkTraffic(error: ReturnType<typeof collector>, traffic: { timeout: string; retries: { perTryTimeout?: string } }): void {
  checkDuration(error, ['spec', 'traffic', 'timeout'], traffic.timeout, 'traffic.timeout');
  checkDuration(error, ['spec', 'traffic', 'retries', 'perTryTimeout'], traffic.retries.perTryTimeout, 'traffic.retries.perTryTimeout');
}

function checkRoles(error: ReturnType<typeof collector>, roles: readonly string[] | undefined): void {
  (roles ?? []).forEach((role, i) => {
    if (role.includes('*'))
      error(
        ['spec', 'auth', 'roles', i],
        'wildcard-role',
        `role "${role}" holds "*", which Istio reads as a wildcard (any role${role === '*' ? '' : ' with that prefix or suffix'})`,
        'name the roles exactly',
      );
  });
}

function checkHost(error: ReturnType<typeof collector>, name: string, facts: EnvironmentFacts): void {
  if (facts.domain && name.length + 1 + facts.domain.length > 253) {
    error(
      ['metadata', 'name'],
      'host-too-long',
      `host "${name}.${facts.domain.slice(0, 20)}…" would be ${name.length + 1 + facts.domain.length} characters; DNS allows 253`,
      'use a shorter name or gateway.domain',
    );
  }
}

function checkModel({ file, value }: Loaded<Model>, facts: EnvironmentFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = collector(file, out);
  const spec = value.spec;
  checkLabels(error, ['metadata', 'labels'], value.metadata.labels);
  checkAnnotations(error, value.metadata.annotations);
  checkContainer(
    error,
    [[['spec', 'args'], spec.args], ...(spec.canary?.args ? [[['spec', 'canary', 'args'], spec.canary.args] as [DataPath, readonly string[]]] : [])],
    spec.env,
  );
  checkTracks(error, value.metadata.name, spec);
  checkRoles(error, spec.auth.roles);
  checkHost(error, value.metadata.name, facts);
  checkTraffic(error, spec.traffic);
  checkDuration(error, ['spec', 'canary', 'analysis', 'interval'], spec.canary?.analysis?.interval, 'canary.analysis.interval');
  if (spec.tracing && facts.tracingOn) checkSampling(error, ['spec', 'tracing', 'samplingPercent'], spec.tracing.samplingPercent);
  return out;
}

function checkPipeline({ file, value }: Loaded<Pipeline>, facts: EnvironmentFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = collector(file, out);
  checkLabels(error, ['metadata', 'labels'], value.metadata.labels);
  checkAnnotations(error, value.metadata.annotations);
  checkRoles(error, value.spec.auth.roles);
  checkHost(error, value.metadata.name, facts);
  checkTraffic(error, value.spec.traffic);
  return out;
}
