/**
 * Checks across files that a schema cannot express: references between an environment and its
 * models, GPU fit, S3 locations Triton can load, memory arithmetic, flags tritonops owns.
 */
import { own } from '../values/records.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { Loaded, LoadedEnvironment } from '../load/read-specs.ts';
import { parseQuantity } from '../values/quantity.ts';
import { isProduction, TIME_SLICED_RESOURCE } from '../plan/environment.ts';
import { parseEndpoint, parseS3Uri, sameEndpoint, formatEndpoint, type S3Endpoint } from '../values/s3.ts';
import type { DataPath, SourceFile } from '../load/source-file.ts';
import type { AuthSpec, AutoscalingSpec } from '@tritonops/spec';
import type { Environment } from '@tritonops/spec';
import { didYouMean } from '../load/validate-shape.ts';
import { checkGpuTriggers } from './gpu-triggers.ts';
import { checkServingOptions } from './serving.ts';

/**
 * How KEDA treats each trigger. AverageValue: the query sums over replicas and the threshold is
 * per replica. Value: the query is a mean or a quantile and the threshold is its target.
 */
export const TRIGGER_METRIC_TYPES = {
  queueTimeMs: 'Value',
  gpuUtilization: 'Value',
  inferencesPerSecond: 'AverageValue',
  pendingRequests: 'AverageValue',
  gpuMemoryUtilization: 'Value',
  timeToFirstTokenMs: 'Value',
} as const;

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))}${unit}`;
  }
  return `${bytes}`;
}

export function checkEnvironment(env: LoadedEnvironment, allEnvironments: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = (file: SourceFile, path: DataPath, code: string, message: string, hint?: string, at: 'key' | 'value' = 'value') =>
    out.push({ severity: 'error', code, file: file.path, ...file.locate(path, at), message, ...(hint ? { hint } : {}) });
  const warn = (file: SourceFile, path: DataPath, code: string, message: string, hint?: string) =>
    out.push({ severity: 'warning', code, file: file.path, ...file.locate(path), message, ...(hint ? { hint } : {}) });

  const loadedEnv = env.environment;
  let endpoint: S3Endpoint | undefined;
  let endpointOk = true;
  if (loadedEnv) {
    const { file, value } = loadedEnv;
    if (value.metadata.name !== env.name) {
      error(file, ['metadata', 'name'], 'name-mismatch', `environment is named "${value.metadata.name}" but lives in environments/${env.name}/`, `name it "${env.name}" or rename the folder`);
    }
    const from = value.spec.promotedFrom;
    if (from !== undefined) {
      if (from === env.name) {
        error(file, ['spec', 'promotedFrom'], 'promotion-cycle', `environment "${env.name}" cannot be promoted from itself`, 'name the environment releases come from, e.g. staging');
      } else if (!allEnvironments.includes(from)) {
        const guess = didYouMean(from, [...allEnvironments]);
        error(file, ['spec', 'promotedFrom'], 'unknown-environment', `promotedFrom names environment "${from}", which does not exist`, guess ? `did you mean "${guess}"?` : `environments: ${allEnvironments.join(', ')}`);
      }
    }
    if (value.spec.s3.endpoint !== undefined) {
      const parsed = parseEndpoint(value.spec.s3.endpoint);
      if (parsed.ok) endpoint = parsed.value;
      else {
        endpointOk = false;
        error(file, ['spec', 's3', 'endpoint'], 'invalid-s3-endpoint', parsed.problem, parsed.hint);
      }
    }
    for (const [poolName, pool] of Object.entries(value.spec.gpuPools)) {
      const at = ['spec', 'gpuPools', poolName];
      if (parseQuantity(pool.gpuMemory) === 0) error(file, [...at, 'gpuMemory'], 'invalid-quantity', `gpuMemory of pool "${poolName}" must be more than 0`);
      const slicing = pool.timeSlicing;
      if (slicing && pool.resource !== 'nvidia.com/gpu' && pool.resource !== TIME_SLICED_RESOURCE) {
        error(file, [...at, 'resource'], 'time-slicing-resource', `pool "${poolName}" uses time-slicing, which shares whole GPUs, but requests ${pool.resource}`, `remove \`resource\` (time-sliced pools use ${TIME_SLICED_RESOURCE}) or remove \`timeSlicing\``);
      }
      if (slicing && pool.gpusPerNode % slicing.replicas !== 0) {
        error(file, [...at, 'gpusPerNode'], 'time-slicing-shares', `gpusPerNode (${pool.gpusPerNode}) of time-sliced pool "${poolName}" counts shares and must be a multiple of timeSlicing.replicas (${slicing.replicas})`, `set gpusPerNode to physical GPUs per node × ${slicing.replicas}, e.g. ${slicing.replicas}`);
      }
    }
  }

  if (loadedEnv && isProduction(env.name)) {
    const spec = loadedEnv.value.spec;
    if (!spec.auth) warn(loadedEnv.file, ['spec'], 'production-without-auth', `production environment "${env.name}" configures no \`auth.jwt\`: its models accept unauthenticated requests`, 'add `auth: { jwt: { issuer, jwksUri } }`');
    if (spec.gateway && !spec.gateway.tlsSecret) warn(loadedEnv.file, ['spec', 'gateway'], 'production-without-tls', `the gateway of production environment "${env.name}" serves plain HTTP`, 'set `gateway.tlsSecret`');
  }

  const seen = new Map<string, SourceFile>();
  for (const { file, value: model } of env.models) {
    const spec = model.spec;
    const name = model.metadata.name;
    const expectedFile = `${name}.yaml`;
    const fileName = file.path.split('/').pop() ?? '';
    if (fileName !== expectedFile && fileName !== `${name}.yml`) {
      error(file, ['metadata', 'name'], 'name-mismatch', `model "${name}" is declared in ${fileName}; a model's file is named after it`, `rename the file to ${expectedFile} or the model to "${fileName.replace(/\.ya?ml$/, '')}"`);
    }
    const earlier = seen.get(name);
    if (earlier) {
      const at = earlier.locate(['metadata', 'name']);
      error(file, ['metadata', 'name'], 'duplicate-model', `model "${name}" is already declared in ${earlier.path}:${at.line}:${at.col}`, 'give each model a unique name, or delete one of the two files');
    } else {
      seen.set(name, file);
    }

    // S3 repository: a location Triton can load, on the environment's endpoint.
    const checkRepository = (path: DataPath, uri: string) => {
      const location = parseS3Uri(uri);
      if (!location.ok) {
        error(file, path, 'invalid-s3-uri', location.problem, location.hint);
      } else if (location.value.endpoint && loadedEnv && endpointOk && !sameEndpoint(location.value.endpoint, endpoint)) {
        const envEndpoint = endpoint ? formatEndpoint(endpoint) : 'AWS S3 (no endpoint)';
        error(file, path, 'foreign-s3-endpoint', `repository is on ${formatEndpoint(location.value.endpoint)} but the environment's S3 is ${envEndpoint}; the credentials Secret is for the environment's S3`, `write s3://${location.value.bucket}${location.value.prefix ? `/${location.value.prefix}` : ''} to use the environment's S3`);
      }
    };
    checkRepository(['spec', 'repository'], spec.repository);
    if (spec.canary?.repository !== undefined) checkRepository(['spec', 'canary', 'repository'], spec.canary.repository);

    // GPU placement.
    if (spec.gpus !== undefined && spec.gpuPool === undefined) {
      error(file, ['spec', 'gpus'], 'gpus-without-pool', '`gpus` is set but `gpuPool` is not', 'add `gpuPool:` with a pool of the environment, or remove `gpus` for a CPU-only model', 'key');
    }
    const pools = loadedEnv?.value.spec.gpuPools ?? env.partial?.gpuPools;
    const envFile = loadedEnv?.file ?? env.partial?.file;
    if (spec.gpuPool !== undefined && pools && envFile) {
      const pool = own(pools, spec.gpuPool);
      if (!pool) {
        const names = Object.keys(pools).sort();
        const guess = didYouMean(spec.gpuPool, names);
        const hint = guess ? `did you mean "${guess}"?` : names.length ? `pools of ${env.name}: ${names.join(', ')}` : `environment "${env.name}" declares no gpuPools; remove \`gpuPool\` for a CPU-only model or add the pool to ${envFile.path}`;
        error(file, ['spec', 'gpuPool'], 'unknown-gpu-pool', `gpuPool "${spec.gpuPool}" is not a pool of environment "${env.name}"`, hint);
      } else if ((spec.gpus ?? 1) > pool.gpusPerNode) {
        error(file, ['spec', 'gpus'], 'gpus-over-pool', `gpus: ${spec.gpus} does not fit pool "${spec.gpuPool}", whose nodes offer ${pool.gpusPerNode} ${pool.resource} each`, `request at most ${pool.gpusPerNode}, or use a pool with bigger nodes`);
      }
    }

    // Memory: /dev/shm is memory-backed and counts toward the container's memory limit.
    const memory = parseQuantity(spec.resources.memory);
    const shm = parseQuantity(spec.resources.shm);
    if (memory !== undefined && shm !== undefined && shm >= memory) {
      error(file, ['spec', 'resources', 'shm'], 'shm-over-memory', `shm (${spec.resources.shm}) must be less than memory (${spec.resources.memory}): /dev/shm counts toward the memory limit`, 'raise `memory` or lower `shm`');
    }
    if (parseQuantity(spec.resources.cpu) === 0) error(file, ['spec', 'resources', 'cpu'], 'invalid-quantity', 'cpu must be more than 0');
    if (memory === 0) error(file, ['spec', 'resources', 'memory'], 'invalid-quantity', 'memory must be more than 0');
    out.push(...checkServingOptions(file, spec, { kind: 'model', analysis: spec.canary?.analysis !== undefined }));

    // Cache on SFS needs the environment's share.
    const hasSfs = loadedEnv ? loadedEnv.value.spec.sfs !== undefined : env.partial?.sfs;
    if (spec.cache === 'sfs' && envFile && hasSfs === false) {
      error(file, ['spec', 'cache'], 'sfs-not-configured', `cache: sfs needs an SFS share, but environment "${env.name}" declares no \`sfs\``, `add \`sfs: { server, path, size }\` to ${envFile.path}, or set \`cache: none\``);
    }

    // Canary: either static routing of a second release, or Flagger analysis of every release.
    const canary = spec.canary;
    if (canary) {
      const releaseKeys = (['image', 'repository', 'models', 'args'] as const).filter((k) => canary[k] !== undefined);
      const routingKeys = (['weight', 'header', 'mirror'] as const).filter((k) => canary[k] !== undefined);
      if (canary.analysis) {
        for (const key of routingKeys) {
          error(file, ['spec', 'canary', key], 'analysis-with-static-routing', `canary.${key} cannot be combined with canary.analysis: Flagger sets the weights`, 'remove one of the two: static routing (weight, header, mirror) or analysis', 'key');
        }
        for (const key of releaseKeys) {
          error(file, ['spec', 'canary', key], 'analysis-with-release', `canary.${key} cannot be combined with canary.analysis: Flagger makes a canary of every change to the model's own release`, `change spec.${key} itself to release under analysis`, 'key');
        }
        if (canary.analysis.stepWeight > canary.analysis.maxWeight) {
          error(file, ['spec', 'canary', 'analysis', 'stepWeight'], 'analysis-step', `stepWeight (${canary.analysis.stepWeight}) is larger than maxWeight (${canary.analysis.maxWeight})`, 'take smaller steps, or raise maxWeight');
        }
      } else {
        const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
        const differs =
          (canary.image !== undefined && canary.image !== spec.image) ||
          (canary.repository !== undefined && canary.repository !== spec.repository) ||
          (canary.models !== undefined && !same(canary.models, spec.models)) ||
          (canary.args !== undefined && !same(canary.args, spec.args));
        if (!differs) {
          error(file, ['spec', 'canary'], 'canary-same-release', 'the canary runs the same release as the stable track', 'give the canary its own `image`, `repository`, `models` or `args`', 'key');
        }
        if ((canary.weight ?? 0) > 0 && canary.replicas === 0 && !canary.autoscaling) {
          error(file, ['spec', 'canary', 'replicas'], 'canary-weight-without-replicas', `the canary gets ${canary.weight}% of the traffic but runs no replica: those requests would fail`, 'give the canary at least one replica, or set `weight: 0`');
        }
        if (canary.weight === undefined && canary.header === undefined && canary.mirror === undefined) {
          warn(file, ['spec', 'canary'], 'canary-without-traffic', 'the canary receives no traffic: it has no weight, header or mirror', 'set `weight` (e.g. 10), a `header` for testers, or `mirror`');
        }
      }
    }

    // Autoscaling: KEDA triggers that make sense for this model.
    const auto = spec.autoscaling;
    if (auto) out.push(...checkAutoscaling(file, auto, spec.gpuPool !== undefined, spec.handover === true));
    out.push(...checkHandover(file, spec.handover === true, auto !== undefined, 'model'));
    if (spec.canary?.analysis && !auto && spec.replicas === 0) {
      error(file, ['spec', 'replicas'], 'analysis-without-replicas', 'Flagger analyses a model that runs: `replicas: 0` under canary.analysis leaves nothing to serve', 'set `replicas` to 1 or more, or autoscale the model');
    }
    // Under Flagger the callers' requests go to `<model>-primary` and `<model>-canary`, and the
    // primary's wake-up trigger is Flagger's copy: nothing would wake a primary at zero.
    if (spec.canary?.analysis && auto?.scaleToZero) {
      error(file, ['spec', 'autoscaling', 'scaleToZero'], 'analysis-with-scale-to-zero', 'a model under canary.analysis cannot scale to zero: Flagger serves it from `<model>-primary`, which no request would wake', 'keep `minReplicas: 1` and remove scaleToZero, or remove canary.analysis', 'key');
    }

    if (spec.canary?.autoscaling && !auto) {
      error(file, ['spec', 'canary', 'autoscaling'], 'canary-autoscaling-alone', 'canary.autoscaling needs the model to autoscale: the canary uses its triggers', 'add `autoscaling` to the model, or give the canary a fixed `replicas`', 'key');
    }
    if (spec.canary?.autoscaling && spec.canary.analysis) {
      error(file, ['spec', 'canary', 'autoscaling'], 'analysis-with-canary-autoscaling', 'under analysis Flagger scales the canary with the model\'s own autoscaling', 'remove canary.autoscaling', 'key');
    }

    // GPU-utilisation triggers read the physical GPU: not the model's own on MIG or time-sliced pools.
    if (auto && pools && spec.gpuPool !== undefined) {
      const pool = own(pools, spec.gpuPool);
      if (pool) out.push(...checkGpuTriggers(file, auto, { name: spec.gpuPool, resource: pool.resource, timeSliced: pool.timeSlicing !== undefined }));
    }

    // GPU memory: what one replica needs must fit in the units it gets.
    if (spec.gpuMemory !== undefined && pools && spec.gpuPool !== undefined) {
      const pool = own(pools, spec.gpuPool);
      const need = parseQuantity(spec.gpuMemory);
      const unit = pool ? (parseQuantity(pool.gpuMemory) ?? 0) / (pool.timeSlicing?.replicas ?? 1) : undefined;
      const gpus = spec.gpus ?? 1;
      if (pool && need !== undefined && unit !== undefined && need > unit * gpus) {
        error(file, ['spec', 'gpuMemory'], 'gpu-memory-over-pool', `gpuMemory ${spec.gpuMemory} does not fit in ${gpus} unit${gpus === 1 ? '' : 's'} of pool "${spec.gpuPool}" (${formatBytes(unit)} each${pool.timeSlicing ? `: a ${pool.timeSlicing.replicas}-way time-sliced share of ${pool.gpuMemory}` : ''})`, `request more \`gpus\`, or use a pool with bigger GPUs`);
      }
    }

    // Auth: roles need tokens; opting out is explicit and visible.
    if (loadedEnv) out.push(...checkAuth(file, spec.auth, env.name, loadedEnv, `model "${name}"`));

    if (spec.startupTimeoutSeconds < 120 && spec.cache === 'none') {
      warn(file, ['spec', 'startupTimeoutSeconds'], 'short-startup', `startupTimeoutSeconds: ${spec.startupTimeoutSeconds} leaves little time to download the repository from S3`, 'allow at least a few minutes for multi-GB models');
    }
  }
  return out;
}

