import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

type Obj = Record<string, any>;
const auto = (extra: string) => `  gpuPool: t4\n  autoscaling:\n    minReplicas: 1\n    maxReplicas: 4\n${extra}`;
const objects = renderEnvironment(
  planOf({
    llm: auto('    triggers:\n      queueTimeMs: 50\n      timeToFirstTokenMs: 400\n'),
    batch: auto('    fallbackReplicas: 2\n    triggers:\n      inferencesPerSecond: 20\n      pendingRequests: 8\n'),
    whisper:
      auto('    triggers:\n      queueTimeMs: 100\n') +
      '  canary:\n    repository: s3://models/whisper/v2\n    weight: 10\n    autoscaling: { minReplicas: 1, maxReplicas: 2 }\n',
    sdxl: auto('    triggers:\n      gpuUtilization: 75\n      gpuUtilizationSource: dcgm\n') + '  canary:\n    analysis: {}\n',
    idle: '  gpuPool: t4\n  autoscaling:\n    minReplicas: 0\n    maxReplicas: 1\n    triggers: { pendingRequests: 4 }\n    scaleToZero: { idleSeconds: 600 }\n',
  }),
).flatMap((f) => f.objects as Obj[]);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const trigger = (so: Obj, name: string) => so.spec.triggers.find((t: Obj) => t.name === name);

