/**
 * The transition rules, one by one, without a server (test/transitions.test.ts proves each class
 * on the real API server): from a base to a head spec, which class and why.
 */
import { describe, expect, it } from 'vitest';
import { classifyTransitions, renderEnvironment, type Transition } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

function judge(before: Record<string, string>, after: Record<string, string>, envBefore = ENVIRONMENT, envAfter = envBefore): Transition[] {
  const [b, a] = [planOf(before, envBefore), planOf(after, envAfter)];
  return classifyTransitions({ plan: b, files: renderEnvironment(b) }, { plan: a, files: renderEnvironment(a) });
}
const classes = (ts: readonly Transition[]) => ts.map((t) => `${t.class}: ${t.change}`);
const AUTO = '  autoscaling: { minReplicas: 1, maxReplicas: 6, triggers: { queueTimeMs: 50 } }\n';
const ANALYSIS = '  canary:\n    analysis: {}\n';

describe('transition rules', () => {
  it('autoscaling on: safe from one replica, two steps from more, a handover that must keep the running count', () => {
    expect(classes(judge({ m: '  replicas: 1\n' }, { m: AUTO }))).toEqual(['safe: autoscaling turned on for m']);
    expect(classes(judge({ m: '  replicas: 3\n' }, { m: AUTO }))).toEqual(['two-steps: autoscaling turned on for m, which runs 3 replicas']);
    expect(classes(judge({ m: '  replicas: 3\n' }, { m: `${AUTO}  replicas: 3\n  handover: true\n` }))).toEqual([
      'disruptive: autoscaling turned on for m (handover)',
    ]);
    expect(classes(judge({ m: '  replicas: 3\n' }, { m: `${AUTO}  replicas: 2\n  handover: true\n` }))).toEqual([
      'two-steps: handover of m from 3 replicas with `replicas: 2`',
    ]);
    expect(classes(judge({ m: `${AUTO}  replicas: 3\n  handover: true\n` }, { m: AUTO }))).toEqual(['disruptive: handover of m to the autoscaler finished']);
    expect(judge({ m: `${AUTO}  replicas: 3\n  handover: true\n` }, { m: AUTO })[0]!.effect).toContain('shows 4 replicas');
  });

  it('autoscaling off: disruptive, the count set by Flux again', () => {
    expect(classes(judge({ m: AUTO }, { m: '  replicas: 2\n' }))).toEqual(['disruptive: autoscaling turned off for m']);
  });

  it('a handover changes nothing else in the pods', () => {
    expect(classes(judge({ m: '  replicas: 3\n' }, { m: `${AUTO}  replicas: 3\n  handover: true\n  env: { X: "1" }\n` }))).toEqual([
      'two-steps: the pods of m change during a handover',
    ]);
  });

  it('Flagger analysis on and off: two steps each, with a handover between', () => {
    expect(classes(judge({ m: '  replicas: 2\n' }, { m: `  replicas: 2\n${ANALYSIS}` }))).toEqual(['two-steps: Flagger analysis turned on']);
    expect(classes(judge({ m: '  replicas: 2\n' }, { m: `  replicas: 2\n  handover: true\n${ANALYSIS}` }))).toEqual([
      'disruptive: Flagger analysis turned on (handover)',
    ]);
    expect(classes(judge({ m: `  replicas: 2\n  handover: true\n${ANALYSIS}` }, { m: `  replicas: 2\n${ANALYSIS}` }))).toEqual([
      'disruptive: handover to Flagger finished',
    ]);
    // Off: three steps; what Flagger's clean-up needs (its ScaledObject, Flagger itself) outlives the Canary.
    expect(classes(judge({ m: `  replicas: 2\n${ANALYSIS}` }, { m: '  replicas: 2\n' }))).toEqual(['two-steps: Flagger analysis turned off']);
    expect(classes(judge({ m: `  replicas: 2\n${ANALYSIS}` }, { m: `  replicas: 2\n  handover: true\n${ANALYSIS}` }))).toEqual([
      'safe: handover before turning analysis off',
    ]);
    expect(classes(judge({ m: `  replicas: 2\n  handover: true\n${ANALYSIS}` }, { m: '  replicas: 2\n' }))).toEqual([
      'two-steps: Flagger analysis and the handover removed together',
    ]);
    expect(classes(judge({ m: `  replicas: 2\n  handover: true\n${ANALYSIS}` }, { m: '  replicas: 2\n  handover: true\n' }))).toEqual([
      'disruptive: Flagger analysis turned off (handover)',
    ]);
    expect(classes(judge({ m: '  replicas: 2\n  handover: true\n' }, { m: '  replicas: 2\n' }))).toEqual([
      'disruptive: handover after Flagger analysis finished',
    ]);
    expect(classes(judge({ m: `  replicas: 2\n${ANALYSIS}` }, { m: `  replicas: 2\n  args: ["--log-verbose=1"]\n${ANALYSIS}` }))).toEqual([
      'disruptive: new release of m',
    ]);
  });

  it('during the step that switches analysis off, Flagger and the ScaledObject its clean-up resumes stay', () => {
    const step2 = renderEnvironment(planOf({ m: '  replicas: 2\n  handover: true\n' })).flatMap((f) => f.objects as Record<string, any>[]);
    expect(step2.find((o) => o.kind === 'ScaledObject')!.spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 2 });
    expect(step2.some((o) => o.kind === 'HelmRelease' && o.metadata.name === 'flagger')).toBe(true);
    expect(step2.some((o) => o.kind === 'Canary')).toBe(false);
  });

  it('autoscaling switched under analysis reaches the primary only at the next promotion', () => {
    expect(classes(judge({ m: `  replicas: 2\n${ANALYSIS}` }, { m: `${AUTO}${ANALYSIS}` }))).toEqual([
      'disruptive: autoscaling turned on under Flagger analysis',
    ]);
  });

  it('a handover with nothing to hand over is refused', () => {
    expect(classes(judge({ m: '  replicas: 2\n' }, { m: '  replicas: 2\n  handover: true\n' }))).toEqual(['two-steps: `handover` with nothing to hand over']);
    expect(classes(judge({ m: AUTO }, { m: `${AUTO}  handover: true\n` }))).toEqual(['two-steps: `handover` with nothing to hand over']);
  });

  it('static canaries: added without weight, weighted, drained, then removed or promoted', () => {
    const canary = (weight: number) => `  canary:\n    repository: s3://models/m/v2\n    weight: ${weight}\n`;
    expect(classes(judge({ m: '' }, { m: canary(10) }))).toEqual(['two-steps: canary added with weight 10%']);
    expect(classes(judge({ m: '' }, { m: canary(0) }))).toEqual(['safe: canary added']);
    expect(classes(judge({ m: canary(0) }, { m: canary(10) }))).toEqual(['safe: canary traffic 0% → 10%']);
    expect(classes(judge({ m: canary(10) }, { m: '' }))).toEqual(['two-steps: canary removed while it still gets traffic']);
    expect(classes(judge({ m: canary(0) }, { m: '' }))).toEqual(['safe: canary removed']);
    // Replaced by Flagger analysis: the routed canary goes all the same.
    expect(classes(judge({ m: canary(10) }, { m: `  handover: true\n${ANALYSIS}` }))).toContain('two-steps: canary removed while it still gets traffic');
  });

  it('pods that change restart one by one; a new pool is named; replicas alone are safe', () => {
    expect(classes(judge({ m: '  gpuPool: t4\n' }, { m: '  gpuPool: a100-mig\n' }))).toEqual(['disruptive: the pods of m change onto GPU pool a100-mig']);
    expect(classes(judge({ m: '  replicas: 2\n' }, { m: '  replicas: 4\n' }))).toEqual(['safe: replicas of m 2 → 4']);
    expect(classes(judge({ m: '  replicas: 2\n' }, { m: '  replicas: 0\n' }))).toEqual(['disruptive: replicas of m 2 → 0']);
  });

  it('models added and removed; a model under analysis is refused removal until analysis is off', () => {
    expect(classes(judge({ a: '' }, { a: '', b: '' }))).toEqual(['safe: added']);
    expect(classes(judge({ a: '', b: '' }, { a: '' }))).toEqual(['disruptive: removed']);
    expect(classes(judge({ a: '', b: ANALYSIS }, { a: '' }))).toEqual(['two-steps: removed while under Flagger analysis']);
  });

  it("environment settings: the namespace is an outage, the share a new volume, the share's size safe, the domain disruptive", () => {
    const env = (replace: [string, string]) => ENVIRONMENT.replace(...replace);
    const moved = judge({ m: '' }, { m: '' }, ENVIRONMENT, env(['namespace: inference', 'namespace: inference-2']));
    expect(classes(moved)).toEqual(['disruptive: namespace inference → inference-2']);
    expect(moved[0]!.effect).toMatch(/^outage: /);
    expect(classes(judge({ m: '  cache: sfs\n' }, { m: '  cache: sfs\n' }, ENVIRONMENT, env(['size: 100Gi', 'size: 200Gi'])))).toEqual([
      'safe: SFS share size or mount options',
    ]);
    expect(classes(judge({ m: '  cache: sfs\n' }, { m: '  cache: sfs\n' }, ENVIRONMENT, env(['server: 10.0.0.2', 'server: 10.0.0.3'])))).toEqual([
      'disruptive: SFS share 10.0.0.2:/shares/cache → 10.0.0.3:/shares/cache',
      'disruptive: the pods of m change',
    ]);
    expect(classes(judge({ m: '' }, { m: '' }, ENVIRONMENT, env(['domain: inference.example.com', 'domain: ml.example.com'])))).toEqual([
      'disruptive: gateway domain inference.example.com → ml.example.com',
    ]);
    expect(classes(judge({ m: ANALYSIS }, { m: ANALYSIS }, ENVIRONMENT, env(['namespace: inference', 'namespace: inference-2'])))).toEqual([
      'two-steps: namespace changed while m is under Flagger analysis',
      'disruptive: namespace inference → inference-2',
    ]);
    const noJwt = ENVIRONMENT.replace(/ {2}auth:\n {4}jwt: .*\n/, '');
    expect(classes(judge({ m: '' }, { m: '' }, noJwt, ENVIRONMENT))).toEqual(['disruptive: JWT authentication turned on']);
  });

  it('a change the API server refuses is two steps whatever its cause', () => {
    const plan = planOf({ m: '' });
    const files = renderEnvironment(plan);
    const relabelled = files.map((f) => ({
      ...f,
      objects: f.objects.map((o: Record<string, any>) =>
        o.kind === 'Deployment' ? { ...o, spec: { ...o.spec, selector: { matchLabels: { ...o.spec.selector.matchLabels, extra: 'x' } } } } : o,
      ),
    }));
    expect(classes(classifyTransitions({ plan, files }, { plan, files: relabelled }))).toEqual(['two-steps: Deployment m: spec.selector changes']);
  });
});
