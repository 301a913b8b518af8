import { describe, expect, it } from 'vitest';
import { CHART_VERSIONS, renderEnvironment } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

type Obj = Record<string, any>;
const files = renderEnvironment(planOf({ whisper: '  gpuPool: t4\n  startupTimeoutSeconds: 1800\n' }));
const objects = files.flatMap((f) => f.objects as Obj[]);
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

describe('Flux for one environment', () => {
  it('lays out one folder per Flux Kustomization', () => {
    expect(files.map((f) => f.path)).toEqual([
      'flux/clusters/test/cluster.yaml',
      'flux/clusters/test/environment.yaml',
      'flux/clusters/test/git-repository.yaml',
      'flux/clusters/test/infrastructure.yaml',
      'flux/clusters/test/models.yaml',
      'flux/clusters/test/models/whisper.yaml',
      'flux/infrastructure/test/gpu-operator.yaml',
      'flux/infrastructure/test/helm-repositories.yaml',
      'flux/infrastructure/test/istio.yaml',
      'flux/infrastructure/test/keda.yaml',
      'flux/infrastructure/test/monitoring.yaml',
      'flux/infrastructure/test/namespaces.yaml',
      'flux/models/test/environment/alerts.yaml',
      'flux/models/test/environment/dashboard.yaml',
      'flux/models/test/environment/gateway.yaml',
      'flux/models/test/environment/model-cache.yaml',
      'flux/models/test/environment/namespace.yaml',
      'flux/models/test/environment/security.yaml',
      'flux/models/test/models/whisper/whisper.yaml',
    ]);
  });

  it('syncs the repository named in environment.yaml, with the credentials by reference', () => {
    const git = byKind('GitRepository')[0]!;
    expect(git.spec).toMatchObject({
      url: 'ssh://git@git.example.com/acme/platform.git',
      ref: { branch: 'main' },
      secretRef: { name: 'flux-git-auth' },
      interval: '1m',
    });
  });

  it('applies each model by a Kustomization of its own, after the environment, waiting one startup budget', () => {
    const k = (name: string) => byKind('Kustomization').find((o) => o.metadata.name === name)!;
    expect(k('environment').spec).toMatchObject({
      path: './flux/models/test/environment',
      prune: true,
      wait: true,
      dependsOn: [{ name: 'infrastructure' }],
      timeout: '5m',
    });
    expect(k('model-whisper').spec).toMatchObject({
      path: './flux/models/test/models/whisper',
      prune: true,
      wait: true,
      dependsOn: [{ name: 'environment' }],
      timeout: '35m',
    });
    // The one Kustomization of earlier versions stays, suspended and not pruning: removing it, or
    // pointing it elsewhere, would delete every model it applied.
    expect(k('models').spec).toMatchObject({ path: './flux/models/test', suspend: true, prune: false });
    expect(k('infrastructure').spec).toMatchObject({ path: './flux/infrastructure/test', prune: true, wait: true });
    expect(k('cluster').spec.path).toBe('./flux/clusters/test');
  });

  it('installs pinned Helm charts in dependency order', () => {
    const releases: Obj = Object.fromEntries(byKind('HelmRelease').map((r) => [r.metadata.name, r]));
    expect(Object.keys(releases).sort()).toEqual([
      'gpu-operator',
      'istio-base',
      'istio-cni',
      'istio-ingressgateway',
      'istiod',
      'keda',
      'kube-prometheus-stack',
    ]);
    expect(releases.istiod.spec.chart.spec.version).toBe(CHART_VERSIONS.istio);
    expect(releases.istiod.spec.dependsOn).toEqual([{ name: 'istio-cni', namespace: 'istio-system' }]);
    expect(releases.istiod.spec.values.pilot.cni.enabled).toBe(true);
    expect(releases['istio-ingressgateway'].spec.dependsOn).toEqual([{ name: 'istiod', namespace: 'istio-system' }]);
    expect(releases['gpu-operator'].spec.values.mig.strategy).toBe('mixed');
    for (const r of Object.values(releases)) expect(r.spec.chart.spec.version).toMatch(/^v?\d+\.\d+\.\d+$/);
  });

  it("renders the chart versions the environment pins, and tritonops' pins for the charts it omits", () => {
    const pinned = ENVIRONMENT.replace('  s3:', '  platform: { charts: { istio: 1.27.0, gpuOperator: v25.10.0, flagger: 1.45.0-rc.1 } }\n  s3:');
    const analysed = '  canary:\n    analysis: {}\n';
    const released = renderEnvironment(planOf({ whisper: analysed }, pinned))
      .flatMap((f) => f.objects as Obj[])
      .filter((o) => o.kind === 'HelmRelease');
    const version = Object.fromEntries(released.map((r) => [r.metadata.name, r.spec.chart.spec.version]));
    expect(version).toEqual({
      'istio-base': '1.27.0',
      'istio-cni': '1.27.0',
      istiod: '1.27.0',
      'istio-ingressgateway': '1.27.0',
      keda: CHART_VERSIONS.keda,
      'kube-prometheus-stack': CHART_VERSIONS.kubePrometheusStack,
      'gpu-operator': 'v25.10.0',
      flagger: '1.45.0-rc.1',
    });
    expect(CHART_VERSIONS.istio).not.toBe('1.27.0');
  });

  it('refuses a chart version range, and a gpu-operator version without its leading v, at the line of the version', () => {
    for (const [charts, field] of [
      ['{ istio: "^1.26.0" }', 'istio'],
      ['{ keda: 2.17.x }', 'keda'],
      ['{ kubePrometheusStack: ">=75.0.0" }', 'kubePrometheusStack'],
      ['{ gpuOperator: 25.3.1 }', 'gpuOperator'],
    ] as const) {
      const env = ENVIRONMENT.replace('  s3:', `  platform:\n    charts: ${charts}\n  s3:`);
      const line = env.split('\n').indexOf(`    charts: ${charts}`) + 1;
      expect(() => planOf({ tokenizer: '' }, env), field).toThrow(
        new RegExp(`environment\\.yaml:${line}:\\d+: spec\\.platform\\.charts\\.${field} .* is not in the expected format`),
      );
    }
  });

  it('leaves the GPU operator out of an environment without GPU pools', () => {
    const cpuOnly = ENVIRONMENT.replace(/ {2}gpuPools:[\s\S]*?(?= {2}s3:)/, '');
    const paths = renderEnvironment(planOf({ tokenizer: '' }, cpuOnly)).map((f) => f.path);
    expect(paths).not.toContain('flux/infrastructure/test/gpu-operator.yaml');
  });
});

describe('time-sliced GPU pools', () => {
  const sliced = ENVIRONMENT.replace(
    '    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 1, maxNodes: 8, gpuMemory: 16Gi }',
    '    t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, timeSlicing: { replicas: 4 }, gpusPerNode: 4, maxNodes: 8, gpuMemory: 16Gi }',
  );
  const objs = renderEnvironment(planOf({ small: '  gpuPool: t4\n' }, sliced)).flatMap((f) => f.objects as Obj[]);

  it('configures the GPU operator to split each GPU of the pool, selected by the node label', () => {
    const config = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'time-slicing-config')!;
    expect(config.metadata.namespace).toBe('gpu-operator');
    expect(config.data.t4).toContain('replicas: 4');
    expect(config.data.t4).toContain('renameByDefault: true');
    const operator = objs.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'gpu-operator')!;
    expect(operator.spec.values.devicePlugin).toEqual({ config: { name: 'time-slicing-config' } });
  });

  it('makes models request a share, on nodes that carry that configuration', () => {
    const pod = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu.shared']).toBe(1);
    expect(pod.nodeSelector).toEqual({ 'gpu.example.com/model': 'tesla-t4', 'nvidia.com/device-plugin.config': 't4' });
  });
});
