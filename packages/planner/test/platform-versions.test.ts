import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLATFORM_CHART_DEFAULTS } from '@tritonops/spec';
import type { ReleaseHistory } from '../src/index.ts';
import { RepositoryFs } from '../src/load/repository-fs.ts';
import { compareVersions } from '../src/check/platform-versions.ts';
import { environment, shown, workspace } from './tiny-workspace.ts';

const charts = (pins: string) => (pins ? `  platform:\n    charts: ${pins}\n` : '');
const STAGE = 'environments/stage/environment.yaml';

/** `prod` promoted from `stage`, each with these `platform.charts` (none when empty). */
const files = (stage: string, prod: string, prodExtra = '') => ({
  [STAGE]: environment('stage', charts(stage)),
  'environments/prod/environment.yaml': environment('prod', `  promotedFrom: stage\n${charts(prod)}`).replace(
    'metadata: { name: prod }',
    `metadata: { name: prod${prodExtra} }`,
  ),
});

const afterBase: string[] = [];
afterAll(() => afterBase.forEach((b) => rmSync(b, { recursive: true, force: true })));

const history = (versions: string[]): ReleaseHistory => ({ versions: (rel) => (rel === STAGE ? versions : []) });
const platform = (lines: string[]) => lines.filter((d) => d.includes('platform') || d.includes('istio') || d.includes('keda'));

describe('the promotion gate of the platform charts', () => {
  it('refuses a version the source has never run, at the version, naming the upgrade to make first', () => {
    expect(platform(shown(workspace(files('', '{ istio: 1.27.0 }'))))).toEqual([
      'environments/prod/environment.yaml:14:22: error: istio 1.27.0 has not run in "stage" (it runs 1.26.2), which environment "prod" is promoted from ' +
        '[upgrade "stage" first (`platform.charts.istio: 1.27.0` in environments/stage/environment.yaml), or keep 1.26.2 here until it has run there; ' +
        'or set metadata.annotations["tritonops.dev/promotion-override"] to the reason]',
    ]);
    expect(PLATFORM_CHART_DEFAULTS.istio).toBe('1.26.2');
  });

  it('passes the version the source runs, and an older one (an upgrade under way)', () => {
    expect(platform(shown(workspace(files('{ istio: 1.27.0 }', '{ istio: 1.27.0 }'))))).toEqual([]);
    expect(platform(shown(workspace(files('{ istio: 1.27.0, keda: 2.18.0 }', ''))))).toEqual([]);
    expect(platform(shown(workspace(files('{ istio: 1.27.0 }', '{ istio: 1.25.1 }'))))).toEqual([]);
  });

  it("refuses tritonops' newer default when the source holds an older version back", () => {
    expect(platform(shown(workspace(files('{ keda: 2.16.0 }', ''))))).toEqual([
      `environments/prod/environment.yaml:12:17: error: keda ${PLATFORM_CHART_DEFAULTS.keda} (tritonops' default) has not run in "stage" (it runs 2.16.0), which environment "prod" is promoted from ` +
        '[pin the version "stage" runs until it has run the new one: `platform.charts.keda: 2.16.0`]',
    ]);
  });

  it('passes a version the source pinned in its history, with a warning when the source now runs an older one', () => {
    const past = history([environment('stage', charts('{ istio: 1.26.2 }')), environment('stage', charts('{ istio: 1.27.0 }'))]);
    const lines = platform(shown(workspace(files('{ istio: 1.26.2 }', '{ istio: 1.27.0 }'), undefined, { history: past })));
    expect(lines).toEqual([
      'environments/prod/environment.yaml:14:22: warning: "stage" runs istio 1.26.2, older than the 1.27.0 of "prod", which is promoted from it ' +
        '[the next istio upgrade cannot run in "stage" first: set `platform.charts.istio` of "stage" to 1.27.0 or later again]',
    ]);
    // A history without that pin proves nothing.
    const other = history([environment('stage', charts('{ istio: 1.26.2 }')), environment('stage', charts('{ keda: 1.27.0 }'))]);
    expect(platform(shown(workspace(files('{ istio: 1.26.2 }', '{ istio: 1.27.0 }'), undefined, { history: other })))[0]).toContain(
      'error: istio 1.27.0 has not run',
    );
  });

  it('reads the source from its file when the run is limited to the target', () => {
    const lines = platform(shown(workspace(files('', '{ flagger: 1.45.0 }'), ['prod'])));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('error: flagger 1.45.0 has not run in "stage" (it runs 1.44.0)');
  });

  it('compares with the source as the base branch has it: one change cannot upgrade two environments', () => {
    const root = mkdtempSync(join(tmpdir(), 'tritonops-base-'));
    afterBase.push(root);
    mkdirSync(dirname(join(root, STAGE)), { recursive: true });
    writeFileSync(join(root, STAGE), environment('stage'));
    const base = { source: new RepositoryFs(root), history: history([]), label: 'main (abc)' };
    const both = files('{ istio: 1.27.0 }', '{ istio: 1.27.0 }');
    expect(platform(shown(workspace(both)))).toEqual([]);
    expect(platform(shown(workspace(both, undefined, { gateBase: base })))).toEqual([
      'environments/prod/environment.yaml:14:22: error: istio 1.27.0 has not run in "stage" at main (abc) (it runs 1.26.2), which environment "prod" is promoted from ' +
        '["stage" runs it only in this change, not at main (abc): merge the change to stage first, then upgrade "prod" in a pull request of its own]',
    ]);
    // The source at another version in this change: upgrading it there is still the advice.
    const other = files('{ istio: 1.26.3 }', '{ istio: 1.27.0 }');
    expect(platform(shown(workspace(other, undefined, { gateBase: base })))[0]).toContain('[upgrade "stage" first (`platform.charts.istio: 1.27.0`');
  });

  it('lets the promotion-override annotation of the environment through', () => {
    const overridden = files('', '{ istio: 1.27.0 }', ', annotations: { tritonops.dev/promotion-override: "CVE fix, stage follows" }');
    expect(platform(shown(workspace(overridden)))).toEqual([]);
  });
});

describe('chart version order', () => {
  it.each([
    ['1.26.2', '1.26.10', -1],
    ['v25.3.1', 'v25.10.0', -1],
    ['1.27.0-rc.1', '1.27.0', -1],
    ['1.27.0-rc.2', '1.27.0-rc.10', -1],
    ['1.27.0-alpha', '1.27.0-1', 1],
    ['2.0.0', '1.99.99', 1],
    ['1.26.2', '1.26.2', 0],
  ] as const)('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b)!)).toBe(sign);
    expect(Math.sign(compareVersions(b, a)!)).toBe(-sign || 0);
  });

  it('is undefined for what is not a version', () => {
    expect(compareVersions('^1.26', '1.26.2')).toBeUndefined();
  });
});
