/**
 * What the serving options render to: local disk for S3 downloads, streaming routes without a
 * timeout, a NetworkPolicy per model for its callers, and Prometheus' volume and retention.
 */
import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

type Obj = Record<string, any>;
const render = (models: Record<string, string>, environment = ENVIRONMENT) => renderEnvironment(planOf(models, environment)).flatMap((f) => f.objects as Obj[]);
const find = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const triton = (objects: Obj[], name: string) => find(objects, 'Deployment', name)!.spec.template.spec.containers.find((c: Obj) => c.name === 'triton');

describe('ephemeral storage for S3 downloads', () => {
  const objects = render({
    direct: '',
    cached: '  cache: sfs\n',
    big: '  resources: { ephemeralStorage: 80Gi }\n  canary:\n    repository: s3://models/big/v2\n',
  });

  it('requests local disk on the Triton container of a model that reads S3 itself, without a limit by default', () => {
    // The kubelet holds the whole pod's disk use (the proxy's logs and istio-data too) against the
    // sum of its limits: a default limit would evict, in a loop, a pod whose repository outgrows it.
    expect(triton(objects, 'direct').resources).toEqual({
      requests: { cpu: '2', memory: '8Gi', 'ephemeral-storage': '20Gi' },
      limits: { memory: '8Gi' },
    });
  });

  it('gives a model on the SFS cache none, and every track the size the spec sets as request and limit', () => {
    expect(triton(objects, 'cached').resources.requests['ephemeral-storage']).toBeUndefined();
    expect(triton(objects, 'cached').resources.limits['ephemeral-storage']).toBeUndefined();
    for (const name of ['big', 'big-canary']) {
      expect(triton(objects, name).resources.requests['ephemeral-storage']).toBe('80Gi');
      expect(triton(objects, name).resources.limits['ephemeral-storage']).toBe('80Gi');
    }
  });

  it('downloads into the container itself: no volume, and Pod Security "restricted" unchanged', () => {
    const pod = find(objects, 'Deployment', 'direct')!.spec.template.spec;
    expect(pod.volumes.map((v: Obj) => v.name)).toEqual(['dshm']);
    expect(triton(objects, 'direct').securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});

describe('streaming', () => {
  const objects = render({
    llm: '  traffic: { streaming: true }\n  canary:\n    repository: s3://models/llm/v2\n    weight: 10\n',
    chat: '  traffic: { streaming: true }\n  canary:\n    analysis: {}\n',
    plain: '',
  });

  it('renders no route timeout, in the mesh and through the gateway, and keeps the retries', () => {
    for (const name of ['llm', 'llm-ingress']) {
      const routes = find(objects, 'VirtualService', name)!.spec.http as Obj[];
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) {
        expect(route).not.toHaveProperty('timeout');
        expect(route.retries).toEqual({ attempts: 2, retryOn: 'connect-failure,refused-stream' });
      }
    }
  });

  it('gives Flagger no timeout to write into its routes', () => {
    expect(find(objects, 'Canary', 'chat')!.spec.service).not.toHaveProperty('timeout');
  });

  it('keeps the timeout of models that do not stream', () => {
    expect((find(objects, 'VirtualService', 'plain')!.spec.http as Obj[]).map((r) => r.timeout)).toEqual(['60s']);
  });
});

describe('callers from other namespaces', () => {
  const objects = render({ whisper: '  callers: { namespaces: [search, batch-jobs] }\n  canary:\n    analysis: {}\n', plain: '' });

  it('admits them on the serving ports of that model only, by a NetworkPolicy of its own', () => {
    const np = find(objects, 'NetworkPolicy', 'whisper-callers')!;
    expect(np.metadata.namespace).toBe('inference');
    expect(np.spec).toEqual({
      // tritonops.dev/model survives Flagger's primary copy, so its pods are covered too.
      podSelector: { matchLabels: { 'tritonops.dev/model': 'whisper' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['search', 'batch-jobs'] }] } }],
          ports: [
            { protocol: 'TCP', port: 8000 },
            { protocol: 'TCP', port: 8001 },
          ],
        },
      ],
    });
  });

  it('leaves the environment-wide policy and models without callers as they were', () => {
    expect(
      objects
        .filter((o) => o.kind === 'NetworkPolicy')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['inference-servers', 'whisper-callers']);
    expect(find(objects, 'NetworkPolicy', 'inference-servers')!.spec.ingress).toHaveLength(1);
  });
});

describe('Prometheus storage', () => {
  const monitoring = (objects: Obj[]) => find(objects, 'HelmRelease', 'kube-prometheus-stack')!.spec.values.prometheus.prometheusSpec;

  it('keeps samples for the default retention on an emptyDir when the environment declares nothing', () => {
    const spec = monitoring(render({}));
    expect(spec.retention).toBe('10d');
    expect(spec).not.toHaveProperty('storageSpec');
    expect(spec).not.toHaveProperty('retentionSize');
  });

  it('renders retention, its size limit and a ReadWriteOnce claim template of the declared class and size', () => {
    const env = `${ENVIRONMENT}  monitoring:\n    prometheus: { retention: 15d, retentionSize: 85GB, storage: { size: 100Gi, storageClass: fast-ssd } }\n`;
    expect(monitoring(render({}, env))).toMatchObject({
      podMonitorSelectorNilUsesHelmValues: false,
      retention: '15d',
      retentionSize: '85GB',
      storageSpec: {
        volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '100Gi' } } } },
      },
    });
  });

  it("leaves the class to the cluster's default when none is named", () => {
    const env = `${ENVIRONMENT}  monitoring:\n    prometheus: { storage: { size: 50Gi } }\n`;
    expect(monitoring(render({}, env)).storageSpec.volumeClaimTemplate.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '50Gi' } },
    });
  });
});
