/**
 * Capacity counts rollouts: every Deployment rolls with maxSurge 1 / maxUnavailable 0, so each
 * one that runs a replica needs one replica's units more while it rolls.
 */
import { describe, expect, it } from 'vitest';
import { formatCapacityMarkdown, formatCapacityTable, planCapacity } from '../src/index.ts';
import { environment, shown, withModels } from './tiny-workspace.ts';

const pool = (maxNodes: number) =>
  environment('test', '', `t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: 2, maxNodes: ${maxNodes}, gpuMemory: 16Gi }`);

const FLEET = {
  fixed: '  gpuPool: t4\n  replicas: 2\n',
  canaried: '  gpuPool: t4\n  replicas: 1\n  canary:\n    repository: s3://models/canaried/v2\n    weight: 0\n    replicas: 1\n',
  flagger: '  gpuPool: t4\n  gpus: 2\n  replicas: 1\n  canary:\n    analysis: {}\n',
  parked: '  gpuPool: t4\n  replicas: 0\n',
  idle: '  gpuPool: t4\n  autoscaling: { minReplicas: 0, maxReplicas: 2, triggers: { queueTimeMs: 50 }, scaleToZero: {} }\n',
};

describe('capacity with rollout surge', () => {
  it('counts one surge replica per Deployment that rolls: both static tracks, the Flagger primary, none at 0 replicas', () => {
    const result = withModels(FLEET, pool(8));
    expect(shown(result)).toEqual([]);
    const [t4] = planCapacity(result.plans[0]!).pools;
    const rows = Object.fromEntries(t4!.demands.map((d) => [`${d.model}/${d.track}`, [d.min, d.max, d.surge, d.surgeAtMin]]));
    expect(rows).toEqual({
      'canaried/canary': [1, 1, 1, 1],
      'canaried/stable': [1, 1, 1, 1],
      'fixed/stable': [2, 2, 1, 1],
      // Flagger's primary rolls at promotion, its canary still beside it: at min that canary too.
      'flagger/primary+canary': [2, 4, 2, 4],
      'idle/stable': [0, 2, 1, 0],
      'parked/stable': [0, 0, 0, 0],
    });
    // flagger's replicas take 2 units on one node; the 4 single-unit replicas may leave 1 free on up to 4 nodes.
    expect(t4!.demands.find((d) => d.model === 'flagger')!.stranded).toBe(3);
    expect(t4).toMatchObject({ min: 6, surge: 6, max: 16, minRollout: 13, capacity: 16, status: 'ok' });
  });

  it('is an error when the minimum leaves no room for the largest rollout: no change could ever roll out', () => {
    const result = withModels({ whisper: '  gpuPool: t4\n  replicas: 4\n' }, pool(2));
    expect(result.hasErrors).toBe(true);
    expect(shown(result)).toEqual([
      'environments/test/environment.yaml:8:88: error: GPU pool "t4" has no room to roll out whisper at minimum scale: 4 nvidia.com/gpu run, and its rollout needs 1 more (one surge replica of 1, maxSurge 1), but 2 nodes × 2 = 4 ' +
        '[rollouts start a new replica before stopping an old one (maxUnavailable 0): with no room for it, no change to its pods could ever roll out. Raise maxNodes, or lower replicas or minReplicas]',
    ]);
    expect(result.diagnostics[0]!.code).toBe('capacity-rollout');
  });

  it('counts the canary a Flagger release runs at minimum scale before its primary rolls', () => {
    const result = withModels(FLEET, pool(4));
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        'capacity-rollout',
        'GPU pool "t4" has no room to roll out flagger at minimum scale: 6 nvidia.com/gpu run, and its rollout needs 4 more (its canary 1×2 through the analysis, then one surge replica of 2, maxSurge 1), ' +
          "each replica's 2 on one node, where pods of other sizes may leave up to 3 free units stranded on other nodes, but 4 nodes × 2 = 8",
      ],
    ]);
  });

  it('keeps the minimum-demand error as it was when even the replicas do not fit', () => {
    const result = withModels({ whisper: '  gpuPool: t4\n  replicas: 3\n' }, pool(1));
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['capacity-min', 'GPU pool "t4" cannot fit the minimum demand: 3 nvidia.com/gpu (whisper 3×1) but 1 nodes × 2 = 2'],
    ]);
  });

  it('warns when the maximum with one surge replica per rolling Deployment does not fit, saying it is the surge', () => {
    const result = withModels(FLEET, pool(7));
    expect(result.hasErrors).toBe(false);
    const [warning] = result.diagnostics;
    expect(warning).toMatchObject({ severity: 'warning', code: 'capacity-max', file: 'environments/test/environment.yaml', line: 8 });
    expect(warning!.message).toBe(
      'GPU pool "t4" cannot fit the demand at maximum scale: 16 nvidia.com/gpu (canaried (canary) 1×1, canaried 1×1, fixed 2×1, flagger (primary+canary) 2×2, idle 2×1, and 6 for rollout surge: one replica per rolling Deployment) but 7 nodes × 2 = 14',
    );
    expect(warning!.hint).toContain('the replicas fit (10), but at peak load a change that rolls every model finds no room for their surge replicas');
    expect(warning!.hint).toContain('Raise maxNodes to 8');
  });

  it('still says autoscaling stops short when the replicas alone do not fit', () => {
    const result = withModels({ big: '  gpuPool: t4\n  autoscaling: { minReplicas: 1, maxReplicas: 6, triggers: { queueTimeMs: 50 } }\n' }, pool(2));
    expect(result.diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ['capacity-max', 'autoscaling will stop short of maxReplicas: raise maxNodes or lower maxReplicas'],
    ]);
  });

  it('shows the surge in the table and the Markdown report', () => {
    const report = planCapacity(withModels(FLEET, pool(8)).plans[0]!);
    const table = formatCapacityTable([report]);
    expect(table).toContain('demand 6..16: ok');
    expect(table).toContain(
      'rollout surge (maxSurge 1): max includes 6 (one replica per rolling Deployment); a rollout at min needs 13 (3 of them free units a replica of 2 may find stranded on other nodes)',
    );
    expect(table).toMatch(/flagger\s+primary\+canary\s+2\s+-\s+1\.\.2\s+2\.\.4\s+\+2/);
    expect(table).toMatch(/parked\s+stable\s+1\s+-\s+0\.\.0\s+0\.\.0\s+-/);
    expect(formatCapacityMarkdown([report])).toContain('| 6 | 16 (6 surge) |');
  });
});

