/**
 * Every PromQL expression of a render, each with what it must return in a scenario. The expected
 * values come from what the expression is *for* — the mean queue time of the pods a ScaledObject
 * scales, the success rate of a canary's pods, the requests callers send a model — computed from
 * the scenario's load, never from the query text. promtool then evaluates the rendered text over
 * the series a real cluster would hold (prometheus-world.ts) and the two must agree.
 */
import {
  callsOf,
  FIRST_RESPONSE_BUCKETS,
  gpuUse,
  podsOf,
  type Call,
  type Labels,
  type Pod,
  type Scenario,
  type World,
  type Workload,
  type WorkloadState,
} from './prometheus-world.ts';
import { PROM_APP_LABEL, PROM_MODEL_LABEL, PROM_TRACK_LABEL } from '@tritonops/charts';

type Obj = Record<string, any>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * What an expression must return: exactly these samples; `reads-zero` where its consumer reads
 * nothing as zero (a KEDA trigger of a Deployment that has no pod); `not-asked` where no consumer
 * evaluates it in this scenario (Flagger queries a canary only during an analysis).
 */
export type Expectation = readonly Sample[] | 'reads-zero' | 'not-asked';

export interface ExpressionCase {
  /** Where the expression comes from, e.g. `lab ScaledObject/whisper queue-time`. */
  readonly where: string;
  /** The expression as its consumer sends it to Prometheus (templates filled in). */
  readonly expr: string;
  readonly expect: (facts: Facts) => Expectation;
  /**
   * For a KEDA trigger: the threshold the spec sets and the metric type its meaning calls for (a
   * mean is a Value, a total an AverageValue), next to what was rendered.
   */
  readonly trigger?: {
    readonly deployment: string;
    readonly threshold: number;
    readonly metricType: 'Value' | 'AverageValue';
    readonly rendered: { readonly threshold: number; readonly metricType: string; readonly activationThreshold?: number };
    readonly scaleToZero: boolean;
    readonly wake: boolean;
  };
}

/** What the scenario makes true in the cluster, from which expectations are computed. */
export interface Facts {
  readonly world: World;
  readonly state: (w: Workload) => WorkloadState;
  readonly pods: readonly Pod[];
  /** Busy fraction and memory in use of each physical GPU: the sums of its tenants'. */
  readonly gpuBusy: ReadonlyMap<string, number>;
  readonly gpuMemory: ReadonlyMap<string, number>;
  readonly calls: readonly Call[];
  /** How long the current state has held: a rate over a longer window mixes in the earlier one. */
  readonly heldSeconds: number;
}

export function factsOf(world: World, scenario: Scenario): Facts {
  const pods = podsOf(world, scenario.state);
  const { busy, memory } = gpuUse(pods, scenario.state);
  const calls = callsOf(world, pods, scenario, scenario.state);
  return {
    world,
    state: scenario.state,
    pods,
    gpuBusy: busy,
    gpuMemory: memory,
    calls,
    heldSeconds: scenario.earlier ? scenario.earlier.minutesAgo * 60 : Infinity,
  };
}

/** The facts of a scenario's earlier state, when it has one. */
export function earlierFactsOf(world: World, scenario: Scenario): Facts | undefined {
  const earlier = scenario.earlier;
  if (!earlier) return undefined;
  const gatewayCalls = earlier.gatewayCalls ?? scenario.gatewayCalls;
  return factsOf(world, { name: `${scenario.name} (earlier)`, state: earlier.state, ...(gatewayCalls ? { gatewayCalls } : {}) });
}

/** Sums over a set of pods, each pod serving every Triton model of its workload. */
interface Totals {
  readonly pods: number;
  readonly success: number;
  readonly failure: number;
  readonly queueMs: number;
  readonly computeMs: number;
  readonly pending: number;
  /** Per GPU series (one per pod and GPU): the physical GPU's busy fraction. */
  readonly gpuBusy: readonly number[];
  readonly gpuMemoryUsed: number;
  readonly gpuMemoryTotal: number;
}

