/**
 * The feedback loops, proven by Prometheus' own engine: every PromQL expression tritonops renders
 * (KEDA triggers and the primary copies Flagger makes of them, Flagger's MetricTemplates as each
 * Canary fills them in, every dashboard panel and variable) is evaluated by `promtool test rules`
 * over the series a real cluster would scrape (support/prometheus-world.ts), in scenarios over
 * time, and must return what it is for (support/feedback-loops.ts); every alerting rule must fire,
 * or stay silent, as each scenario demands.
 *
 * Rendered from test/fixtures/every-feature, a generated fleet, and this repository's own
 * environments (a property every valid spec must have, not a snapshot of them).
 *
 * The "repository" world reads the repository's environments/ on purpose: whatever specs the
 * team keeps there must give feedback loops Prometheus accepts (allowlisted in
 * test/team-specs.test.ts); the other worlds are the tool's own fixtures.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { renderAll } from '@tritonops/charts';
import { planRepository, type EnvironmentPlan } from '@tritonops/planner';
import { alertGroups, earlierFactsOf, expressionCases, factsOf, firingAlerts, type ExpressionCase, type Facts, type Sample } from './support/feedback-loops.ts';
import { writeFleet } from './support/fleet.ts';
import {
  NO_LOAD,
  seriesOf,
  seriesText,
  SCRAPE_SECONDS,
  worldOf,
  type Call,
  type Labels,
  type PodLoad,
  type Scenario,
  type World,
  type Workload,
  type WorkloadState,
} from './support/prometheus-world.ts';
import { promtoolCheckRules, promtoolTest, promtoolUnavailable, type AlertTest, type ExprTest } from './support/promtool.ts';
import { nonEmpty } from './support/non-empty.ts';
import { REPO_ROOT, tempDir } from './support/workspace.ts';

const skip = promtoolUnavailable();
/** Every scenario is a steady state held for 40 minutes: longer than any alert's `for`. */
const EVAL_TIME = '40m';
const SAMPLES = (40 * 60) / SCRAPE_SECONDS;

function worldsOf(root: string, label: string): { label: string; world: World }[] {
  const result = planRepository({ root, displayBase: root });
  if (result.hasErrors)
    throw new Error(
      `the specs of ${root} do not validate: ${result.diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)
        .join('; ')}`,
    );
  const objects = renderAll(result.plans).flatMap((f) => f.objects) as Record<string, any>[];
  return result.plans.map((env: EnvironmentPlan) => ({ label: `${label} ${env.name}`, world: worldOf(env, objects) }));
}

// ---- scenarios -------------------------------------------------------------------------------

const STEADY: PodLoad = {
  successPerSecond: 8,
  failurePerSecond: 0,
  canceledPerSecond: 0.5,
  batchSize: 2,
  queueMs: 5,
  computeMs: 20,
  pending: 1,
  gpuUtilization: 0.25,
  gpuMemoryUsedBytes: 4 * 2 ** 30,
  firstResponseBucketMs: 500,
};
const OVERLOAD: PodLoad = {
  successPerSecond: 40,
  failurePerSecond: 4,
  canceledPerSecond: 2,
  batchSize: 4,
  queueMs: 5000,
  computeMs: 80,
  pending: 50,
  gpuUtilization: 1,
  gpuMemoryUsedBytes: 15.5 * 2 ** 30,
  firstResponseBucketMs: 5000,
};
const FAILING: PodLoad = { ...STEADY, failurePerSecond: 8, queueMs: 40 };

function planOf(world: World, w: Workload) {
  const env = world.environment;
  return [...env.models, ...env.pipelines.map((p) => p.server)].find((m) => m.name === w.model)!;
}

/** Replicas the spec asks for, at least one where the model may scale to zero. */
function planned(world: World, w: Workload, at: 'min' | 'max' = 'min'): number {
  if (w.flagger === 'target') return 0;
  const track = planOf(world, w).tracks.find((t) => t.track === w.podLabels['tritonops.dev/track'])!;
  if (!track.autoscale) return track.replicas;
  return at === 'max' ? track.autoscale.maxReplicas : Math.max(1, track.autoscale.minReplicas);
}

/**
 * No two neighbouring Deployments read alike: each scales the scenario's traffic, queue, compute
 * and GPU share by its own factor (1.0 … 1.6, by its place in the world), so that a query that
 * reads the wrong Deployment — stable for canary, primary for target — returns the wrong number.
 */