describe('room for a rollout, node by node', () => {
  const nodes = (gpusPerNode: number, maxNodes: number) =>
    environment('test', '', `t4: { nodeSelector: { gpu.example.com/model: tesla-t4 }, gpusPerNode: ${gpusPerNode}, maxNodes: ${maxNodes}, gpuMemory: 16Gi }`);
  const MIXED = { small: '  gpuPool: t4\n  replicas: 3\n', big: '  gpuPool: t4\n  gpus: 2\n  replicas: 1\n' };

  it('refuses a pool whose free units add up but may lie one to a node, where a replica of 2 finds none', () => {
    // 4 nodes × 2: small's 3 replicas spread over 3 nodes and big's on the fourth leave 3 free units, 1 per node.
    const result = withModels(MIXED, nodes(2, 4));
    expect(shown(result)).toEqual([
      'environments/test/environment.yaml:8:88: error: GPU pool "t4" has no room to roll out big at minimum scale: 5 nvidia.com/gpu run, and its rollout needs 2 more (one surge replica of 2, maxSurge 1), ' +
        "each replica's 2 on one node, where pods of other sizes may leave up to 2 free units stranded on other nodes, but 4 nodes × 2 = 8 " +
        '[rollouts start a new replica before stopping an old one (maxUnavailable 0): with no room for it, no change to its pods could ever roll out. Raise maxNodes, or lower replicas or minReplicas]',
    ]);
    // A fifth node: however 5 free units lie, 3 odd replicas strand at most 3, and one node keeps 2.
    const [t4] = planCapacity(withModels(MIXED, nodes(2, 5)).plans[0]!).pools;
    expect(t4).toMatchObject({ min: 5, minRollout: 9, capacity: 10, status: 'ok' });
  });

  it('counts every node when the node size is no multiple of the replica size', () => {
    // 2 nodes × 3: one replica of 2 on each leaves 1 free on each, and the surge replica none.
    const result = withModels({ big: '  gpuPool: t4\n  gpus: 2\n  replicas: 2\n' }, nodes(3, 2));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['capacity-rollout']);
    expect(planCapacity(withModels({ big: '  gpuPool: t4\n  gpus: 2\n  replicas: 2\n' }, nodes(3, 3)).plans[0]!).pools[0]).toMatchObject({
      min: 4,
      minRollout: 8,
      capacity: 9,
      status: 'ok',
    });
  });

  it('strands nothing where every replica is a multiple of the one that rolls, or takes one unit', () => {
    const [t4] = planCapacity(
      withModels(
        { a: '  gpuPool: t4\n  gpus: 2\n  replicas: 2\n', b: '  gpuPool: t4\n  gpus: 4\n  replicas: 1\n', c: '  gpuPool: t4\n  replicas: 3\n' },
        nodes(4, 8),
      ).plans[0]!,
    ).pools;
    // a: c's 3 odd replicas may strand 1 each on all but one of their nodes; b: 5 replicas of 1 or 2, 3 on each but one.
    expect(Object.fromEntries(t4!.demands.map((d) => [d.model, d.stranded]))).toEqual({ a: 2, b: 12, c: 0 });
    const [even] = planCapacity(
      withModels({ a: '  gpuPool: t4\n  gpus: 2\n  replicas: 2\n', b: '  gpuPool: t4\n  gpus: 4\n  replicas: 1\n' }, nodes(4, 8)).plans[0]!,
    ).pools;
    // b's replica of 4 is a multiple of a's 2; a's replicas of 2 leave b remainders of 2 on up to 2 nodes.
    expect(Object.fromEntries(even!.demands.map((d) => [d.model, d.stranded]))).toEqual({ a: 0, b: 3 });
  });
});
