/**
 * The objects the serving options render are valid for the real API: Deployments with local
 * disk, routes without a timeout, a model's callers' NetworkPolicy, and Prometheus' retention and
 * volume as prometheus-operator takes them (the chart copies `prometheusSpec` into the Prometheus
 * resource, `storageSpec` as its `storage`); and the real API server accepts them all, applied as
 * Flux applies them (see cluster-acceptance.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Prometheus } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus';
import { renderEnvironment } from '@tritonops/charts';
import { planRepository } from '@tritonops/planner';
import { nonEmpty } from './support/non-empty.ts';
import { apiServer, type KubeObject } from './support/apiserver.ts';
import { needsSharedSchema, sharedSchemasAvailable, validateUpstream } from './support/upstream-schemas.ts';
import { tempDir } from './support/workspace.ts';

const dir = tempDir('serving-options');
afterAll(() => dir.remove());

const FILES: Record<string, string> = {
  'environments/lab/environment.yaml': `apiVersion: tritonops.dev/v1alpha1
kind: Environment
metadata: { name: lab }
spec:
  git: { url: ssh://git@git.example.com/acme/platform.git }
  gpuPools:
    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 1, maxNodes: 8, gpuMemory: 16Gi }
  s3: { endpoint: "https://s3.example.com:443", region: ru-1, credentialsSecret: s3-model-reader }
  gateway: { domain: inference.example.com, tlsSecret: inference-tls }
  auth: { jwt: { issuer: "https://keycloak.example.com/realms/ml", jwksUri: "https://keycloak.example.com/realms/ml/certs" } }
  monitoring:
    prometheus: { retention: 15d, retentionSize: 85GB, storage: { size: 100Gi, storageClass: fast-ssd } }
`,
  'environments/lab/models/llm.yaml': `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: llm }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-vllm-python-py3
  repository: s3://models/llm/v1
  gpuPool: t4
  resources: { ephemeralStorage: 60Gi }
  traffic: { streaming: true }
  callers: { namespaces: [search, batch-jobs] }
  canary:
    repository: s3://models/llm/v2
    weight: 10
`,
  'environments/lab/models/chat.yaml': `apiVersion: tritonops.dev/v1alpha1
kind: Model
metadata: { name: chat }
spec:
  image: nvcr.io/nvidia/tritonserver:24.10-vllm-python-py3
  repository: s3://models/chat/v1
  gpuPool: t4
  traffic: { streaming: true }
  callers: { namespaces: [search] }
  canary:
    analysis: {}
`,
};
for (const [path, text] of Object.entries(FILES)) {
  mkdirSync(dirname(join(dir.path, path)), { recursive: true });
  writeFileSync(join(dir.path, path), text);
}
const result = planRepository({ root: dir.path, displayBase: dir.path });
const objects = result.hasErrors ? [] : renderEnvironment(result.plans[0]!).flatMap((f) => f.objects as Record<string, any>[]);
const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

describe('serving options, against the upstream schemas', () => {
  it('validates, warning only that gRPC streams cannot reach the model under Flagger analysis', () => {
    expect(result.diagnostics.map((d) => [d.severity, d.code, d.file, d.line, d.col])).toEqual([
      ['warning', 'streaming-under-analysis', 'environments/lab/models/chat.yaml', 8, 14],
    ]);
  });

  it.for([
    'Deployment/llm',
    'Deployment/llm-canary',
    'Deployment/chat',
    'VirtualService/llm',
    'VirtualService/llm-ingress',
    'NetworkPolicy/llm-callers',
    'NetworkPolicy/chat-callers',
    'HelmRelease/kube-prometheus-stack',
    'Canary/chat',
  ])('%s is valid for its kind', (id, ctx) => {
    const [kind, name] = id.split('/') as [string, string];
    const object = named(kind, name);
    expect(object).toBeDefined();
    if (needsSharedSchema(object) && !sharedSchemasAvailable()) ctx.skip('needs ../shared/flagger/crd.yaml (present in CI, not in a user clone)');
    expect(() => validateUpstream(object)).not.toThrow();
  });

  it("renders values prometheus-operator's Prometheus resource takes", () => {
    const values = named('HelmRelease', 'kube-prometheus-stack').spec.values.prometheus.prometheusSpec;
    const prometheus = new Prometheus({
      metadata: { name: 'kube-prometheus-stack-prometheus', namespace: 'monitoring' },
      spec: { retention: values.retention, retentionSize: values.retentionSize },
    });
    expect(() => prometheus.validate()).not.toThrow();
    // The claim template is an embedded PersistentVolumeClaim: its spec is a claim's spec.
    const claim = new PersistentVolumeClaim({ metadata: { name: 'prometheus-db' }, spec: values.storageSpec.volumeClaimTemplate.spec });
    expect(() => claim.validate()).not.toThrow();
    // The same validator refuses what Prometheus would not take, so the check above can fail.
    expect(() => new Prometheus({ metadata: { name: 'p' }, spec: { retention: '2 weeks' } }).validate()).toThrow();
  });

  const api = apiServer();
  const skip = 'unavailable' in api ? api.unavailable : undefined;
  it(`the real API server accepts every object${skip ? ` (skipped: ${skip})` : ''}`, async (ctx) => {
    if (skip || 'unavailable' in api) return ctx.skip(skip);
    const refused: string[] = [];
    for (const object of nonEmpty(objects, 'rendered objects') as KubeObject[]) {
      const why = await api.wouldAccept(object);
      if (why) refused.push(why);
    }
    expect(refused).toEqual([]);
  }, 120_000);
});