function totals(facts: Facts, pods: readonly Pod[]): Totals {
  let success = 0,
    failure = 0,
    queueMs = 0,
    computeMs = 0,
    pending = 0,
    gpuMemoryUsed = 0,
    gpuMemoryTotal = 0;
  const gpuBusy: number[] = [];
  for (const pod of pods) {
    const load = facts.state(pod.workload).load;
    const n = pod.workload.tritonModels.length;
    success += n * load.successPerSecond;
    // Cancelled requests are no failure of the model.
    failure += n * load.failurePerSecond;
    queueMs += n * load.successPerSecond * load.queueMs;
    computeMs += n * load.successPerSecond * load.computeMs;
    pending += n * load.pending;
    if (pod.workload.gpuMetrics) {
      for (const uuid of pod.gpuUuids) {
        gpuBusy.push(facts.gpuBusy.get(uuid)!);
        gpuMemoryUsed += facts.gpuMemory.get(uuid)!;
        gpuMemoryTotal += pod.workload.gpuMemoryTotalBytes;
      }
    }
  }
  return { pods: pods.length, success, failure, queueMs, computeMs, pending, gpuBusy, gpuMemoryUsed, gpuMemoryTotal };
}

const podsOfDeployment = (facts: Facts, deployment: string) => facts.pods.filter((p) => p.workload.deployment === deployment);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const one = (value: number): Sample[] => [{ labels: {}, value }];

/** The value of a Triton histogram quantile when every observation falls in one bucket. */
function bucketQuantile(q: number, bucketMs: number): number {
  const i = FIRST_RESPONSE_BUCKETS.indexOf(bucketMs);
  const lower = i > 0 ? FIRST_RESPONSE_BUCKETS[i - 1]! : 0;
  return lower + (bucketMs - lower) * q;
}

/** What a KEDA trigger must read for the pods of `deployment`, by the trigger's meaning. */
function triggerExpectation(name: string, deployment: string, service: string, quantile: number) {
  return (facts: Facts): Expectation => {
    if (name === 'incoming-requests') {
      // Every request sent to the model's Service, by the gateway or a caller in the mesh. A model
      // no one ever called has no series at all, which KEDA reads as zero.
      const calls = facts.calls.filter((c) => c.service === service);
      return calls.length === 0 ? 'reads-zero' : one(calls.reduce((n, c) => n + c.perSecond, 0));
    }
    const pods = podsOfDeployment(facts, deployment);
    if (pods.length === 0) return 'reads-zero';
    const t = totals(facts, pods);
    switch (name) {
      case 'queue-time':
        return one(t.success > 0 ? t.queueMs / t.success : 0);
      case 'gpu-utilization':
        return one(100 * mean(t.gpuBusy));
      case 'inference-rate':
        return one(t.success);
      case 'pending-requests':
        return one(t.pending);
      case 'gpu-memory':
        return one((100 * t.gpuMemoryUsed) / t.gpuMemoryTotal);
      case 'time-to-first-token':
        return one(t.success > 0 ? bucketQuantile(quantile, facts.state(pods[0]!.workload).load.firstResponseBucketMs) : 0);
      default:
        throw new Error(`no expectation for trigger "${name}"`);
    }
  };
}

/**
 * What each trigger is for: the spec setting it reads its threshold from (none for the wake-up,
 * whose threshold only keeps it from sizing) and how the HPA must compare it — a mean or a
 * quantile is a Value (desired = current × value ÷ target), a total an AverageValue (per replica).
 */
const TRIGGER_MEANINGS: Record<
  string,
  {
    setting?: 'queueTimeMs' | 'gpuUtilization' | 'inferencesPerSecond' | 'pendingRequests' | 'gpuMemoryUtilization' | 'timeToFirstTokenMs';
    metricType: 'Value' | 'AverageValue';
  }
> = {
  'queue-time': { setting: 'queueTimeMs', metricType: 'Value' },
  'gpu-utilization': { setting: 'gpuUtilization', metricType: 'Value' },
  'gpu-memory': { setting: 'gpuMemoryUtilization', metricType: 'Value' },
  'time-to-first-token': { setting: 'timeToFirstTokenMs', metricType: 'Value' },
  'inference-rate': { setting: 'inferencesPerSecond', metricType: 'AverageValue' },
  'pending-requests': { setting: 'pendingRequests', metricType: 'AverageValue' },
  'incoming-requests': { metricType: 'AverageValue' },
};

