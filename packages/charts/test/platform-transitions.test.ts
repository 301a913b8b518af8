/** What another version of a platform chart does to a live cluster. */
import { describe, expect, it } from 'vitest';
import { CHART_VERSIONS, classifyTransitions, renderEnvironment, type Transition } from '../src/index.ts';
import { ENVIRONMENT, planOf } from './plans.ts';

const pinned = (charts: string) => (charts ? ENVIRONMENT.replace('  s3:', `  platform: { charts: ${charts} }\n  s3:`) : ENVIRONMENT);

function judge(before: string, after: string, models: Record<string, string> = { m: '' }): Transition[] {
  const [b, a] = [planOf(models, pinned(before)), planOf(models, pinned(after))];
  return classifyTransitions({ plan: b, files: renderEnvironment(b) }, { plan: a, files: renderEnvironment(a) });
}
const classes = (ts: readonly Transition[]) => ts.map((t) => `${t.class}: ${t.change}`);

describe('platform chart versions', () => {
  it('an upgrade is disruptive, names its HelmReleases and says what restarts, at the version in the spec', () => {
    const ts = judge('', '{ istio: 1.27.0, keda: 2.18.0 }');
    expect(classes(ts)).toEqual([
      `disruptive: istio chart ${CHART_VERSIONS.istio} → 1.27.0 (HelmRelease istio-base, istio-cni, istiod, istio-ingressgateway)`,
      `disruptive: keda chart ${CHART_VERSIONS.keda} → 2.18.0 (HelmRelease keda)`,
    ]);
    expect(ts[0]!.effect).toContain('running sidecars keep their proxy until their pods restart');
    expect(ts[0]!.at).toEqual({ file: 'environments/test/environment.yaml', path: ['spec', 'platform', 'charts', 'istio'] });
  });

  it('Istio across two minor versions takes two steps, one minor version each', () => {
    const ts = judge('{ istio: 1.25.3 }', '{ istio: 1.27.0 }');
    expect(classes(ts)).toEqual(['two-steps: istio chart 1.25.3 → 1.27.0 (HelmRelease istio-base, istio-cni, istiod, istio-ingressgateway)']);
    expect(ts[0]!.step).toContain('upgrade to the latest 1.26 patch first');
  });

  it('a downgrade is disruptive and warns about the CRDs it replaces', () => {
    const ts = judge('{ kubePrometheusStack: 76.0.0 }', '{ kubePrometheusStack: 75.15.0 }');
    expect(classes(ts)).toEqual(['disruptive: kubePrometheusStack chart 76.0.0 → 75.15.0 (HelmRelease kube-prometheus-stack)']);
    expect(ts[0]!.effect).toMatch(/^a downgrade: Helm replaces the chart's CRDs with the older ones/);
  });

  it('says nothing of a chart the environment does not render (Flagger without analysis)', () => {
    expect(judge('', '{ flagger: 1.45.0 }')).toEqual([]);
    const analysed = { m: '  canary:\n    analysis: {}\n' };
    expect(classes(judge('', '{ flagger: 1.45.0 }', analysed))).toEqual([`disruptive: flagger chart ${CHART_VERSIONS.flagger} → 1.45.0 (HelmRelease flagger)`]);
  });

  it('the same versions, pinned or by default, are no change', () => {
    expect(judge('', `{ istio: ${CHART_VERSIONS.istio} }`)).toEqual([]);
  });
});