/** Autoscaling rules shared by models and pipelines (whose servers have no GPU). */
export function checkAutoscaling(file: SourceFile, auto: AutoscalingSpec, hasGpu: boolean, handover: boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = (path: DataPath, code: string, message: string, hint?: string, at: 'key' | 'value' = 'value') =>
    out.push({ severity: 'error', code, file: file.path, ...file.locate(path, at), message, ...(hint ? { hint } : {}) });
  const warn = (path: DataPath, code: string, message: string, hint?: string) =>
    out.push({ severity: 'warning', code, file: file.path, ...file.locate(path), message, ...(hint ? { hint } : {}) });
  const at = ['spec', 'autoscaling'];
  const triggers = auto.triggers;
  const set = (Object.keys(TRIGGER_METRIC_TYPES) as (keyof typeof TRIGGER_METRIC_TYPES)[]).filter((k) => triggers[k] !== undefined);
  if (set.length === 0) {
    error([...at, 'triggers'], 'no-trigger', 'autoscaling needs at least one trigger', `set one of ${Object.keys(TRIGGER_METRIC_TYPES).join(', ')}; e.g. \`queueTimeMs: 50\``, 'key');
  }
  if (auto.minReplicas > auto.maxReplicas) {
    error([...at, 'minReplicas'], 'min-over-max', `minReplicas (${auto.minReplicas}) is larger than maxReplicas (${auto.maxReplicas})`);
  }
  if (auto.minReplicas === 0 && !auto.scaleToZero) {
    error([...at, 'minReplicas'], 'zero-without-opt-in', 'minReplicas: 0 scales the model to zero, which needs an explicit `scaleToZero`', 'add `scaleToZero: { idleSeconds: 900 }` (and read its caveat), or keep at least one replica');
  }
  if (auto.scaleToZero && auto.minReplicas !== 0) {
    error([...at, 'scaleToZero'], 'scale-to-zero-min', `scaleToZero needs minReplicas: 0, not ${auto.minReplicas}`, 'set `minReplicas: 0`', 'key');
  }
  if (auto.fallbackReplicas !== undefined) {
    const ratios = set.filter((k) => TRIGGER_METRIC_TYPES[k] === 'Value');
    if (ratios.length > 0) {
      error([...at, 'fallbackReplicas'], 'fallback-metric-type', `fallbackReplicas works only with per-replica triggers, but ${ratios.join(', ')} ${ratios.length === 1 ? 'is a' : 'are'} ratio (Value) trigger${ratios.length === 1 ? '' : 's'}`, 'KEDA falls back only for AverageValue triggers: use inferencesPerSecond or pendingRequests, or remove fallbackReplicas', 'key');
    }
  }
  if (!hasGpu) {
    for (const k of ['gpuUtilization', 'gpuMemoryUtilization'] as const) {
      if (triggers[k] !== undefined) error([...at, 'triggers', k], 'gpu-trigger-on-cpu', `${k} needs a GPU, but ${file.path.includes('/pipelines/') ? 'a pipeline server runs on CPU' : 'the model has no gpuPool'}`, 'scale a CPU-only model on queueTimeMs, inferencesPerSecond or pendingRequests', 'key');
    }
  }
  if (file.has(['spec', 'replicas']) && !handover) {
    warn(['spec', 'replicas'], 'replicas-ignored', '`replicas` is ignored: the model autoscales between minReplicas and maxReplicas', 'remove `replicas`');
  }
  return out;
}