/** Seconds of a Prometheus duration such as `30s` or `2m`. */
function seconds(duration: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(duration);
  if (!m) throw new Error(`unknown duration ${duration}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
}

/** Flagger's template variables, filled in as Flagger does for a Canary's metric. */
export function fillFlaggerTemplate(query: string, vars: { namespace: string; target: string; interval: string }): string {
  return query.replace(/\{\{\s*(namespace|target|interval)\s*\}\}/g, (_, k: keyof typeof vars) => vars[k]);
}

/** Grafana's variables: the rate interval of a 15 s scrape (4 × scrape) and "All" models. */
export function fillGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$model', '.*');
}

function trackOf(w: Workload): string {
  return w.podLabels['tritonops.dev/track']!;
}

/** Every expression of one environment's render, with its expectation. */
export function expressionCases(world: World): ExpressionCase[] {
  const env = world.environment;
  const out: ExpressionCase[] = [];
  const of = (kind: string) => world.objects.filter((o) => o.kind === kind);
  const planOf = (model: string) => [...env.models, ...env.pipelines.map((p) => p.server)].find((m) => m.name === model)!;

  // KEDA: every trigger of every ScaledObject, and the primary copies Flagger makes.
  const addTriggers = (
    where: string,
    deployment: string,
    model: string,
    triggers: readonly { name: string; query: string; threshold: number; metricType: string; activationThreshold?: number }[],
  ) => {
    const plan = planOf(model);
    const quantile = plan.autoscaling?.triggers.timeToFirstTokenQuantile ?? 0.95;
    const scaleToZero = plan.autoscaling?.idleSeconds !== undefined;
    for (const t of triggers) {
      const meaning = TRIGGER_MEANINGS[t.name];
      if (!meaning) throw new Error(`${where}: no meaning known for trigger "${t.name}"`);
      out.push({
        where: `${where} ${t.name}`,
        expr: t.query,
        expect: triggerExpectation(t.name, deployment, model, quantile),
        trigger: {
          deployment,
          // A model that does not autoscale has a fixed-size ScaledObject on its SLO's queue time.
          threshold: meaning.setting ? (plan.autoscaling ? (plan.autoscaling.triggers[meaning.setting] as number) : plan.slo.queueTimeMs) : t.threshold,
          metricType: meaning.metricType,
          rendered: {
            threshold: t.threshold,
            metricType: t.metricType,
            ...(t.activationThreshold !== undefined ? { activationThreshold: t.activationThreshold } : {}),
          },
          scaleToZero,
          wake: t.name === 'incoming-requests',
        },
      });
    }
  };
  for (const so of of('ScaledObject')) {
    const triggers = (so.spec.triggers as Obj[]).map((t) => ({
      name: t.name,
      query: t.metadata.query,
      threshold: Number(t.metadata.threshold),
      metricType: t.metricType,
      ...(t.metadata.activationThreshold !== undefined ? { activationThreshold: Number(t.metadata.activationThreshold) } : {}),
    }));
    addTriggers(`${env.name} ScaledObject/${so.metadata.name}`, so.spec.scaleTargetRef.name, so.metadata.labels['tritonops.dev/model'], triggers);
    const canary = of('Canary').find((c) => c.spec.autoscalerRef?.name === so.metadata.name);
    if (canary) {
      const primary = `${canary.spec.targetRef.name}-primary`;
      const copied = triggers.map((t) => ({ ...t, query: canary.spec.autoscalerRef.primaryScalerQueries[t.name] as string }));
      addTriggers(`${env.name} ScaledObject/${so.metadata.name}-primary (Flagger's copy)`, primary, so.metadata.labels['tritonops.dev/model'], copied);
    }
  }

  // Flagger: each MetricTemplate as each Canary uses it, for its canary's pods.
  for (const canary of of('Canary')) {
    const target = canary.spec.targetRef.name as string;
    for (const metric of canary.spec.analysis.metrics as Obj[]) {
      const template = of('MetricTemplate').find((t) => t.metadata.name === metric.templateRef.name)!;
      const expr = fillFlaggerTemplate(template.spec.query, { namespace: canary.metadata.namespace, target, interval: metric.interval });
      out.push({
        where: `${env.name} Canary/${target} ${metric.name} (MetricTemplate/${template.metadata.name})`,
        expr,
        expect: (facts) => {
          const pods = podsOfDeployment(facts, target);
          // Flagger asks only during an analysis; a window longer than the state mixes in the last.
          if (pods.length === 0 || seconds(metric.interval) > facts.heldSeconds) return 'not-asked';
          const t = totals(facts, pods);
          if (template.metadata.name === 'triton-success-rate') {
            // The stricter of two witnesses: Triton's counters, and the callers' proxies (5xx,
            // including what never reached Triton). No request is no failure for either.
            const triton = t.success + t.failure > 0 ? (100 * t.success) / (t.success + t.failure) : 100;
            const calls = facts.calls.filter((c) => c.service === `${target}-canary`);
            const sent = calls.reduce((n, c) => n + c.perSecond, 0);
            const failed = calls.reduce((n, c) => n + (c.failedPerSecond ?? 0), 0);
            return one(Math.min(triton, sent > 0 ? 100 - (100 * failed) / sent : 100));
          }
          if (template.metadata.name === 'triton-queue-time') return one(t.success > 0 ? t.queueMs / t.success : 0);
          throw new Error(`no expectation for MetricTemplate ${template.metadata.name}`);
        },
      });
    }
  }

  // Grafana: every target of every panel of the environment's dashboard.
  for (const cm of of('ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1')) {
    const dashboard = JSON.parse(Object.values(cm.data as Record<string, string>)[0]!) as Obj;
    for (const panel of dashboard.panels as Obj[]) {
      (panel.targets as Obj[]).forEach((target, i) => {
        out.push({
          where: `${env.name} dashboard "${panel.title}" #${i + 1}`,
          expr: fillGrafanaVariables(target.expr),
          expect: (facts) => panelExpectation(facts, panel.title as string, i),
        });
      });
    }
    for (const variable of (dashboard.templating.list as Obj[]).filter((v) => v.type === 'query')) {
      // Grafana's label_values(selector, label): the label's values over the selector's series.
      const m = /^label_values\((.*), *(\w+)\)$/.exec(variable.query.query as string);
      if (!m) throw new Error(`unknown variable query ${variable.query.query}`);
      out.push({
        where: `${env.name} dashboard variable $${variable.name}`,
        expr: `group by (${m[2]}) (${m[1]})`,
        expect: (facts) =>
          [...new Set(facts.pods.filter((p) => p.workload.namespace === env.namespace).map((p) => p.workload.model))].map((model) => ({
            labels: { [m[2]!]: model },
            value: 1,
          })),
      });
    }
  }
  return out;
}

