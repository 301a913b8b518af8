import { describe, expect, it } from 'vitest';
import { environment, shown, withModels } from './tiny-workspace.ts';

const pools = `t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 1, maxNodes: 4, gpuMemory: 16Gi }
    mig: { nodeSelector: { gpu.example.com/model: a100 }, resource: nvidia.com/mig-3g.40gb, gpusPerNode: 2, maxNodes: 2, gpuMemory: 40Gi }
    shared: { nodeSelector: { gpu.example.com/model: tesla-t4-shared }, gpusPerNode: 4, maxNodes: 2, gpuMemory: 16Gi, timeSlicing: { replicas: 4 } }`;

const scaled = (pool: string, triggers: string) => `  gpuPool: ${pool}
  autoscaling:
    minReplicas: 1
    maxReplicas: 2
    triggers: ${triggers}
`;

describe('GPU-utilisation triggers and the pool they read', () => {
  it('refuses DCGM utilisation on a MIG pool, pointing at the source, and says what to scale on', () => {
    const result = withModels({ sdxl: scaled('mig', '{ gpuUtilization: 80, gpuUtilizationSource: dcgm }') }, environment('test', '', pools));
    expect(result.hasErrors).toBe(true);
    expect(shown(result)).toEqual([
      'environments/test/models/sdxl.yaml:11:37: error: pool "mig" hands out MIG instances (nvidia.com/mig-3g.40gb), for which DCGM reports no GPU utilisation: the trigger would read 0 and never scale the model up [scale a model on a MIG slice on queueTimeMs, inferencesPerSecond or pendingRequests]',
    ]);
  });

  it("warns about GPU utilisation and memory on a time-sliced pool: they are the whole GPU's", () => {
    const result = withModels({ embedder: scaled('shared', '{ gpuUtilization: 70, gpuMemoryUtilization: 80 }') }, environment('test', '', pools));
    expect(result.hasErrors).toBe(false);
    expect(result.diagnostics.map((d) => [d.severity, d.code, d.line, d.col])).toEqual([
      ['warning', 'gpu-utilization-time-sliced', 11, 17],
      ['warning', 'gpu-memory-time-sliced', 11, 37],
    ]);
  });

  it('refuses DCGM utilisation on a time-sliced pool: dcgm-exporter gives a shared GPU to one pod only', () => {
    const result = withModels({ embedder: scaled('shared', '{ gpuUtilization: 70, gpuUtilizationSource: dcgm }') }, environment('test', '', pools));
    expect(result.diagnostics.map((d) => [d.severity, d.code, d.line, d.col])).toEqual([['error', 'dcgm-utilization-time-sliced', 11, 37]]);
  });

  it('refuses scale to zero under Flagger analysis: nothing would wake the primary', () => {
    const spec = `  gpuPool: t4
  autoscaling:
    minReplicas: 0
    maxReplicas: 2
    triggers: { queueTimeMs: 50 }
    scaleToZero: { idleSeconds: 900 }
  canary:
    analysis: {}
`;
    const result = withModels({ ranker: spec }, environment('test', '', pools));
    expect(result.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line, d.col])).toEqual([['analysis-with-scale-to-zero', 12, 5]]);
  });

  it("says nothing where the GPU is the model's own, or where it scales on its own requests", () => {
    expect(shown(withModels({ whisper: scaled('t4', '{ gpuUtilization: 80, gpuUtilizationSource: dcgm }') }, environment('test', '', pools)))).toEqual([]);
    expect(
      shown(
        withModels(
          { densenet: scaled('mig', '{ queueTimeMs: 50 }'), embedder: scaled('shared', '{ inferencesPerSecond: 20 }') },
          environment('test', '', pools),
        ),
      ),
    ).toEqual([]);
  });
});