function varied(world: World, w: Workload, load: PodLoad): PodLoad {
  const k = 1 + (world.workloads.indexOf(w) % 7) / 10;
  return {
    ...load,
    successPerSecond: load.successPerSecond * k,
    failurePerSecond: load.failurePerSecond * k,
    canceledPerSecond: load.canceledPerSecond * k,
    queueMs: load.queueMs * k,
    computeMs: load.computeMs * k,
    pending: load.pending * k,
    gpuUtilization: Math.min(1, load.gpuUtilization * k),
  };
}

/**
 * Errors and queue time at `factor` times each model's SLO budget, and cancellations at five times
 * the error budget: an alert must fire above its budget, stay silent below it, and never count
 * what clients cancelled.
 */
function atSlo(world: World, w: Workload, factor: number): PodLoad {
  const slo = planOf(world, w).slo;
  const ratio = (factor * (100 - slo.successRate)) / 100;
  const success = 8 * (1 + (world.workloads.indexOf(w) % 7) / 10);
  return {
    ...STEADY,
    successPerSecond: success,
    failurePerSecond: (success * ratio) / (1 - ratio),
    canceledPerSecond: success * 5 * ((100 - slo.successRate) / 100),
    queueMs: factor * slo.queueTimeMs,
  };
}

function scenarios(world: World): Scenario[] {
  const scaledToZero = (w: Workload) => planOf(world, w).autoscaling?.idleSeconds !== undefined;
  // The gateway's requests to each Flagger canary, `failed` of 10 a second answered 503 by a proxy.
  const proxyCalls = (failed: number): Call[] =>
    world.workloads
      .filter((w) => w.flagger === 'target')
      .map((w) => ({ from: 'gateway', service: `${w.model}-canary`, perSecond: 10, failedPerSecond: failed }));
  const steady = (w: Workload): WorkloadState => ({ pods: planned(world, w), load: varied(world, w, STEADY) });
  // At the maximum throughout; autoscaling pinned there only since the change.
  const overloadSince = (minutesAgo: number): Scenario => ({
    name: `overload for the last ${minutesAgo} minutes, after steady load`,
    state: (w) => ({ pods: planned(world, w, 'max'), load: varied(world, w, OVERLOAD) }),
    earlier: {
      minutesAgo,
      state: (w) => ({ pods: planned(world, w, 'max'), specReplicas: Math.max(0, planned(world, w, 'max') - 1), load: varied(world, w, STEADY) }),
    },
  });
  return [
    { name: 'steady load', state: steady },
    { name: 'idle: replicas up, no request', state: (w) => ({ pods: planned(world, w), load: NO_LOAD }) },
    {
      name: 'overload: queues grow, autoscaling at its maximum, 10% errors',
      state: (w) => ({ pods: planned(world, w, 'max'), load: varied(world, w, OVERLOAD) }),
    },
    overloadSince(3),
    overloadSince(20),
    overloadSince(35),
    { name: "errors and queue time at twice each model's SLO", state: (w) => ({ pods: planned(world, w), load: atSlo(world, w, 2) }) },
    { name: "errors and queue time at half each model's SLO", state: (w) => ({ pods: planned(world, w), load: atSlo(world, w, 0.5) }) },
    {
      name: 'a failing canary: Flagger analyses a canary that fails half its requests',
      state: (w) =>
        w.flagger === 'target' || w.podLabels['tritonops.dev/track'] === 'canary'
          ? { pods: Math.max(1, planned(world, w)), load: varied(world, w, FAILING) }
          : steady(w),
    },
    {
      // Called from outside the scraped proxies: Triton is the only witness.
      name: 'a canary that started failing 2 minutes ago, called by clients no scraped proxy sees',
      state: (w) => (w.flagger === 'target' ? { pods: 1, load: varied(world, w, FAILING) } : steady(w)),
      gatewayCalls: (): Call[] => [],
      earlier: { minutesAgo: 2, state: (w) => (w.flagger === 'target' ? { pods: 1, load: varied(world, w, STEADY) } : steady(w)) },
    },
    {
      name: 'a canary with no traffic: Flagger analyses a canary no request reaches',
      state: (w) => (w.flagger === 'target' ? { pods: 1, load: NO_LOAD } : steady(w)),
    },
    {
      name: "a canary failing at the proxy for 2 minutes: callers get 503s that never reach the canary's Triton",
      state: (w) => (w.flagger === 'target' ? { pods: 1, load: NO_LOAD } : steady(w)),
      gatewayCalls: () => proxyCalls(10),
      earlier: { minutesAgo: 2, state: (w) => (w.flagger === 'target' ? { pods: 1, load: NO_LOAD } : steady(w)), gatewayCalls: () => proxyCalls(0) },
    },
    {
      name: 'a Flagger primary down: no replica of the primary is ready, the target at zero',
      state: (w): WorkloadState => (w.flagger === 'primary' ? { pods: 0, specReplicas: planned(world, w), load: STEADY } : steady(w)),
    },
    {
      name: 'an outage: every Deployment keeps its replicas, none of them ready',
      state: (w) => ({ pods: planned(world, w), ready: 0, load: NO_LOAD }),
    },
    {
      name: 'scaled to zero, called from the mesh: a pipeline calls a model that has no replica',
      state: (w) => (scaledToZero(w) ? { pods: 0, load: STEADY } : steady(w)),
      gatewayCalls: (): Call[] => [],
    },
  ];
}

