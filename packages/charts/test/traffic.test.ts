import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { QUEUE_TIME_QUERY, renderEnvironment, SUCCESS_RATE_QUERY } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

type Obj = Record<string, any>;
const objects = renderEnvironment(
  planOf({
    whisper: '  canary:\n    repository: s3://models/whisper/v2\n    weight: 10\n    header: { x-canary: "true" }\n',
    densenet:
      '  canary:\n    image: nvcr.io/nvidia/tritonserver:24.11-py3\n    weight: 0\n    mirror: { percent: 50 }\n  traffic: { timeout: 30s, retries: { attempts: 0 } }\n',
    llama: '  auth: { roles: [llm-users] }\n',
    public: '  auth: { required: false }\n',
    sdxl: '  canary:\n    analysis: { stepWeight: 5, maxWeight: 30, successRate: 99.5, maxQueueTimeMs: 250 }\n',
  }),
).flatMap((f) => f.objects as Obj[]);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const route = (vs: Obj, name: string) => vs.spec.http.find((r: Obj) => r.name === name);

describe('canary routing', () => {
  it('runs the canary as its own Deployment beside the stable one, which keeps the model name', () => {
    expect(find('Deployment', 'whisper')!.spec.template.spec.containers[0].args[0]).toContain('/models/whisper/v1');
    const canary = find('Deployment', 'whisper-canary')!;
    expect(canary.spec.template.spec.containers[0].args[0]).toContain('/models/whisper/v2');
    expect(canary.spec.selector.matchLabels['tritonops.dev/track']).toBe('canary');
    expect(find('PodDisruptionBudget', 'whisper-canary')).toBeDefined();
  });

  it('splits by weight, with the header-forced route first', () => {
    const vs = find('VirtualService', 'whisper')!;
    expect(vs.spec.http.map((r: Obj) => r.name)).toEqual(['canary-by-header', 'default']);
    expect(route(vs, 'canary-by-header').match).toEqual([{ headers: { 'x-canary': { exact: 'true' } } }]);
    expect(route(vs, 'default').route.map((d: Obj) => [d.destination.subset, d.weight])).toEqual([
      ['stable', 90],
      ['canary', 10],
    ]);
  });

  it('mirrors a share of requests to a shadow canary', () => {
    const vs = find('VirtualService', 'densenet')!;
    expect(route(vs, 'default')).toMatchObject({ mirror: { subset: 'canary' }, mirrorPercentage: { value: 50 } });
    // Weight 0: the split names only the stable subset, so the canary can go without a route to a missing subset.
    expect(route(vs, 'default').route).toEqual([{ destination: { host: 'densenet.inference.svc.cluster.local', subset: 'stable' } }]);
  });

  it('retries only on connect failures by default, with the timeout from the spec', () => {
    expect(route(find('VirtualService', 'whisper')!, 'default')).toMatchObject({
      timeout: '60s',
      retries: { attempts: 2, retryOn: 'connect-failure,refused-stream' },
    });
    expect(route(find('VirtualService', 'densenet')!, 'default')).toMatchObject({ timeout: '30s', retries: { attempts: 0 } });
  });

  it('serves each model at <model>.<domain> through the gateway, gRPC to port 8001 and HTTP to 8000', () => {
    const vs = find('VirtualService', 'whisper-ingress')!;
    expect(vs.spec).toMatchObject({ hosts: ['whisper.inference.example.com'], gateways: ['istio-ingress/inference-gateway'] });
    expect(vs.spec.http.map((r: Obj) => r.name)).toEqual(['canary-by-header-grpc', 'canary-by-header', 'grpc', 'http']);
    expect(route(vs, 'grpc').match).toEqual([{ headers: { 'content-type': { prefix: 'application/grpc' } } }]);
    expect(route(vs, 'grpc').route.map((d: Obj) => d.destination.port.number)).toEqual([8001, 8001]);
    expect(route(vs, 'http').route.map((d: Obj) => d.destination.port.number)).toEqual([8000, 8000]);
  });

  it('terminates TLS at the gateway and redirects plain HTTP', () => {
    const gw = find('Gateway', 'inference-gateway')!;
    expect(gw.metadata.namespace).toBe('istio-ingress');
    expect(gw.spec.servers).toEqual([
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*.inference.example.com'], tls: { mode: 'SIMPLE', credentialName: 'inference-tls' } },
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.inference.example.com'], tls: { httpsRedirect: true } },
    ]);
  });
});

