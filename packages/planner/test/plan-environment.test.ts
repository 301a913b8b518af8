/**
 * The plan stage on its own (src/plan/environment.ts, `planEnvironment`): what a small spec
 * becomes once every default is applied and every reference resolved, asserted value by value.
 */
import { describe, expect, it } from 'vitest';
import { GPU_TOLERATION, handoverBounds, type EnvironmentPlan, type ModelPlan } from '../src/plan/environment.ts';
import { ASR_MODEL, chainPipeline, environment, shown, withModels, workspace } from './tiny-workspace.ts';

/** The test pool with room to spare, so that no capacity warning gets in the way. */
const ROOMY = environment('test', '', 't4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 1, maxNodes: 16, gpuMemory: 16Gi }');

/** The plan of environment `test` with these models; fails on any diagnostic but the `warnings` expected. */
function planOf(models: Record<string, string>, env = ROOMY, warnings: string[] = []): EnvironmentPlan {
  const result = withModels(models, env);
  expect(result.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(warnings.map((code) => `warning ${code}`));
  expect(result.plans.map((p) => p.name)).toEqual(['test']);
  return result.plans[0]!;
}

const modelOf = (plan: EnvironmentPlan, name: string): ModelPlan => {
  const found = plan.models.find((m) => m.name === name);
  if (!found) throw new Error(`no model ${name} in the plan (${plan.models.map((m) => m.name).join(', ')})`);
  return found;
};

describe('planEnvironment: the environment', () => {
  it('applies the defaults of the environment spec and resolves the S3 endpoint', () => {
    const plan = planOf({ asr: '  gpuPool: t4\n' });
    expect(plan.sourcePath).toBe('environments/test/environment.yaml');
    expect(plan.namespace).toBe('inference');
    expect(plan.namespaceLabels).toEqual({});
    expect(plan.labels).toEqual({});
    expect(plan.promotedFrom).toBeUndefined();
    expect(plan.git).toEqual({ url: 'ssh://git@git.example.com/acme/platform.git', branch: 'main', interval: '1m' });
    expect(plan.s3).toEqual({
      endpoint: { scheme: 'https', host: 's3.example.com', port: 443 },
      endpointUrl: 'https://s3.example.com:443',
      region: 'ru-1',
      credentialsSecret: 's3-model-reader',
      accessKeyIdKey: 'AWS_ACCESS_KEY_ID',
      secretAccessKeyKey: 'AWS_SECRET_ACCESS_KEY',
    });
    expect(plan.gateway).toEqual({ domain: 'inference.example.com', tlsSecret: 'inference-tls' });
    expect(plan.sfs).toMatchObject({ server: '10.0.0.2', path: '/shares/cache', size: '100Gi', mountOptions: ['nfsvers=4.1', 'hard', 'noatime'] });
    expect(plan.monitoring).toEqual({ prometheus: { retention: '10d' } });
    expect(plan.jwt).toBeUndefined();
    expect(plan.tracing).toBeUndefined();
    expect(plan.pipelines).toEqual([]);
  });

  it('plans each GPU pool, sorted by name, and a time-sliced pool advertises the shared resource under its own device-plugin config', () => {
    const pools = `t4: { nodeSelector: { gpu: t4 }, gpusPerNode: 2, maxNodes: 3, gpuMemory: 16Gi }
    a100: { nodeSelector: { gpu: a100 }, gpusPerNode: 8, maxNodes: 1, gpuMemory: 80Gi, timeSlicing: { replicas: 4 } }`;
    const plan = planOf({ asr: '  gpuPool: t4\n' }, environment('test', '', pools));
    expect(Object.keys(plan.gpuPools)).toEqual(['a100', 't4']);
    expect(plan.gpuPools.t4).toEqual({
      nodeSelector: { gpu: 't4' },
      resource: 'nvidia.com/gpu',
      gpusPerNode: 2,
      maxNodes: 3,
      gpuMemory: '16Gi',
      tolerations: [],
    });
    expect(plan.gpuPools.a100).toEqual({
      nodeSelector: { gpu: 'a100', 'nvidia.com/device-plugin.config': 'a100' },
      resource: 'nvidia.com/gpu.shared',
      timeSlicingReplicas: 4,
      gpusPerNode: 8,
      maxNodes: 1,
      gpuMemory: '80Gi',
      tolerations: [],
    });
  });

  it('sorts the models by name', () => {
    const plan = planOf({ zeta: '', alpha: '', mid: '' });
    expect(plan.models.map((m) => m.name)).toEqual(['alpha', 'mid', 'zeta']);
  });
});

describe('planEnvironment: a model with nothing but its release', () => {
  const plan = planOf({ asr: '  gpuPool: t4\n' });
  const asr = modelOf(plan, 'asr');

  it('runs one stable track named after the model, reading S3 through the environment endpoint', () => {
    expect(asr.sourcePath).toBe('environments/test/models/asr.yaml');
    expect(asr.tracks).toHaveLength(1);
    const [stable] = asr.tracks;
    expect(stable!.track).toBe('stable');
    expect(stable!.deploymentName).toBe('asr');
    expect(stable!.replicas).toBe(1);
    expect(stable!.autoscale).toBeUndefined();
    expect(stable!.release.image).toBe('nvcr.io/nvidia/tritonserver:24.10-py3');
    expect(stable!.release.repository).toMatchObject({ bucket: 'models', prefix: 'asr/v1' });
    expect(stable!.release.repositoryUri).toBe('s3://https://s3.example.com:443/models/asr/v1');
    expect(stable!.release.cache).toBeUndefined();
  });

  it('places it on its GPU pool with one GPU and the GPU toleration', () => {
    expect(asr.gpu).toEqual({
      pool: 't4',
      resource: 'nvidia.com/gpu',
      count: 1,
      nodeSelector: { 'gpu.example.com/model': 'tesla-t4' },
      tolerations: [GPU_TOLERATION],
    });
  });

  it('has no canary, analysis, autoscaling or handover, and needs no token without JWT in the environment', () => {
    expect(asr.routing).toBeUndefined();
    expect(asr.analysis).toBeUndefined();
    expect(asr.autoscaling).toBeUndefined();
    expect(asr.handover).toBeUndefined();
    expect(asr.handoverFromReplicas).toBeUndefined();
    expect(asr.auth).toEqual({ required: false });
  });

  it('takes the default traffic, SLO and resources, and asks for local disk since it downloads from S3', () => {
    expect(asr.traffic).toEqual({ timeout: '60s', streaming: false, retries: { attempts: 2, retryOn: ['connect-failure', 'refused-stream'] } });
    expect(asr.slo).toEqual({ successRate: 99, queueTimeMs: 200 });
    expect(asr.resources).toEqual({ cpu: '2', memory: '8Gi', shm: '1Gi', ephemeralStorage: { request: '20Gi' } });
    expect(asr.tracks[0]!.release.args).toEqual([]);
    expect(asr.env).toEqual({});
    expect(asr.startupTimeoutSeconds).toBe(900);
    expect(asr.terminationGracePeriodSeconds).toBe(60);
  });

  it('a CPU-only model gets no GPU placement', () => {
    expect(modelOf(planOf({ cpu: '' }), 'cpu').gpu).toBeUndefined();
  });

  it('a model cached on SFS gets the cache key, digest and AWS CLI source of its release', () => {
    const cached = modelOf(planOf({ cached: '  cache: sfs\n' }), 'cached').tracks[0]!.release.cache!;
    expect(cached.key).toBe('repositories/s3.example.com/models/cached/v1');
    expect(cached.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(cached.source).toBe('s3://models/cached/v1/');
  });
});

describe('planEnvironment: a static canary', () => {
  const plan = planOf({
    asr: `  gpuPool: t4
  replicas: 2
  canary:
    repository: s3://models/asr/v2
    weight: 10
    replicas: 1
    header: { x-canary: "yes" }
`,
  });
  const asr = modelOf(plan, 'asr');

  it('runs two tracks: stable named after the model, canary `<model>-canary`, each with its own replicas and release', () => {
    expect(asr.tracks.map((t) => [t.track, t.deploymentName, t.replicas])).toEqual([
      ['stable', 'asr', 2],
      ['canary', 'asr-canary', 1],
    ]);
    expect(asr.tracks[0]!.release.repository).toMatchObject({ bucket: 'models', prefix: 'asr/v1' });
    expect(asr.tracks[1]!.release.repository).toMatchObject({ bucket: 'models', prefix: 'asr/v2' });
    // The canary inherits what it does not override.
    expect(asr.tracks[1]!.release.image).toBe(asr.tracks[0]!.release.image);
    expect(asr.tracks[1]!.release.args).toEqual(asr.tracks[0]!.release.args);
  });

  it('routes by weight and header, with no Flagger analysis', () => {
    expect(asr.routing).toEqual({ weight: 10, header: { name: 'x-canary', value: 'yes' } });
    expect(asr.analysis).toBeUndefined();
  });

  it('a canary without a weight gets 0 percent; a mirror is planned as its percent', () => {
    const m = modelOf(planOf({ asr: '  canary:\n    repository: s3://models/asr/v2\n    replicas: 1\n    mirror: { percent: 25 }\n' }), 'asr');
    expect(m.routing).toEqual({ weight: 0, mirrorPercent: 25 });
  });
});

describe('planEnvironment: Flagger analysis', () => {
  const asr = modelOf(planOf({ asr: '  gpuPool: t4\n  replicas: 2\n  canary:\n    analysis: {}\n' }), 'asr');

  it('keeps a single stable track (Flagger makes the canary) and no static routing', () => {
    expect(asr.tracks.map((t) => [t.track, t.deploymentName, t.replicas])).toEqual([['stable', 'asr', 2]]);
    expect(asr.routing).toBeUndefined();
  });

  it('plans the analysis with the defaults of the spec', () => {
    expect(asr.analysis).toEqual({ interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50, successRate: 99, maxQueueTimeMs: 100 });
  });

  it('takes the analysis values the spec sets', () => {
    const m = modelOf(planOf({ asr: '  canary:\n    analysis: { interval: 2m, threshold: 3, stepWeight: 5, maxWeight: 30 }\n' }), 'asr');
    expect(m.analysis).toMatchObject({ interval: '2m', threshold: 3, stepWeight: 5, maxWeight: 30 });
  });
});

describe('planEnvironment: autoscaling', () => {
  it('gives the stable track the bounds of the spec and plans the triggers and timings', () => {
    const asr = modelOf(planOf({ asr: '  gpuPool: t4\n  autoscaling: { minReplicas: 1, maxReplicas: 4, triggers: { queueTimeMs: 50 } }\n' }), 'asr');
    expect(asr.tracks[0]!.autoscale).toEqual({ minReplicas: 1, maxReplicas: 4 });
    expect(asr.autoscaling).toEqual({
      triggers: { queueTimeMs: 50, gpuUtilizationSource: 'triton', timeToFirstTokenQuantile: 0.9 },
      pollingIntervalSeconds: 15,
      scaleDownStabilizationSeconds: 600,
    });
    expect(asr.handover).toBeUndefined();
  });

  it('scale to zero sets the idle seconds', () => {
    const idle = modelOf(
      planOf({ idle: '  gpuPool: t4\n  autoscaling: { minReplicas: 0, maxReplicas: 2, triggers: { queueTimeMs: 50 }, scaleToZero: { idleSeconds: 900 } }\n' }),
      'idle',
    );
    expect(idle.tracks[0]!.autoscale).toEqual({ minReplicas: 0, maxReplicas: 2 });
    expect(idle.autoscaling!.idleSeconds).toBe(900);
  });
});

describe('planEnvironment: handover', () => {
  // validate warns that Flux leaves the Deployment alone meanwhile; the plan is made all the same.
  const HANDOVER_WARNING = 'handover-pending';
  it('from a fixed count written in the spec: bounds start one above it, and the plan says so', () => {
    const asr = modelOf(
      planOf({ asr: '  autoscaling: { minReplicas: 1, maxReplicas: 2, triggers: { queueTimeMs: 50 } }\n  replicas: 3\n  handover: true\n' }, ROOMY, [
        HANDOVER_WARNING,
      ]),
      'asr',
    );
    expect(asr.handover).toBe(true);
    expect(asr.handoverFromReplicas).toBe(true);
    expect(asr.tracks[0]!.replicas).toBe(3);
    expect(asr.tracks[0]!.autoscale).toEqual({ minReplicas: 4, maxReplicas: 4 });
  });

  it('without a count in the spec: the spec bounds, no handover from replicas', () => {
    const asr = modelOf(
      planOf({ asr: '  autoscaling: { minReplicas: 1, maxReplicas: 5, triggers: { queueTimeMs: 50 } }\n  handover: true\n' }, ROOMY, [HANDOVER_WARNING]),
      'asr',
    );
    expect(asr.handover).toBe(true);
    expect(asr.handoverFromReplicas).toBeUndefined();
    expect(asr.tracks[0]!.autoscale).toEqual({ minReplicas: 1, maxReplicas: 5 });
  });

  it('handoverBounds keeps bounds above the running count and leaves higher ones alone', () => {
    expect(handoverBounds(3, { minReplicas: 1, maxReplicas: 2 })).toEqual({ minReplicas: 4, maxReplicas: 4 });
    expect(handoverBounds(3, { minReplicas: 1, maxReplicas: 8 })).toEqual({ minReplicas: 4, maxReplicas: 8 });
    expect(handoverBounds(1, { minReplicas: 5, maxReplicas: 8 })).toEqual({ minReplicas: 5, maxReplicas: 8 });
  });
});

describe("planEnvironment: a pipeline's server", () => {
  const chain = chainPipeline('{ name: classify, model: asr, inputs: { data_0: pre.PIXELS }, timeoutSeconds: 100 }');
  const asrModel = ASR_MODEL;
  const result = workspace({
    'environments/test/environment.yaml': environment('test'),
    'environments/test/models/asr.yaml': asrModel,
    'environments/test/pipelines/chain.yaml': chain,
  });

  it('plans the graph and a CPU-only server named after the pipeline, loading the ensemble and forwarding headers', () => {
    expect(shown(result)).toEqual([]);
    const plan = result.plans[0]!;
    expect(plan.pipelines.map((p) => p.graph.name)).toEqual(['chain']);
    const p = plan.pipelines[0]!;
    expect(p.graph.steps.map((s) => `${s.name}:${s.model ?? `local ${s.tritonModel}`}`)).toEqual(['pre:local pre', 'classify:asr', 'post:local post']);
    expect(p.endpoints).toEqual({ classify: 'http://asr.inference.svc.cluster.local:8000' });
    const server = p.server;
    expect(server.name).toBe('chain');
    expect(server.sourcePath).toBe('environments/test/pipelines/chain.yaml');
    expect(server.gpu).toBeUndefined();
    expect(server.env).toEqual({});
    expect(server.startupTimeoutSeconds).toBe(600);
    expect(server.tracks).toHaveLength(1);
    const [track] = server.tracks;
    expect(track!.deploymentName).toBe('chain');
    expect(track!.release.tritonModels).toEqual(['chain']);
    expect(track!.release.repository).toMatchObject({ bucket: 'models', prefix: 'chain/v1' });
    expect(track!.release.args).toEqual([
      '--http-header-forward-pattern=(authorization|traceparent|tracestate)',
      '--grpc-header-forward-pattern=(authorization|traceparent|tracestate)',
    ]);
    expect(server.resources.ephemeralStorage).toEqual({ request: '20Gi' });
    // In-flight requests may wait on the slowest step (100 s), plus 20.
    expect(p.graph.steps.find((s) => s.name === 'classify')!.timeoutSeconds).toBe(100);
    expect(server.terminationGracePeriodSeconds).toBe(120);
    expect(server.auth).toEqual({ required: false });
    expect(server.autoscaling).toBeUndefined();
  });
});

describe('the JWT issuer and key addresses', () => {
  const withIssuer = (issuer: string) =>
    workspace({
      'environments/dev/environment.yaml': environment(
        'dev',
        `  auth: { jwt: { issuer: "${issuer}", jwksUri: "https://keycloak.example.com/realms/ml/protocol/openid-connect/certs" } }\n`,
      ),
    });

  it('accepts what a URL may hold', () => {
    expect(withIssuer("https://keycloak.example.com:8443/realms/ml-prod_1?x=a&b=%20c#f,(i)!$*+;=@[::1]'").hasErrors).toBe(false);
  });

  it('refuses backticks, angle brackets and other characters no URL holds, which would step out of code where tritonops quotes the issuer', () => {
    for (const bad of ['https://x.example/`@team`', 'https://x.example/<img>', 'https://x.example/{a}', 'https://x.example/a|b', 'https://x.example/a\\\\b']) {
      const result = withIssuer(bad);
      expect(result.hasErrors, bad).toBe(true);
      expect(result.diagnostics.map((d) => `${d.line}:${d.message}`).join('\n'), bad).toMatch(/issuer/);
    }
  });
});