/** By-group sums of the dashboard's traffic panels: per model, track and Deployment's app label. */
function panelExpectation(facts: Facts, title: string, target: number): Expectation {
  const env = facts.world.environment;
  const groups = new Map<string, { labels: Labels; pods: Pod[] }>();
  for (const pod of facts.pods) {
    const labels = {
      [PROM_MODEL_LABEL]: pod.workload.model,
      [PROM_TRACK_LABEL]: trackOf(pod.workload),
      [PROM_APP_LABEL]: pod.workload.podLabels['app.kubernetes.io/name']!,
    };
    const key = JSON.stringify(labels);
    if (!groups.has(key)) groups.set(key, { labels, pods: [] });
    groups.get(key)!.pods.push(pod);
  }
  const byGroup = (f: (t: Totals) => number): Sample[] => [...groups.values()].map((g) => ({ labels: g.labels, value: f(totals(facts, g.pods)) }));
  const gpuPods = (pool: string) => facts.pods.filter((p) => p.workload.gpuPool === pool && p.workload.gpuMetrics);
  switch (title) {
    case 'Inferences per second':
      return byGroup((t) => t.success);
    case 'Failed inferences per second':
      return byGroup((t) => t.failure);
    case 'Success ratio':
      // No request is no failure: an idle model reads 100 %, not 0 %.
      return byGroup((t) => (t.success + t.failure > 0 ? t.success / (t.success + t.failure) : 1));
    case 'Queue time per request':
      return byGroup((t) => (t.success > 0 ? t.queueMs / t.success : 0));
    case 'Compute time per request':
      return byGroup((t) => (t.success > 0 ? t.computeMs / t.success : 0));
    case 'Replicas and their maximum':
      return target === 0
        ? facts.world.workloads.map((w) => ({ labels: { deployment: w.deployment }, value: facts.state(w).ready ?? facts.state(w).pods }))
        : facts.world.workloads
            .filter((w) => w.scaledObject)
            .map((w) => ({ labels: { horizontalpodautoscaler: `keda-hpa-${w.scaledObject!.name}` }, value: w.scaledObject!.maxReplicas }));
  }
  const pool = /^GPU (?:utilisation|memory in use): pool (.+)$/.exec(title)?.[1];
  if (pool && env.gpuPools[pool]) {
    const pods = gpuPods(pool);
    return pods.map((p) => {
      const t = totals(facts, [p]);
      return {
        labels: { [PROM_MODEL_LABEL]: p.workload.model, pod: p.name },
        value: title.startsWith('GPU utilisation') ? 100 * mean(t.gpuBusy) : t.gpuMemoryUsed / t.gpuMemoryTotal,
      };
    });
  }
  throw new Error(`no expectation for dashboard panel "${title}"`);
}

export interface AlertRule {
  readonly alert: string;
  readonly labels: Labels;
}