describe('autoscaling with KEDA', () => {
  it('leaves the replica count of an autoscaled Deployment to KEDA', () => {
    expect(find('Deployment', 'llm').spec.replicas).toBeUndefined();
    expect(find('ScaledObject', 'llm').spec).toMatchObject({ scaleTargetRef: { name: 'llm' }, minReplicaCount: 1, maxReplicaCount: 4, pollingInterval: 15 });
  });

  it('scales on mean queue time (a ratio of two rates) and on time to first token (a histogram quantile)', () => {
    const so = find('ScaledObject', 'llm');
    expect(trigger(so, 'queue-time')).toMatchObject({ type: 'prometheus', metricType: 'Value', metadata: { threshold: '50' } });
    expect(trigger(so, 'queue-time').metadata.query).toMatch(
      /^sum\(rate\(nv_inference_queue_duration_us\{namespace="inference",app_kubernetes_io_name="llm",tritonops_dev_track="stable"\}\[1m\]\)\) \/ clamp_min\(sum\(rate\(nv_inference_request_success/,
    );
    expect(trigger(so, 'time-to-first-token').metadata.query).toContain(
      'histogram_quantile(0.9, sum by (le) (rate(nv_inference_first_response_histogram_ms_bucket',
    );
    expect(find('Deployment', 'llm').spec.template.spec.containers[0].args).toContain('--metrics-config=histogram_latencies=true');
  });

  it('uses per-replica triggers as AverageValue, and falls back only with them', () => {
    const so = find('ScaledObject', 'batch');
    expect(so.spec.triggers.map((t: Obj) => [t.name, t.metricType])).toEqual([
      ['inference-rate', 'AverageValue'],
      ['pending-requests', 'AverageValue'],
    ]);
    expect(so.spec.fallback).toEqual({ failureThreshold: 3, replicas: 2 });
  });

  it('scales the canary track on its own, with its own bounds and its own pods', () => {
    const canary = find('ScaledObject', 'whisper-canary');
    expect(canary.spec).toMatchObject({ scaleTargetRef: { name: 'whisper-canary' }, minReplicaCount: 1, maxReplicaCount: 2 });
    // By exact pod labels, not by a pattern on pod names (which Kubernetes truncates when long).
    expect(trigger(canary, 'queue-time').metadata.query).toContain('app_kubernetes_io_name="whisper",tritonops_dev_track="canary"');
    expect(trigger(canary, 'queue-time').metadata.query).not.toContain('pod=~');
    expect(find('Deployment', 'whisper-canary').spec.replicas).toBeUndefined();
  });

  it('hands spec.replicas over to the autoscaler without a drop: Flux only creates the Deployment, the HPA must write one more', () => {
    const handover = renderEnvironment(planOf({ asr: auto('    triggers: { queueTimeMs: 50 }\n') + '  replicas: 3\n  handover: true\n' })).flatMap(
      (f) => f.objects as Obj[],
    );
    const deployment = handover.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.metadata.annotations['kustomize.toolkit.fluxcd.io/ssa']).toBe('IfNotPresent');
    const so = handover.find((o) => o.kind === 'ScaledObject')!;
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([4, 4]);
    // Without the handover: no replica count, the spec's own bounds.
    const after = renderEnvironment(planOf({ asr: auto('    triggers: { queueTimeMs: 50 }\n') })).flatMap((f) => f.objects as Obj[]);
    expect(after.find((o) => o.kind === 'Deployment')!.spec.replicas).toBeUndefined();
    expect(after.find((o) => o.kind === 'Deployment')!.metadata.annotations).toBeUndefined();
    expect(after.find((o) => o.kind === 'ScaledObject')!.spec.minReplicaCount).toBe(1);
  });

  it("hands Flagger the primary's queries for the copy it makes of the ScaledObject", () => {
    const ref = find('Canary', 'sdxl').spec.autoscalerRef;
    expect(ref).toMatchObject({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'sdxl' });
    expect(ref.primaryScalerQueries['gpu-utilization']).toBe('avg(DCGM_FI_DEV_GPU_UTIL{namespace="inference",pod=~"sdxl-primary-[a-z0-9]+-[a-z0-9]+"})');
  });

  it('scales to zero only by opt-in, woken by the gateway request count', () => {
    const so = find('ScaledObject', 'idle');
    expect(so.spec).toMatchObject({ minReplicaCount: 0, cooldownPeriod: 600 });
    expect(trigger(so, 'incoming-requests').metadata.query).toContain(
      'istio_requests_total{reporter="source",destination_service_namespace="inference",destination_service_name="idle"}',
    );
    expect(so.spec.triggers.every((t: Obj) => t.metadata.activationThreshold === '0')).toBe(true);
    expect(find('ScaledObject', 'llm').spec.cooldownPeriod).toBeUndefined();
  });
});

describe('alerts', () => {
  it('alerts per model on its SLO, queue time, missing replicas and pinned autoscaling', () => {
    // One rule per model, so that no object grows with the fleet (etcd stores at most 1.5 MiB).
    const rule = objects.find((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'triton-llm')!;
    expect(rule.spec.groups).toHaveLength(1);
    const llm = rule.spec.groups[0];
    // The environment-wide rule of earlier versions stays, empty, so its alerts never fire twice.
    expect(objects.find((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'triton-models')!.spec.groups).toEqual([]);
    expect(llm.rules.map((r: Obj) => r.alert)).toEqual([
      'TritonModelErrorRatioHigh',
      'TritonModelQueueTimeHigh',
      'TritonModelNoReadyReplicas',
      'TritonModelAtMaxReplicas',
    ]);
    expect(llm.rules[0].expr).toMatch(/> 0\.01$/);
    expect(llm.rules[3].expr).toContain('horizontalpodautoscaler="keda-hpa-llm"');
  });
});

describe('tracing', () => {
  const traced = renderEnvironment(
    planOf(
      { whisper: '  tracing: { samplingPercent: 25 }\n', densenet: '' },
      ENVIRONMENT.replace('  s3:', '  tracing: { collector: otel.observability.svc.cluster.local, samplingPercent: 2 }\n  s3:'),
    ),
  ).flatMap((f) => f.objects as Obj[]);
  const args = (name: string) => traced.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec.template.spec.containers[0].args as string[];

  it('sends Triton traces to the collector over OTLP/HTTP, sampled as the spec says', () => {
    expect(args('densenet')).toEqual(
      expect.arrayContaining([
        '--trace-config=mode=opentelemetry',
        '--trace-config=opentelemetry,url=http://otel.observability.svc.cluster.local:4318/v1/traces',
        '--trace-config=rate=50',
      ]),
    );
    expect(args('whisper')).toContain('--trace-config=rate=4');
  });

  it('makes the Istio proxies report to the same collector', () => {
    expect(traced.find((o) => o.kind === 'Telemetry')!.spec).toEqual({ tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 2 }] });
    const istiod = traced.find((o) => o.kind === 'HelmRelease' && o.metadata.name === 'istiod')!;
    expect(istiod.spec.values.meshConfig.extensionProviders).toEqual([
      { name: 'otel', opentelemetry: { service: 'otel.observability.svc.cluster.local', port: 4317 } },
    ]);
  });
});