describe('progressive delivery by Flagger', () => {
  it('renders a Canary instead of tritonops routing, with the steps and thresholds of the spec', () => {
    expect(find('VirtualService', 'sdxl')).toBeUndefined();
    expect(find('DestinationRule', 'sdxl')).toBeUndefined();
    expect(find('Service', 'sdxl')).toBeUndefined();
    const canary = find('Canary', 'sdxl')!;
    expect(canary.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'sdxl' });
    expect(canary.spec.service).toMatchObject({
      port: 8000,
      portDiscovery: true,
      gateways: ['istio-ingress/inference-gateway', 'mesh'],
      hosts: ['sdxl.inference.example.com'],
    });
    expect(canary.spec.analysis).toMatchObject({ stepWeight: 5, maxWeight: 30 });
    expect(canary.spec.analysis.metrics.map((m: Obj) => [m.templateRef.name, m.thresholdRange])).toEqual([
      ['triton-success-rate', { min: 99.5 }],
      ['triton-queue-time', { max: 250 }],
    ]);
  });

  it("measures Triton's own metrics with queries that parse as PromQL", () => {
    const templates = objects.filter((o) => o.kind === 'MetricTemplate');
    expect(templates.map((t) => t.metadata.name)).toEqual(['triton-success-rate', 'triton-queue-time']);
    for (const query of [SUCCESS_RATE_QUERY, QUEUE_TIME_QUERY]) {
      const promql = query.replaceAll('{{ namespace }}', 'inference').replaceAll('{{ target }}', 'sdxl').replaceAll('{{ interval }}', '1m');
      let errors = 0;
      parser.parse(promql).iterate({ enter: (n) => void (n.type.isError && errors++) });
      expect(errors, promql).toBe(0);
    }
    expect(SUCCESS_RATE_QUERY).toContain('nv_inference_request_failure');
    expect(QUEUE_TIME_QUERY).toContain('rate(nv_inference_queue_duration_us');
  });

  it('hands the model back when the Canary is deleted, and never lets Flux set the target replicas', () => {
    const canary = find('Canary', 'sdxl')!;
    expect(canary.spec.revertOnDeletion).toBe(true);
    // Flagger scales its target to zero; a replica count in Git would run idle GPU pods.
    expect(find('Deployment', 'sdxl')!.spec.replicas).toBeUndefined();
    // Instead a ScaledObject with equal bounds holds the size, and Flagger copies it to the primary.
    const so = find('ScaledObject', 'sdxl')!;
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([1, 1]);
    expect(so.spec.scaleTargetRef.name).toBe('sdxl');
    expect(canary.spec.autoscalerRef).toMatchObject({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'sdxl' });
    expect(Object.keys(canary.spec.autoscalerRef.primaryScalerQueries)).toEqual(so.spec.triggers.map((t: Obj) => t.name));
    expect(canary.spec.autoscalerRef.primaryScalerQueries['queue-time']).toContain('app_kubernetes_io_name="sdxl-primary"');
  });

  it('keeps its own Service and routes beside the Canary during a handover, and leaves the Deployment to Flagger', () => {
    const handover = renderEnvironment(planOf({ sdxl: '  replicas: 3\n  handover: true\n  canary:\n    analysis: {}\n' })).flatMap((f) => f.objects as Obj[]);
    const of = (kind: string, name: string) => handover.find((o) => o.kind === kind && o.metadata.name === name);
    expect(of('Canary', 'sdxl')).toBeDefined();
    for (const [kind, name] of [
      ['Service', 'sdxl'],
      ['VirtualService', 'sdxl'],
      ['VirtualService', 'sdxl-ingress'],
      ['DestinationRule', 'sdxl'],
    ] as const) {
      expect(of(kind, name), `${kind} ${name}`).toBeDefined();
    }
    const deployment = of('Deployment', 'sdxl')!;
    expect(deployment.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' });
    expect(deployment.spec.replicas).toBe(3);
    const so = of('ScaledObject', 'sdxl')!;
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([3, 3]);
  });

  it('adds Flagger to the infrastructure only when a model uses it', () => {
    expect(find('HelmRelease', 'flagger')?.spec.values).toEqual({
      meshProvider: 'istio',
      metricsServer: 'http://kube-prometheus-stack-prometheus.monitoring:9090',
    });
    const without = renderEnvironment(planOf({ whisper: '' })).flatMap((f) => f.objects as Obj[]);
    expect(without.some((o) => o.kind === 'HelmRelease' && o.metadata.name === 'flagger')).toBe(false);
  });
});

describe('security', () => {
  it('validates tokens of the environment issuer and forwards them', () => {
    expect(find('RequestAuthentication', 'jwt')!.spec.jwtRules).toEqual([
      {
        issuer: 'https://keycloak.example.com/realms/ml',
        jwksUri: 'https://keycloak.example.com/realms/ml/protocol/openid-connect/certs',
        audiences: ['inference-api'],
        forwardOriginalToken: true,
      },
    ]);
  });

  it('requires a valid token for every model, leaving only the metrics port open to scrapers', () => {
    const policy = find('AuthorizationPolicy', 'whisper')!;
    expect(policy.spec).toEqual({
      selector: { matchLabels: { 'tritonops.dev/model': 'whisper' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }, { to: [{ operation: { ports: ['8002'], methods: ['GET'], paths: ['/metrics'] } }] }],
    });
  });

  it('checks Keycloak realm roles where the model asks for them', () => {
    expect(find('AuthorizationPolicy', 'llama')!.spec.rules[0].when).toEqual([{ key: 'request.auth.claims[realm_access][roles]', values: ['llm-users'] }]);
  });

  it('lets a model opt out explicitly, and only then', () => {
    expect(find('AuthorizationPolicy', 'public')).toBeUndefined();
    const noJwt = renderEnvironment(planOf({ whisper: '' }, ENVIRONMENT.replace(/ {2}auth:\n {4}jwt: .*\n/, ''))).flatMap((f) => f.objects as Obj[]);
    expect(noJwt.some((o) => o.kind === 'RequestAuthentication' || o.kind === 'AuthorizationPolicy')).toBe(false);
  });

  it('enforces mutual TLS, except on the metrics port', () => {
    expect(find('PeerAuthentication', 'default')!.spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(find('PeerAuthentication', 'whisper')!.spec).toMatchObject({ mtls: { mode: 'STRICT' }, portLevelMtls: { '8002': { mode: 'PERMISSIVE' } } });
  });

  it('admits traffic only from the ingress gateway, the namespace itself and monitoring', () => {
    const np = find('NetworkPolicy', 'inference-servers')!;
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/component': 'inference-server' } });
    expect(np.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } } },
          { podSelector: {} },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
      },
    ]);
  });
});