/** The alerting rules of one environment, as rule groups promtool loads (annotations aside). */
export function alertGroups(world: World): { groups: Obj[]; rules: AlertRule[]; withAnnotations: Obj[] } {
  const rules = world.objects.filter((o) => o.kind === 'PrometheusRule').flatMap((r) => r.spec.groups as Obj[]);
  return {
    // Annotations hold `$value` templates whose text promtool compares verbatim; they are checked
    // by `promtool check rules` on the groups as rendered instead.
    groups: rules.map((g) => ({ name: g.name, rules: (g.rules as Obj[]).map(({ annotations: _, ...rule }) => rule) })),
    rules: rules.flatMap((g) => (g.rules as Obj[]).map((r) => ({ alert: r.alert, labels: r.labels }))),
    withAnnotations: rules,
  };
}

/**
 * How long each alert's condition must hold (`for`) and the rate window that delays its onset:
 * the contract docs/feedback-loops.md states, not read from the rules.
 */
export const ALERT_TIMING: Readonly<Record<string, { forMinutes: number; windowMinutes: number }>> = {
  TritonModelErrorRatioHigh: { forMinutes: 5, windowMinutes: 5 },
  TritonModelQueueTimeHigh: { forMinutes: 10, windowMinutes: 1 },
  TritonModelNoReadyReplicas: { forMinutes: 5, windowMinutes: 0 },
  TritonModelAtMaxReplicas: { forMinutes: 30, windowMinutes: 0 },
};

/**
 * The rules whose condition holds in a state: by the model's SLO, and by the state of the
 * Deployments that serve — Flagger's primary, not the target it keeps at zero.
 */
function conditions(facts: Facts, rules: readonly AlertRule[]): AlertRule[] {
  const env = facts.world.environment;
  const out: AlertRule[] = [];
  const hold = (alert: string, model: string, track?: string) => {
    const rule = rules.find((r) => r.alert === alert && r.labels.model === model && (track === undefined || r.labels.track === track));
    if (!rule) throw new Error(`${env.name}: ${alert} should watch ${model}${track ? ` (${track})` : ''}, but no rule does`);
    out.push(rule);
  };
  for (const model of [...env.models, ...env.pipelines.map((p) => p.server)]) {
    const t = totals(
      facts,
      facts.pods.filter((p) => p.workload.model === model.name && p.workload.namespace === env.namespace),
    );
    if (t.success + t.failure > 0 && t.failure / (t.success + t.failure) > (100 - model.slo.successRate) / 100) hold('TritonModelErrorRatioHigh', model.name);
    if (t.success > 0 && t.queueMs / t.success > model.slo.queueTimeMs) hold('TritonModelQueueTimeHigh', model.name);
    for (const w of facts.world.workloads.filter((w) => w.model === model.name && w.flagger !== 'target')) {
      const s = facts.state(w);
      if ((s.ready ?? s.pods) < 1 && (s.specReplicas ?? s.pods) > 0) hold('TritonModelNoReadyReplicas', model.name, trackOf(w));
      // Pinned at the maximum means something only where the HPA can move the count: KEDA's HPA
      // runs between max(1, minReplicas) and maxReplicas.
      const track = model.tracks.find((tr) => tr.track === trackOf(w))!;
      if (
        w.scaledObject &&
        track.autoscale &&
        Math.max(1, track.autoscale.minReplicas) < track.autoscale.maxReplicas &&
        (s.specReplicas ?? s.pods) >= w.scaledObject.maxReplicas
      ) {
        hold('TritonModelAtMaxReplicas', model.name, trackOf(w));
      }
    }
  }
  return out;
}

/**
 * The alerts that must be firing at the evaluation: those whose condition holds, and has held for
 * their `for` — throughout a steady scenario, or since the change for as long as the scenario says.
 * A scenario whose change is too recent to tell (within a rule's rate window) is refused.
 */
export function firingAlerts(now: Facts, earlier: Facts | undefined, rules: readonly AlertRule[]): AlertRule[] {
  const current = conditions(now, rules);
  if (!earlier) return current;
  const before = new Set(conditions(earlier, rules));
  const minutes = now.heldSeconds / 60;
  const timing = (r: AlertRule) =>
    ALERT_TIMING[r.alert] ??
    (() => {
      throw new Error(`no timing known for ${r.alert}`);
    })();
  for (const r of before) {
    if (!current.includes(r) && minutes < timing(r).windowMinutes)
      throw new Error(`${r.alert} ${r.labels.model}: the change ${minutes} minutes ago is within its rate window`);
  }
  return current.filter((r) => {
    if (before.has(r)) return true;
    const t = timing(r);
    if (minutes < t.forMinutes) return false;
    if (minutes >= t.forMinutes + t.windowMinutes) return true;
    throw new Error(`${r.alert} ${r.labels.model}: ${minutes} minutes after the change is too close to its \`for\` to tell`);
  });
}
