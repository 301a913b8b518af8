import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

type Obj = Record<string, any>;
const plan = planOf({
  whisper:
    '  gpuPool: t4\n  models: [whisper]\n  replicas: 3\n  resources: { cpu: "4", memory: 16Gi, shm: 2Gi }\n  args: ["--log-verbose=1"]\n  env: { TRANSFORMERS_OFFLINE: "1" }\n',
  densenet: '  gpuPool: a100-mig\n  cache: sfs\n',
  tokenizer: '  resources: { cpu: 500m, memory: 1Gi, shm: 64Mi }\n',
});
const objects = renderEnvironment(plan).flatMap((f) => f.objects as Obj[]);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const podOf = (name: string) => find('Deployment', name).spec.template.spec;
const triton = (name: string) => podOf(name).containers.find((c: Obj) => c.name === 'triton');
const envVar = (c: Obj, name: string) => (c.env ?? []).find((e: Obj) => e.name === name);

describe('a model served by Triton', () => {
  it('rolls out without ever dropping below serving capacity', () => {
    const d = find('Deployment', 'whisper');
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(d.spec.replicas).toBe(3);
    expect(find('PodDisruptionBudget', 'whisper').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'tritonops.dev/model': 'whisper', 'tritonops.dev/track': 'stable' } },
    });
  });

  it('lets in-flight requests finish: preStop drain, then Triton exits within the grace period', () => {
    const pod = podOf('whisper');
    const c = triton('whisper');
    const drain = Number(/sleep (\d+)/.exec(c.lifecycle.preStop.exec.command.join(' '))![1]);
    const exitTimeout = Number(c.args.find((a: string) => a.startsWith('--exit-timeout-secs=')).split('=')[1]);
    expect(drain).toBeGreaterThan(0);
    expect(drain + exitTimeout).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  it('keeps the Istio proxy forwarding until Triton has exited, within the grace period', () => {
    // Istio 1.26 sends the (ordinary-container) sidecar SIGTERM with the pod and kills Envoy
    // terminationDrainDuration later (5 s by default): in-flight inference and a pipeline
    // step's outbound calls would be cut long before Triton is done.
    for (const grace of [15, 16, 60, 121, 301, 3600]) {
      const p = planOf({ m: `  terminationGracePeriodSeconds: ${grace}\n` });
      const d = renderEnvironment(p)
        .flatMap((f) => f.objects as Obj[])
        .find((o) => o.kind === 'Deployment')!;
      const c = d.spec.template.spec.containers.find((x: Obj) => x.name === 'triton');
      const preStop = Number(/sleep (\d+)/.exec(c.lifecycle.preStop.exec.command.join(' '))![1]);
      const exitTimeout = Number(c.args.find((a: string) => a.startsWith('--exit-timeout-secs=')).split('=')[1]);
      const proxy = JSON.parse(d.spec.template.metadata.annotations['proxy.istio.io/config']);
      const drain = Number(/^(\d+)s$/.exec(proxy.terminationDrainDuration)![1]);
      expect(drain, `grace ${grace}`).toBeGreaterThan(preStop + exitTimeout);
      expect(drain, `grace ${grace}`).toBeLessThan(grace);
      // Envoy stops accepting inbound connections after drainDuration (45 s by default).
      expect(proxy.drainDuration, `grace ${grace}`).toBe(proxy.terminationDrainDuration);
      expect(proxy.holdApplicationUntilProxyStarts).toBe(true);
    }
  });

  it('always exposes the metrics port and scrapes it', () => {
    expect(triton('whisper').ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'grpc', containerPort: 8001, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8002, protocol: 'TCP' },
    ]);
    expect(find('Service', 'whisper').spec.ports.find((p: Obj) => p.name === 'grpc').appProtocol).toBe('grpc');
    // A GPU model's targets carry its pool (the dashboard's pool panels select by it); a CPU model's carry none.
    expect(find('PodMonitor', 'whisper').spec.podMetricsEndpoints).toEqual([
      {
        port: 'metrics',
        path: '/metrics',
        interval: '15s',
        scheme: 'http',
        relabelings: [{ action: 'replace', targetLabel: 'tritonops_dev_gpu_pool', replacement: 't4' }],
      },
    ]);
    expect(find('PodMonitor', 'densenet').spec.podMetricsEndpoints[0].relabelings).toEqual([
      { action: 'replace', targetLabel: 'tritonops_dev_gpu_pool', replacement: 'a100-mig' },
    ]);
    expect(find('PodMonitor', 'tokenizer').spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s', scheme: 'http' }]);
    expect(triton('whisper').args).toContain('--allow-metrics=true');
  });

  it('probes readiness and liveness on Triton health endpoints, with a startup budget for big models', () => {
    const c = triton('whisper');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(900);
  });

  it('loads only the listed models with explicit model control, then the extra args', () => {
    const args: string[] = triton('whisper').args;
    expect(args).toContain('--model-control-mode=explicit');
    expect(args).toContain('--load-model=whisper');
    expect(args.at(-1)).toBe('--log-verbose=1');
    expect(triton('densenet').args.some((a: string) => a.startsWith('--model-control-mode'))).toBe(false);
  });

  it('reads S3 directly with keys from the Secret, never inline', () => {
    const c = triton('whisper');
    expect(c.args[0]).toBe('--model-repository=s3://https://s3.example.com:443/models/whisper/v1');
    expect(envVar(c, 'AWS_ACCESS_KEY_ID')).toEqual({
      name: 'AWS_ACCESS_KEY_ID',
      valueFrom: { secretKeyRef: { name: 's3-model-reader', key: 'AWS_ACCESS_KEY_ID', optional: false } },
    });
    expect(envVar(c, 'AWS_SECRET_ACCESS_KEY').valueFrom.secretKeyRef).toMatchObject({ name: 's3-model-reader' });
    expect(envVar(c, 'AWS_DEFAULT_REGION')).toEqual({ name: 'AWS_DEFAULT_REGION', value: 'ru-1' });
    expect(envVar(c, 'TRANSFORMERS_OFFLINE')).toEqual({ name: 'TRANSFORMERS_OFFLINE', value: '1' });
  });

  it('gives /dev/shm a memory-backed emptyDir of the spec size', () => {
    const pod = podOf('whisper');
    expect(pod.volumes.find((v: Obj) => v.name === 'dshm')).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(triton('whisper').volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
  });

  it('places GPU models on their pool: resource in limits, nodeSelector, GPU toleration', () => {
    const pod = podOf('whisper');
    // whisper reads S3 directly: the repository lands on the node's disk, 20Gi requested by default (no limit).
    expect(triton('whisper').resources.limits).toEqual({ memory: '16Gi', 'nvidia.com/gpu': 1 });
    expect(triton('whisper').resources.requests['ephemeral-storage']).toBe('20Gi');
    expect(pod.nodeSelector).toEqual({ 'gpu.example.com/model': 'tesla-t4' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(triton('whisper').args).toContain('--allow-gpu-metrics=true');
  });

  it("requests a MIG slice where the pool declares one, and tolerates the pool's taints", () => {
    expect(triton('densenet').resources.limits).toEqual({ memory: '8Gi', 'nvidia.com/mig-3g.40gb': 1 });
    expect(podOf('densenet').tolerations).toContainEqual({ key: 'dedicated', operator: 'Equal', value: 'a100', effect: 'NoSchedule' });
  });

  it('runs CPU-only models without GPU, toleration or node selector', () => {
    const pod = podOf('tokenizer');
    expect(triton('tokenizer').resources).toEqual({ requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '20Gi' }, limits: { memory: '1Gi' } });
    expect(pod.tolerations).toBeUndefined();
    expect(pod.nodeSelector).toBeUndefined();
    expect(triton('tokenizer').args).toContain('--allow-gpu-metrics=false');
  });

  it('runs every container as the triton-server user under Pod Security "restricted"', () => {
    for (const name of ['whisper', 'densenet', 'tokenizer']) {
      const pod = podOf(name);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toBe(name);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext, `${name}/${c.name}`).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
      }
      const restrictedVolumes = pod.volumes.every((v: Obj) => v.emptyDir || v.persistentVolumeClaim || v.configMap || v.secret);
      expect(restrictedVolumes).toBe(true);
      expect(find('ServiceAccount', name).automountServiceAccountToken).toBe(false);
    }
  });
});

