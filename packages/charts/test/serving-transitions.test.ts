/** How the serving options change a live cluster: callers, streaming, local disk, Prometheus' volume and retention. */
import { describe, expect, it } from 'vitest';
import { classifyTransitions, renderEnvironment, type Transition } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

function judge(before: Record<string, string>, after: Record<string, string>, envBefore = ENVIRONMENT, envAfter = envBefore): Transition[] {
  const [b, a] = [planOf(before, envBefore), planOf(after, envAfter)];
  return classifyTransitions({ plan: b, files: renderEnvironment(b) }, { plan: a, files: renderEnvironment(a) });
}
const classes = (ts: readonly Transition[]) => ts.map((t) => `${t.class}: ${t.change}`);
const prometheus = (block: string) => `${ENVIRONMENT}  monitoring:\n    prometheus: ${block}\n`;

describe('callers', () => {
  it('adding a namespace is safe; taking one out cuts its pods off', () => {
    expect(classes(judge({ m: '' }, { m: '  callers: { namespaces: [search] }\n' }))).toEqual(['safe: callers from search added']);
    expect(classes(judge({ m: '  callers: { namespaces: [search, batch] }\n' }, { m: '  callers: { namespaces: [search] }\n' }))).toEqual([
      'disruptive: callers from batch removed',
    ]);
    const gone = judge({ m: '  callers: { namespaces: [search] }\n' }, { m: '' });
    expect(classes(gone)).toEqual(['disruptive: callers from search removed']);
    expect(gone[0]!.effect).toContain('NetworkPolicy m-callers is deleted');
    // A NetworkPolicy stops new connections; the callers' proxies pool HTTP/2 ones.
    expect(gone[0]!.effect).toContain('Connections already open (their Envoy proxies keep HTTP/2 connections and reuse them) may carry calls until they close');
  });
});

describe('streaming', () => {
  it('on is safe, off cuts what outlasts the timeout', () => {
    expect(classes(judge({ m: '' }, { m: '  traffic: { streaming: true }\n' }))).toEqual(['safe: streaming turned on']);
    const off = judge({ m: '  traffic: { streaming: true }\n' }, { m: '' });
    expect(classes(off)).toEqual(['disruptive: streaming turned off']);
    expect(off[0]!.effect).toContain('a 60s timeout');
  });
});

describe('local disk', () => {
  it('rolls the pods, and says each new replica needs the disk on its node, and what its limit evicts', () => {
    const ts = judge({ m: '' }, { m: '  resources: { ephemeralStorage: 50Gi }\n' });
    expect(classes(ts)).toEqual(['disruptive: the pods of m change']);
    expect(ts[0]!.effect).toContain('each new replica requests 50Gi of local disk (ephemeral-storage), which its node must have free');
    expect(ts[0]!.effect).toContain("and is evicted when the disk use of its whole pod (the download, logs, the Istio proxy's volume) passes 50Gi");
  });

  it('speaks of no limit for the default, which is a request only', () => {
    const ts = judge({ m: '  cache: sfs\n' }, { m: '' });
    expect(classes(ts)).toEqual(['disruptive: the pods of m change']);
    expect(ts[0]!.effect).toContain('each new replica requests 20Gi of local disk (ephemeral-storage), which its node must have free');
    expect(ts[0]!.effect).not.toContain('evicted');
  });
});

