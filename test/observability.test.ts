/**
 * Autoscaling and observability across the bundled environments: every PromQL expression tritonops
 * generates parses and names only labels its series carry; ScaledObjects target Deployments that
 * leave the replica count to them; the dashboards import into Grafana.
 */
import { describe, expect, it } from 'vitest';
import { nonEmpty } from './support/non-empty.ts';
import { parsedObjects, renderBundled } from './support/workspace.ts';
import { checkPromql, substituteTemplates } from './support/promql.ts';

type Obj = Record<string, any>;
const rendered = parsedObjects(renderBundled());
const objects = rendered.map((r) => r.object as Obj);
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const envOf = (o: Obj) => o.metadata.labels?.['tritonops.dev/environment'];
const dashboards = ofKind('ConfigMap')
  .filter((c) => c.metadata.labels?.grafana_dashboard === '1')
  .map((c) => ({ env: envOf(c), json: Object.values(c.data as Record<string, string>)[0]! }));

/** Every PromQL expression in the render, with where it came from. */
const expressions: [string, string][] = [
  ...ofKind('ScaledObject').flatMap((so) => so.spec.triggers.map((t: Obj) => [`${envOf(so)} ScaledObject/${so.metadata.name} ${t.name}`, t.metadata.query])),
  ...ofKind('Canary').flatMap((c) =>
    Object.entries(c.spec.autoscalerRef?.primaryScalerQueries ?? {}).map(([name, q]) => [`${envOf(c)} Canary/${c.metadata.name} primary ${name}`, q as string]),
  ),
  ...ofKind('MetricTemplate').map((t): [string, string] => [`${envOf(t)} MetricTemplate/${t.metadata.name}`, t.spec.query]),
  ...ofKind('PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: Obj) => g.rules.map((rule: Obj) => [`${envOf(r)} ${g.name} ${rule.alert}`, rule.expr]))),
  ...dashboards.flatMap((d) => (JSON.parse(d.json).panels as Obj[]).flatMap((p) => p.targets.map((t: Obj) => [`${d.env} dashboard "${p.title}"`, t.expr]))),
];

describe('generated PromQL', () => {
  it('covers autoscaling, Flagger, alerts and dashboards', () => {
    const kinds = new Set(expressions.map(([where]) => where.split(' ')[1]!.split('/')[0]));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['Canary', 'MetricTemplate', 'ScaledObject', 'dashboard']));
    expect(expressions.length).toBeGreaterThan(40);
  });

  it.each(nonEmpty(expressions, 'PromQL expressions'))('%s parses and names only labels its series carry', (_where, expr) => {
    const report = checkPromql(substituteTemplates(expr));
    expect(report.syntaxErrors, expr).toBe(0);
    expect(report.unknownLabels, expr).toEqual([]);
    expect(report.metrics.length).toBeGreaterThan(0);
  });

  it('the checker itself rejects broken syntax and labels a series does not carry', () => {
    expect(checkPromql('sum(rate(nv_inference_request_success{namespace="x"}[1m])').syntaxErrors).toBeGreaterThan(0);
    expect(checkPromql('sum(rate(nv_inference_request_success{model_name="x"}[1m]))').unknownLabels).toEqual(['nv_inference_request_success: model_name']);
    expect(checkPromql('sum by (deployment) (nv_gpu_utilization{pod="x"})').unknownLabels).toEqual(['(grouping): deployment']);
  });

  it('reads Triton duration counters only through rate()', () => {
    for (const [, expr] of expressions) {
      for (const m of expr.matchAll(/(\w*)\(?\s*(nv_\w+_duration_us)\{/g))
        expect(expr.slice(Math.max(0, m.index! - 5), m.index! + m[0].length)).toMatch(/rate\(/);
    }
  });
});

describe('ScaledObjects', () => {
  it('each targets an existing Deployment of its environment that carries no spec.replicas', () => {
    expect(ofKind('ScaledObject').length).toBeGreaterThan(0);
    for (const so of ofKind('ScaledObject')) {
      const ref = so.spec.scaleTargetRef;
      expect(ref.kind ?? 'Deployment').toBe('Deployment');
      const target = ofKind('Deployment').find((d) => d.metadata.name === ref.name && d.metadata.namespace === so.metadata.namespace && envOf(d) === envOf(so));
      expect(target, `${so.metadata.name} -> ${ref.name}`).toBeDefined();
      expect(target!.spec.replicas, ref.name).toBeUndefined();
      expect(so.spec.minReplicaCount).toBeLessThanOrEqual(so.spec.maxReplicaCount);
    }
  });

  it('every Deployment without a ScaledObject has a fixed replica count', () => {
    for (const d of nonEmpty(ofKind('Deployment'), 'Deployments')) {
      const scaled = ofKind('ScaledObject').some((so) => so.spec.scaleTargetRef.name === d.metadata.name && envOf(so) === envOf(d));
      if (!scaled) expect(d.spec.replicas, d.metadata.name).toBeTypeOf('number');
    }
  });

  it('scale up fast and down slowly, stabilised', () => {
    for (const so of nonEmpty(ofKind('ScaledObject'), 'ScaledObjects')) {
      const behavior = so.spec.advanced.horizontalPodAutoscalerConfig.behavior;
      expect(behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
      expect(behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
    }
  });

  it('the bundled environments scale the LLM on queue time, Stable Diffusion on GPU utilisation, and one dev model to zero', () => {
    const so = (env: string, name: string) => ofKind('ScaledObject').find((o) => envOf(o) === env && o.metadata.name === name)!;
    expect(so('production', 'llama-7b').spec.triggers.map((t: Obj) => t.name)).toContain('queue-time');
    expect(so('staging', 'llama-7b').spec.triggers.map((t: Obj) => t.name)).toContain('queue-time');
    expect(so('production', 'stable-diffusion').spec.triggers.map((t: Obj) => t.name)).toEqual(['gpu-utilization']);
    const idle = so('dev', 'whisper');
    expect(idle.spec).toMatchObject({ minReplicaCount: 0, cooldownPeriod: 1800 });
    expect(idle.spec.triggers.map((t: Obj) => t.name)).toContain('incoming-requests');
    expect(idle.spec.triggers.every((t: Obj) => t.metadata.activationThreshold === '0')).toBe(true);
  });
});

describe('Grafana dashboards', () => {
  it('there is one per environment, labelled for the Grafana sidecar', () => {
    expect(dashboards.map((d) => d.env).sort()).toEqual(['dev', 'production', 'staging']);
  });

  it.each(
    nonEmpty(
      dashboards.map((d) => [d.env, d.json] as const),
      'Grafana dashboards',
    ),
  )('%s imports cleanly: valid JSON, datasource as a variable, a sound grid', (_env, json) => {
    const dashboard = JSON.parse(json) as Obj;
    expect(dashboard).toMatchObject({ schemaVersion: expect.any(Number), title: expect.any(String), uid: expect.any(String) });
    expect(dashboard.uid.length).toBeLessThanOrEqual(40);
    expect(dashboard.id).toBeUndefined(); // an id would clash with the importing Grafana's
    const datasourceVar = dashboard.templating.list.find((v: Obj) => v.type === 'datasource');
    expect(datasourceVar).toMatchObject({ name: 'datasource', query: 'prometheus' });
    const ids = dashboard.panels.map((p: Obj) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      for (const target of panel.targets) expect(target.datasource.uid).toBe('${datasource}');
    }
    const titles = dashboard.panels.map((p: Obj) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Inferences per second', 'Queue time per request', 'Replicas and their maximum']));
  });
});