describe('the shared SFS model cache', () => {
  it('copies the release once in an init container and loads it from the share, read-only', () => {
    const pod = podOf('densenet');
    const sync = pod.initContainers.find((c: Obj) => c.name === 'model-sync');
    expect(sync.image).toBe('docker.io/amazon/aws-cli:2.22.35');
    expect(envVar(sync, 'SOURCE').value).toBe('s3://models/densenet/v1/');
    expect(envVar(sync, 'S3_ENDPOINT_URL').value).toBe('https://s3.example.com:443');
    expect(envVar(sync, 'AWS_SECRET_ACCESS_KEY').valueFrom.secretKeyRef.name).toBe('s3-model-reader');
    const key = envVar(sync, 'CACHE_KEY').value;
    expect(key).toBe('repositories/s3.example.com/models/densenet/v1');
    expect(triton('densenet').args[0]).toBe(`--model-repository=/model-cache/${key}`);
    expect(triton('densenet').volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/model-cache', readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: 'model-cache',
      persistentVolumeClaim: { claimName: objects.find((o) => o.kind === 'PersistentVolumeClaim')!.metadata.name },
    });
  });

  it('gives the S3 keys only to the container that reads S3', () => {
    expect(envVar(triton('densenet'), 'AWS_SECRET_ACCESS_KEY')).toBeUndefined();
    expect(envVar(triton('densenet'), 'HF_HOME').value).toBe('/var/cache/huggingface');
  });

  it('lets the init container reach S3 before the Istio sidecar starts', () => {
    expect(find('Deployment', 'densenet').spec.template.metadata.annotations['traffic.sidecar.istio.io/excludeOutboundPorts']).toBe('443');
  });

  it('is a ReadWriteMany claim bound to an NFS volume, both never pruned by Flux', () => {
    const pv = objects.find((o) => o.kind === 'PersistentVolume')!;
    const pvc = objects.find((o) => o.kind === 'PersistentVolumeClaim')!;
    expect(pv.metadata.name).toMatch(/^inference-model-cache-[0-9a-f]{8}$/);
    expect(pvc.metadata.name).toMatch(/^model-cache-[0-9a-f]{8}$/);
    expect(pv.spec.claimRef).toMatchObject({ namespace: 'inference', name: pvc.metadata.name });
    expect(pv.spec.nfs).toEqual({ server: '10.0.0.2', path: '/shares/cache' });
    expect(pv.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteMany'], volumeName: pv.metadata.name, storageClassName: '' });
    for (const o of [pv, pvc, find('Namespace', 'inference')]) expect(o.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
  });

  it('changes only what the API server lets change: a new share is a new volume and claim, a new size only the capacity', () => {
    const render = (sfs: string) =>
      renderEnvironment(
        planOf({ densenet: '  cache: sfs\n' }, ENVIRONMENT.replace('sfs: { server: 10.0.0.2, path: /shares/cache, size: 100Gi }', sfs)),
      ).flatMap((f) => f.objects as Obj[]);
    const names = (objs: Obj[]) => objs.filter((o) => o.kind.startsWith('PersistentVolume')).map((o) => o.metadata.name);
    const base = render('sfs: { server: 10.0.0.2, path: /shares/cache, size: 100Gi }');
    const bigger = render('sfs: { server: 10.0.0.2, path: /shares/cache, size: 200Gi }');
    expect(names(bigger)).toEqual(names(base));
    expect(bigger.find((o) => o.kind === 'PersistentVolumeClaim')!.spec).toEqual(base.find((o) => o.kind === 'PersistentVolumeClaim')!.spec);
    expect(bigger.find((o) => o.kind === 'PersistentVolume')!.spec.capacity).toEqual({ storage: '200Gi' });
    for (const other of ['sfs: { server: 10.0.0.3, path: /shares/cache, size: 100Gi }', 'sfs: { server: 10.0.0.2, path: /shares/cache2, size: 100Gi }']) {
      const moved = render(other);
      expect(names(moved).filter((n) => names(base).includes(n))).toEqual([]);
    }
  });
});

describe('the environment namespace', () => {
  it('injects sidecars and enforces Pod Security "restricted"', () => {
    expect(find('Namespace', 'inference').metadata.labels).toMatchObject({
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });
});
