/**
 * Checks of one model against its environment: its file's name, its S3 repository, its place on
 * a GPU pool, its resources and serving options, the SFS cache, and — each in its own module —
 * its canary, autoscaling, GPU triggers and auth.
 */
import { specFileNames } from '../load/read-specs.ts';
import type { LoadedEnvironment, Loaded } from '../load/read-specs.ts';
import type { DataPath } from '../load/source-file.ts';
import { didYouMeanHint } from '../did-you-mean.ts';
import type { Model } from '@tritonops/spec';
import { type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import { own } from '../values/records.ts';
import { formatBytes, parseQuantity } from '../values/quantity.ts';
import { formatEndpoint, parseS3Uri, sameEndpoint, type S3Endpoint } from '../values/s3.ts';
import { checkAuth } from './auth.ts';
import { checkAutoscaling, checkHandover } from './autoscaling.ts';
import { checkCanary } from './canary.ts';
import { checkGpuTriggers } from './gpu-triggers.ts';
import { checkServingOptions } from './serving.ts';

/** What the environment's own checks learnt that the models' need: its parsed S3 endpoint. */
export interface EnvironmentFacts {
  readonly endpoint: S3Endpoint | undefined;
  /** False when the environment's endpoint did not parse: then models are not compared with it. */
  readonly endpointOk: boolean;
}

export function checkModel(env: LoadedEnvironment, { file, value: model }: Loaded<Model>, { endpoint, endpointOk }: EnvironmentFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = reporter(file, out);
  const loadedEnv = env.environment;
  const spec = model.spec;
  const name = model.metadata.name;
  const expectedFile = `${name}.yaml`;
  const fileName = file.path.split('/').pop() ?? '';
  if (!specFileNames(name).includes(fileName)) {
    report.error(
      ['metadata', 'name'],
      'name-mismatch',
      `model "${name}" is declared in ${fileName}; a model's file is named after it`,
      `rename the file to ${expectedFile} or the model to "${fileName.replace(/\.ya?ml$/, '')}"`,
    );
  }
  // S3 repository: a location Triton can load, on the environment's endpoint.
  const checkRepository = (path: DataPath, uri: string) => {
    const location = parseS3Uri(uri);
    if (!location.ok) {
      report.error(path, 'invalid-s3-uri', location.problem, location.hint);
    } else if (location.value.endpoint && loadedEnv && endpointOk && !sameEndpoint(location.value.endpoint, endpoint)) {
      const envEndpoint = endpoint ? formatEndpoint(endpoint) : 'AWS S3 (no endpoint)';
      report.error(
        path,
        'foreign-s3-endpoint',
        `repository is on ${formatEndpoint(location.value.endpoint)} but the environment's S3 is ${envEndpoint}; the credentials Secret is for the environment's S3`,
        `write s3://${location.value.bucket}${location.value.prefix ? `/${location.value.prefix}` : ''} to use the environment's S3`,
      );
    }
  };
  checkRepository(['spec', 'repository'], spec.repository);
  if (spec.canary?.repository !== undefined) checkRepository(['spec', 'canary', 'repository'], spec.canary.repository);

  // GPU placement.
  if (spec.gpus !== undefined && spec.gpuPool === undefined) {
    report.error(
      ['spec', 'gpus'],
      'gpus-without-pool',
      '`gpus` is set but `gpuPool` is not',
      'add `gpuPool:` with a pool of the environment, or remove `gpus` for a CPU-only model',
      'key',
    );
  }
  const pools = loadedEnv?.value.spec.gpuPools ?? env.partial?.gpuPools;
  const envFile = loadedEnv?.file ?? env.partial?.file;
  if (spec.gpuPool !== undefined && pools && envFile) {
    const pool = own(pools, spec.gpuPool);
    if (!pool) {
      const names = Object.keys(pools).sort();
      const hint = didYouMeanHint(
        spec.gpuPool,
        names,
        names.length
          ? `pools of ${env.name}: ${names.join(', ')}`
          : `environment "${env.name}" declares no gpuPools; remove \`gpuPool\` for a CPU-only model or add the pool to ${envFile.path}`,
      );
      report.error(['spec', 'gpuPool'], 'unknown-gpu-pool', `gpuPool "${spec.gpuPool}" is not a pool of environment "${env.name}"`, hint);
    } else if ((spec.gpus ?? 1) > pool.gpusPerNode) {
      report.error(
        ['spec', 'gpus'],
        'gpus-over-pool',
        `gpus: ${spec.gpus} does not fit pool "${spec.gpuPool}", whose nodes offer ${pool.gpusPerNode} ${pool.resource} each`,
        `request at most ${pool.gpusPerNode}, or use a pool with bigger nodes`,
      );
    }
  }

  // Memory: /dev/shm is memory-backed and counts toward the container's memory limit.
  const memory = parseQuantity(spec.resources.memory);
  const shm = parseQuantity(spec.resources.shm);
  if (memory !== undefined && shm !== undefined && shm >= memory) {
    report.error(
      ['spec', 'resources', 'shm'],
      'shm-over-memory',
      `shm (${spec.resources.shm}) must be less than memory (${spec.resources.memory}): /dev/shm counts toward the memory limit`,
      'raise `memory` or lower `shm`',
    );
  }
  if (parseQuantity(spec.resources.cpu) === 0) report.error(['spec', 'resources', 'cpu'], 'invalid-quantity', 'cpu must be more than 0');
  if (memory === 0) report.error(['spec', 'resources', 'memory'], 'invalid-quantity', 'memory must be more than 0');
  out.push(...checkServingOptions(file, spec, { kind: 'model', analysis: spec.canary?.analysis !== undefined }));

  // Cache on SFS needs the environment's share.
  const hasSfs = loadedEnv ? loadedEnv.value.spec.sfs !== undefined : env.partial?.sfs;
  if (spec.cache === 'sfs' && envFile && hasSfs === false) {
    report.error(
      ['spec', 'cache'],
      'sfs-not-configured',
      `cache: sfs needs an SFS share, but environment "${env.name}" declares no \`sfs\``,
      `add \`sfs: { server, path, size }\` to ${envFile.path}, or set \`cache: none\``,
    );
  }

  out.push(...checkCanary(file, spec));

  // Autoscaling: KEDA triggers that make sense for this model.
  const auto = spec.autoscaling;
  if (auto) out.push(...checkAutoscaling(file, auto, spec.gpuPool !== undefined, spec.handover === true));
  out.push(...checkHandover(file, spec.handover === true, auto !== undefined, 'model'));
  if (spec.canary?.analysis && !auto && spec.replicas === 0) {
    report.error(
      ['spec', 'replicas'],
      'analysis-without-replicas',
      'Flagger analyses a model that runs: `replicas: 0` under canary.analysis leaves nothing to serve',
      'set `replicas` to 1 or more, or autoscale the model',
    );
  }
  // Under Flagger the callers' requests go to `<model>-primary` and `<model>-canary`, and the
  // primary's wake-up trigger is Flagger's copy: nothing would wake a primary at zero.
  if (spec.canary?.analysis && auto?.scaleToZero) {
    report.error(
      ['spec', 'autoscaling', 'scaleToZero'],
      'analysis-with-scale-to-zero',
      'a model under canary.analysis cannot scale to zero: Flagger serves it from `<model>-primary`, which no request would wake',
      'keep `minReplicas: 1` and remove scaleToZero, or remove canary.analysis',
      'key',
    );
  }

  if (spec.canary?.autoscaling && !auto) {
    report.error(
      ['spec', 'canary', 'autoscaling'],
      'canary-autoscaling-alone',
      'canary.autoscaling needs the model to autoscale: the canary uses its triggers',
      'add `autoscaling` to the model, or give the canary a fixed `replicas`',
      'key',
    );
  }
  if (spec.canary?.autoscaling && spec.canary.analysis) {
    report.error(
      ['spec', 'canary', 'autoscaling'],
      'analysis-with-canary-autoscaling',
      "under analysis Flagger scales the canary with the model's own autoscaling",
      'remove canary.autoscaling',
      'key',
    );
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
      report.error(
        ['spec', 'gpuMemory'],
        'gpu-memory-over-pool',
        `gpuMemory ${spec.gpuMemory} does not fit in ${gpus} unit${gpus === 1 ? '' : 's'} of pool "${spec.gpuPool}" (${formatBytes(unit)} each${pool.timeSlicing ? `: a ${pool.timeSlicing.replicas}-way time-sliced share of ${pool.gpuMemory}` : ''})`,
        `request more \`gpus\`, or use a pool with bigger GPUs`,
      );
    }
  }

  // Auth: roles need tokens; opting out is explicit and visible.
  if (loadedEnv) out.push(...checkAuth(file, spec.auth, env.name, loadedEnv, `model "${name}"`));

  if (spec.startupTimeoutSeconds < 120 && spec.cache === 'none') {
    report.warn(
      ['spec', 'startupTimeoutSeconds'],
      'short-startup',
      `startupTimeoutSeconds: ${spec.startupTimeoutSeconds} leaves little time to download the repository from S3`,
      'allow at least a few minutes for multi-GB models',
    );
  }
  return out;
}