/**
 * A handover is one pull request of a two-step change: it must have something to hand over, and it
 * must not be forgotten (Flux leaves the Deployment alone while it is set).
 */
export function checkHandover(file: SourceFile, handover: boolean, autoscales: boolean, kind: 'model' | 'pipeline'): Diagnostic[] {
  if (!handover) return [];
  const at = { file: file.path, ...file.locate(['spec', 'handover'], 'key') };
  // A model's handover may also be the step that switches analysis off (then it has neither);
  // `validate --base` judges whether it hands anything over. A pipeline only ever autoscales.
  if (!autoscales && kind === 'pipeline') {
    return [{ severity: 'error', code: 'handover-without-takeover', ...at, message: '`handover` has nothing to hand over: for a pipeline it is the first step of turning `autoscaling` on', hint: 'remove `handover`' }];
  }
  return [{
    severity: 'warning',
    code: 'handover-pending',
    ...at,
    message: 'while `handover` is set Flux leaves the running Deployment as it is: changes to its pods do not reach the cluster',
    hint: 'merge nothing else for this model, and remove `handover` in the next pull request (`tritonops diff` says when)',
  }];
}

/** Auth rules shared by models and pipelines. */
export function checkAuth(file: SourceFile, auth: AuthSpec, environment: string, loadedEnv: Loaded<Environment>, what: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: DataPath, mode: 'key' | 'value') => ({ file: file.path, ...file.locate(path, mode) });
  if (auth.roles && !loadedEnv.value.spec.auth?.jwt) {
    out.push({ severity: 'error', code: 'roles-without-jwt', ...at(['spec', 'auth', 'roles'], 'key'), message: `roles are checked on JWT claims, but environment "${environment}" configures no \`auth.jwt\``, hint: `add \`auth: { jwt: { issuer, jwksUri } }\` to ${loadedEnv.file.path}, or remove the roles` });
  }
  if (auth.roles && !auth.required) {
    out.push({ severity: 'error', code: 'roles-without-auth', ...at(['spec', 'auth', 'roles'], 'key'), message: 'roles are set but `auth.required` is false', hint: 'remove the roles, or require auth' });
  }
  if (!auth.required && isProduction(environment)) {
    out.push({ severity: 'warning', code: 'auth-opt-out', ...at(['spec', 'auth', 'required'], 'value'), message: `${what} opts out of authentication in production: anyone who reaches the gateway can call it`, hint: 'remove `auth.required: false` unless this is meant to be public' });
  }
  return out;
}