// ---- evaluation ------------------------------------------------------------------------------

const labelText = (labels: Labels) =>
  `{${Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

const coverage = new Map<string, { expr: string; numberIn: string[] }>();
const alertCoverage = new Map<string, { fired: string[]; silent: string[] }>();
let evaluatedExpressions = 0;
let scenarioRuns = 0;

/** Evaluates every expression and alert of `world` in `scenario` with promtool; failures, explained. */
function evaluate(world: World, label: string, scenario: Scenario): string[] {
  const facts: Facts = factsOf(world, scenario);
  const cases = expressionCases(world);
  const { groups, rules } = alertGroups(world);
  const exprTests: ExprTest[] = [];
  const asked: { c: ExpressionCase; samples: readonly Sample[] | 'reads-zero' }[] = [];
  for (const c of cases) {
    const samples = c.expect(facts);
    if (samples === 'not-asked') continue;
    asked.push({ c, samples });
    if (samples !== 'reads-zero' && samples.length > 0) {
      const entry = coverage.get(`${label} ${c.where}`) ?? { expr: c.expr, numberIn: [] };
      entry.numberIn.push(scenario.name);
      coverage.set(`${label} ${c.where}`, entry);
    }
    exprTests.push(...valueTests(c.expr, samples));
  }
  const firing = firingAlerts(facts, earlierFactsOf(world, scenario), rules);
  const alertTests: AlertTest[] = [...new Set(rules.map((r) => r.alert))].map((alertname) => ({
    alertname,
    evalTime: EVAL_TIME,
    expAlerts: firing.filter((r) => r.alert === alertname).map((r) => ({ expLabels: { ...r.labels } })),
  }));
  for (const rule of rules) {
    const key = `${label} ${rule.alert} ${rule.labels.model}${rule.labels.track ? ` ${rule.labels.track}` : ''}`;
    const entry = alertCoverage.get(key) ?? { fired: [], silent: [] };
    (firing.includes(rule) ? entry.fired : entry.silent).push(scenario.name);
    alertCoverage.set(key, entry);
  }
  evaluatedExpressions += exprTests.length;
  scenarioRuns++;
  const inputSeries = seriesOf(world, scenario, SAMPLES).map((s) => ({ series: seriesText(s), values: s.values }));
  const result = promtoolTest({ ruleGroups: groups, interval: `${SCRAPE_SECONDS}s`, inputSeries, exprTests, alertTests });
  if (result.ok) return [];
  return [explain(asked, inputSeries, groups, result.output)];
}

/**
 * The tests of one expression: that it returns exactly the expected label sets, each a number (NaN
 * fails: `NaN * 0 + 1` is NaN), and that each sample is within a relative 1e-9 of its value — one
 * test per distinct value, each telling which samples must be within it and which must not.
 */
function valueTests(expr: string, samples: readonly Sample[] | 'reads-zero'): ExprTest[] {
  if (samples === 'reads-zero') {
    // KEDA reads an empty result (ignoreNullValues) as zero: what a Deployment without a pod gets.
    return [{ expr: `abs((${expr}) or vector(0)) <= bool 1e-9`, evalTime: EVAL_TIME, expSamples: [{ labels: '{}', value: 1 }] }];
  }
  const tests: ExprTest[] = [{ expr: `(${expr}) * 0 + 1`, evalTime: EVAL_TIME, expSamples: samples.map((s) => ({ labels: labelText(s.labels), value: 1 })) }];
  const values = [...new Map(samples.map((s) => [formatNumber(s.value), s.value])).values()];
  for (const v of values) {
    const tolerance = 1e-9 * Math.max(1, Math.abs(v));
    tests.push({
      expr: `abs((${expr}) - ${formatNumber(v)}) <= bool ${formatNumber(tolerance)}`,
      evalTime: EVAL_TIME,
      expSamples: samples.map((o) => ({ labels: labelText(o.labels), value: Math.abs(o.value - v) <= tolerance ? 1 : 0 })),
    });
  }
  return tests;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(17);
}

function explain(
  asked: readonly { c: ExpressionCase; samples: readonly Sample[] | 'reads-zero' }[],
  inputSeries: readonly { series: string; values: string }[],
  groups: unknown[],
  output: string,
): string {
  // What each failing expression returned: the raw expressions, each expecting nothing.
  const raw = promtoolTest({
    ruleGroups: groups,
    interval: `${SCRAPE_SECONDS}s`,
    inputSeries,
    exprTests: asked.map(({ c }) => ({ expr: c.expr, evalTime: EVAL_TIME, expSamples: [] })),
    alertTests: [],
  });
  const blocks = (text: string) => text.split(/\n(?=\s*expr: |\s*alertname: )/);
  const failed = blocks(output);
  const rawBlocks = blocks(raw.output);
  const lines: string[] = [];
  for (const { c, samples } of asked) {
    const quoted = JSON.stringify(c.expr).slice(1, -1);
    if (!failed.some((b) => b.includes(`(${quoted})`))) continue;
    const got = rawBlocks.find((b) => b.includes(`expr: "${quoted}"`));
    const gotLine = got ? (/got: (.*)/s.exec(got)?.[1]?.trim() ?? 'nothing') : 'nothing';
    lines.push(
      `${c.where}\n    expected: ${samples === 'reads-zero' ? 'nothing, or 0' : samples.map((s) => `${labelText(s.labels)} ${s.value}`).join(', ') || 'nothing'}\n    got:      ${gotLine}\n    expr:     ${c.expr}`,
    );
  }
  const alerts = failed.filter((b) => b.includes('alertname:'));
  return [...lines, ...alerts].join('\n') || output.slice(0, 4000);
}

// ---- the tests -------------------------------------------------------------------------------

const fleet = tempDir('feedback-fleet');
afterAll(() => fleet.remove());

describe.skipIf(skip)(`feedback loops, evaluated by promtool${skip ? ` (skipped: ${skip})` : ''}`, () => {
  writeFleet(fleet.path, 30);
  const worlds = [
    ...worldsOf(`${REPO_ROOT}/test/fixtures/every-feature`, 'every-feature'),
    ...worldsOf(fleet.path, 'fleet of 30'),
    ...worldsOf(REPO_ROOT, 'repository'),
  ];

  describe.each(worlds)('$label', ({ label, world }) => {
    it.each(scenarios(world).map((s) => [s.name, s] as const))(
      '%s',
      (_name, scenario) => {
        expect(evaluate(world, label, scenario).join('\n\n')).toBe('');
      },
      120_000,
    );

    it("KEDA's decisions on the values promtool confirmed: overload scales every trigger up, idle none up, a pipeline's call wakes its model", () => {
      const byName = new Map(scenarios(world).map((s) => [s.name.split(':')[0], s]));
      const desired = (scenario: Scenario) => {
        const facts = factsOf(world, scenario);
        return expressionCases(world)
          .filter((c) => c.trigger && !c.trigger.wake && facts.pods.some((p) => p.workload.deployment === c.trigger!.deployment))
          .map((c) => {
            const value = (c.expect(facts) as Sample[])[0]!.value;
            const current = facts.pods.filter((p) => p.workload.deployment === c.trigger!.deployment).length;
            // The HPA's rule: a Value is a ratio to the current count, an AverageValue a total.
            const wanted = c.trigger!.metricType === 'Value' ? Math.ceil((current * value) / c.trigger!.threshold) : Math.ceil(value / c.trigger!.threshold);
            return { where: c.where, current, wanted };
          });
      };
      const overload = nonEmpty(desired(byName.get('overload')!), 'triggers of running Deployments');
      expect(overload.filter((d) => d.wanted <= d.current)).toEqual([]);
      expect(desired(byName.get('idle')!).filter((d) => d.wanted > d.current)).toEqual([]);
      const mesh = factsOf(world, byName.get('scaled to zero, called from the mesh')!);
      for (const c of expressionCases(world).filter((c) => c.trigger?.wake)) {
        const called = mesh.calls.some((call) => call.service === c.trigger!.deployment && call.perSecond > 0);
        const value = c.expect(mesh);
        // activationThreshold is 0: any request activates the ScaledObject.
        expect(value === 'reads-zero' ? 0 : (value as Sample[])[0]!.value > 0 ? 1 : 0, c.where).toBe(called ? 1 : 0);
      }
    });

    it('every trigger has the threshold its spec sets and the metric type its meaning calls for', () => {
      const triggers = nonEmpty(
        expressionCases(world).filter((c) => c.trigger && !c.trigger.wake),
        'KEDA triggers',
      );
      expect(
        triggers
          .filter((c) => c.trigger!.rendered.metricType !== c.trigger!.metricType || c.trigger!.rendered.threshold !== c.trigger!.threshold)
          .map((c) => c.where),
      ).toEqual([]);
    });

    it('an idle model scaled to zero reads no trigger above its activation threshold, so it goes back to zero', () => {
      const idle = factsOf(
        world,
        scenarios(world).find((s) => s.name.startsWith('idle'))!,
      );
      const awake = expressionCases(world)
        .filter((c) => c.trigger?.scaleToZero && idle.pods.some((p) => p.workload.deployment === c.trigger!.deployment))
        .filter((c) => {
          const value = c.expect(idle);
          return value !== 'reads-zero' && value !== 'not-asked' && value[0]!.value > (c.trigger!.rendered.activationThreshold ?? 0);
        });
      expect(awake.map((c) => c.where)).toEqual([]);
    });

    it('the alerting rules pass `promtool check rules`, annotations and all', () => {
      const result = promtoolCheckRules(alertGroups(world).withAnnotations);
      expect(result.ok, result.output).toBe(true);
    });
  });

  it("on a time-sliced pool a model scales on its co-tenant's load: the trigger reads the whole GPU, and validate warns", () => {
    const { world } = worlds.find((w) => w.label === 'every-feature lab')!;
    const onShared = (w: Workload) => w.gpuPool === 't4-shared';
    const scenario: Scenario = {
      name: 'co-tenants: the llm keeps the shared GPU 90% busy, the embedder beside it gets no request',
      state: (w) => ({
        pods: onShared(w) ? 1 : planned(world, w),
        load: w.model === 'llm' ? { ...STEADY, gpuUtilization: 0.9 } : onShared(w) ? NO_LOAD : STEADY,
      }),
    };
    const facts = factsOf(world, scenario);
    const embedderPods = facts.pods.filter((p) => p.workload.model === 'embedder');
    const llmPods = facts.pods.filter((p) => p.workload.model === 'llm');
    expect(embedderPods[0]!.gpuUuids).toEqual(llmPods[0]!.gpuUuids);
    const trigger = expressionCases(world).find((c) => c.where === 'lab ScaledObject/embedder gpu-utilization')!;
    // 90 % against a threshold of 70 %: the idle embedder scales up on the llm's work.
    expect(trigger.expect(facts)).toEqual([{ labels: {}, value: 90 }]);
    expect(trigger.trigger!.threshold).toBe(70);
    expect(evaluate(world, 'every-feature lab', scenario).join('\n\n')).toBe('');
    const validation = planRepository({ root: `${REPO_ROOT}/test/fixtures/every-feature`, displayBase: REPO_ROOT });
    expect(validation.diagnostics.filter((d) => d.code === 'gpu-utilization-time-sliced').map((d) => `${d.file}:${d.line}`)).toEqual([
      'test/fixtures/every-feature/environments/lab/models/embedder.yaml:14',
    ]);
  });

  it('every expression returns a number in at least one scenario, and every alert fires in one and stays silent in another', () => {
    const never = [...coverage].filter(([, v]) => v.numberIn.length === 0).map(([k]) => k);
    expect(never).toEqual([]);
    const neverFired = [...alertCoverage].filter(([, v]) => v.fired.length === 0).map(([k]) => k);
    const neverSilent = [...alertCoverage].filter(([, v]) => v.silent.length === 0).map(([k]) => k);
    expect(neverFired).toEqual([]);
    expect(neverSilent).toEqual([]);
    const fired = [...alertCoverage.values()].reduce((n, v) => n + v.fired.length, 0);
    console.log(
      `feedback loops: ${coverage.size} expressions, ${scenarioRuns} scenario runs, ${evaluatedExpressions} promtool expression tests, ${alertCoverage.size} alerting rules, ${fired} firings asserted`,
    );
  });
});
