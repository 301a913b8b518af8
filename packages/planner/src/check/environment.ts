/**
 * Checks of an environment that a schema cannot express: its name and promotion source, its S3
 * endpoint, its GPU pools, what production must have; then each of its models (check/model.ts),
 * and that no two model files declare the same model.
 */
import { didYouMeanHint } from '../did-you-mean.ts';
import { type Diagnostic } from '../diagnostics.ts';
import { reporter } from '../report.ts';
import type { LoadedEnvironment } from '../load/read-specs.ts';
import type { SourceFile } from '../load/source-file.ts';
import { isProduction, TIME_SLICED_RESOURCE } from '../plan/environment.ts';
import { parseQuantity } from '../values/quantity.ts';
import { parseEndpoint, type S3Endpoint } from '../values/s3.ts';
import { checkModel } from './model.ts';

export function checkEnvironment(env: LoadedEnvironment, allEnvironments: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (file: SourceFile) => reporter(file, out);

  const loadedEnv = env.environment;
  let endpoint: S3Endpoint | undefined;
  let endpointOk = true;
  if (loadedEnv) {
    const { file, value } = loadedEnv;
    if (value.metadata.name !== env.name) {
      report(file).error(
        ['metadata', 'name'],
        'name-mismatch',
        `environment is named "${value.metadata.name}" but lives in environments/${env.name}/`,
        `name it "${env.name}" or rename the folder`,
      );
    }
    const from = value.spec.promotedFrom;
    if (from !== undefined) {
      if (from === env.name) {
        report(file).error(
          ['spec', 'promotedFrom'],
          'promotion-cycle',
          `environment "${env.name}" cannot be promoted from itself`,
          'name the environment releases come from, e.g. staging',
        );
      } else if (!allEnvironments.includes(from)) {
        report(file).error(
          ['spec', 'promotedFrom'],
          'unknown-environment',
          `promotedFrom names environment "${from}", which does not exist`,
          didYouMeanHint(from, [...allEnvironments], `environments: ${allEnvironments.join(', ')}`),
        );
      }
    }
    if (value.spec.s3.endpoint !== undefined) {
      const parsed = parseEndpoint(value.spec.s3.endpoint);
      if (parsed.ok) endpoint = parsed.value;
      else {
        endpointOk = false;
        report(file).error(['spec', 's3', 'endpoint'], 'invalid-s3-endpoint', parsed.problem, parsed.hint);
      }
    }
    for (const [poolName, pool] of Object.entries(value.spec.gpuPools)) {
      const at = ['spec', 'gpuPools', poolName];
      if (parseQuantity(pool.gpuMemory) === 0)
        report(file).error([...at, 'gpuMemory'], 'invalid-quantity', `gpuMemory of pool "${poolName}" must be more than 0`);
      const slicing = pool.timeSlicing;
      if (slicing && pool.resource !== 'nvidia.com/gpu' && pool.resource !== TIME_SLICED_RESOURCE) {
        report(file).error(
          [...at, 'resource'],
          'time-slicing-resource',
          `pool "${poolName}" uses time-slicing, which shares whole GPUs, but requests ${pool.resource}`,
          `remove \`resource\` (time-sliced pools use ${TIME_SLICED_RESOURCE}) or remove \`timeSlicing\``,
        );
      }
      if (slicing && pool.gpusPerNode % slicing.replicas !== 0) {
        report(file).error(
          [...at, 'gpusPerNode'],
          'time-slicing-shares',
          `gpusPerNode (${pool.gpusPerNode}) of time-sliced pool "${poolName}" counts shares and must be a multiple of timeSlicing.replicas (${slicing.replicas})`,
          `set gpusPerNode to physical GPUs per node × ${slicing.replicas}, e.g. ${slicing.replicas}`,
        );
      }
    }
  }

  if (loadedEnv && isProduction(env.name)) {
    const spec = loadedEnv.value.spec;
    if (!spec.auth)
      report(loadedEnv.file).warn(
        ['spec'],
        'production-without-auth',
        `production environment "${env.name}" configures no \`auth.jwt\`: its models accept unauthenticated requests`,
        'add `auth: { jwt: { issuer, jwksUri } }`',
      );
    if (spec.gateway && !spec.gateway.tlsSecret)
      report(loadedEnv.file).warn(
        ['spec', 'gateway'],
        'production-without-tls',
        `the gateway of production environment "${env.name}" serves plain HTTP`,
        'set `gateway.tlsSecret`',
      );
  }

  const seen = new Map<string, SourceFile>();
  for (const { file, value: model } of env.models) {
    const name = model.metadata.name;
    const earlier = seen.get(name);
    if (earlier) {
      const at = earlier.locate(['metadata', 'name']);
      report(file).error(
        ['metadata', 'name'],
        'duplicate-model',
        `model "${name}" is already declared in ${earlier.path}:${at.line}:${at.col}`,
        'give each model a unique name, or delete one of the two files',
      );
    } else {
      seen.set(name, file);
    }

    out.push(...checkModel(env, { file, value: model }, { endpoint, endpointOk }));
  }
  return out;
}