describe("Prometheus' volume and retention", () => {
  it('adding storage restarts Prometheus once, onto an empty claim', () => {
    const ts = judge({}, {}, ENVIRONMENT, prometheus('{ storage: { size: 100Gi, storageClass: fast-ssd } }'));
    expect(classes(ts)).toEqual(['disruptive: Prometheus storage added (100Gi, class fast-ssd)']);
    expect(ts[0]!.effect).toContain('deletes and recreates it');
    expect(ts[0]!.effect).toContain('lost this once');
    expect(ts[0]!.at).toEqual({ file: 'environments/test/environment.yaml', path: ['spec', 'monitoring', 'prometheus', 'storage'] });
  });

  it('a new size or class restarts it but leaves the claim as it was, and says how to grow it', () => {
    const size = judge({}, {}, prometheus('{ storage: { size: 100Gi } }'), prometheus('{ storage: { size: 200Gi } }'));
    expect(classes(size)).toEqual(['disruptive: Prometheus storage size 100Gi → 200Gi']);
    expect(size[0]!.effect).toContain(
      'kubectl -n monitoring patch pvc prometheus-kube-prometheus-stack-prometheus-db-prometheus-kube-prometheus-stack-prometheus-0',
    );
    const cls = judge({}, {}, prometheus('{ storage: { size: 100Gi } }'), prometheus('{ storage: { size: 100Gi, storageClass: fast-ssd } }'));
    expect(classes(cls)).toEqual(['disruptive: Prometheus storage class (default) → fast-ssd']);
  });

  it('a new size and a new class together are two changes, each with its own remedy', () => {
    const both = judge({}, {}, prometheus('{ storage: { size: 100Gi } }'), prometheus('{ storage: { size: 200Gi, storageClass: fast-ssd } }'));
    expect(classes(both)).toEqual(['disruptive: Prometheus storage size 100Gi → 200Gi', 'disruptive: Prometheus storage class (default) → fast-ssd']);
    expect(both[0]!.effect).toContain('patch pvc');
    expect(both[1]!.effect).toContain("a claim's class cannot change");
    expect(both.map((t) => t.at.path)).toEqual([
      ['spec', 'monitoring', 'prometheus', 'storage', 'size'],
      ['spec', 'monitoring', 'prometheus', 'storage', 'storageClass'],
    ]);
  });

  it('a larger volume with a retentionSize for it: the old claim must hold that retentionSize until it is expanded', () => {
    const grown = judge(
      {},
      {},
      prometheus('{ retentionSize: 85GB, storage: { size: 100Gi } }'),
      prometheus('{ retentionSize: 170GB, storage: { size: 200Gi } }'),
    );
    expect(classes(grown)).toEqual(['disruptive: Prometheus storage size 100Gi → 200Gi', 'disruptive: Prometheus retentionSize 85GB → 170GB']);
    expect(grown[0]!.effect).toContain(
      'Until then Prometheus has only 100Gi, which retentionSize 170GB does not fit (at most 85GB leaves room for compactions): the volume fills before old samples go, and Prometheus stops ingesting. ' +
        'Expand the claim before merging, or keep retentionSize at 85GB and raise it once the claim has grown.',
    );
    const kept = judge(
      {},
      {},
      prometheus('{ retentionSize: 85GB, storage: { size: 100Gi } }'),
      prometheus('{ retentionSize: 85GB, storage: { size: 200Gi } }'),
    );
    expect(kept[0]!.effect).toContain('Until then retentionSize 85GB still fits the 100Gi claim.');
    const shrunk = judge({}, {}, prometheus('{ storage: { size: 200Gi } }'), prometheus('{ storage: { size: 100Gi } }'));
    expect(shrunk[0]!.effect).toContain('A claim never shrinks: Prometheus keeps the 200Gi volume.');
    expect(shrunk[0]!.effect).not.toContain('patch pvc');
  });

  it('writes its sentences as sentences', () => {
    const all = [
      ...judge({}, {}, ENVIRONMENT, prometheus('{ storage: { size: 100Gi } }')),
      ...judge({}, {}, prometheus('{ storage: { size: 100Gi } }'), prometheus('{ retention: 30d, storage: { size: 200Gi, storageClass: fast-ssd } }')),
      ...judge({}, {}, prometheus('{ storage: { size: 100Gi } }'), ENVIRONMENT),
    ];
    expect(all).toHaveLength(5);
    for (const t of all) {
      expect(t.effect).toContain('. While it restarts');
      expect(t.effect, t.change).not.toMatch(/\. [a-z]/);
    }
  });

  it('removing storage leaves the claim behind; retention restarts Prometheus', () => {
    expect(classes(judge({}, {}, prometheus('{ storage: { size: 100Gi } }'), ENVIRONMENT))).toEqual(['disruptive: Prometheus storage removed']);
    const retention = judge(
      {},
      {},
      prometheus('{ retention: 15d, storage: { size: 100Gi } }'),
      prometheus('{ retention: 30d, retentionSize: 85GB, storage: { size: 100Gi } }'),
    );
    expect(classes(retention)).toEqual(['disruptive: Prometheus retention 15d → 30d, retentionSize (none) → 85GB']);
    expect(retention[0]!.effect).toContain('keeps its samples on its volume');
  });

  it('an unchanged declaration is no change', () => {
    const env = prometheus('{ retention: 15d, storage: { size: 100Gi } }');
    expect(judge({ m: '' }, { m: '' }, env, env)).toEqual([]);
  });
});
