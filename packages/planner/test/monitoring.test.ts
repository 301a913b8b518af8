/** Prometheus storage and retention: defaults, checks, and the warning for the last environment of a promotion chain. */
import { describe, expect, it } from 'vitest';
import { environment, shown, workspace } from './tiny-workspace.ts';

const STORAGE = '  monitoring:\n    prometheus:\n      retention: 15d\n      retentionSize: 85GB\n      storage: { size: 100Gi, storageClass: fast-ssd }\n';
const chain = (production = '') => ({
  'environments/dev/environment.yaml': environment('dev'),
  'environments/staging/environment.yaml': environment('staging', '  promotedFrom: dev\n'),
  'environments/production/environment.yaml': environment(
    'production',
    `  promotedFrom: staging\n  auth: { jwt: { issuer: "https://k.example.com/realms/ml", jwksUri: "https://k.example.com/realms/ml/certs" } }\n${production}`,
  ),
});

describe('Prometheus storage', () => {
  it("keeps the chart's retention and no volume by default", () => {
    const { plans } = workspace({ 'environments/dev/environment.yaml': environment('dev') });
    expect(plans[0]!.monitoring).toEqual({ prometheus: { retention: '10d' } });
  });

  it('plans what the environment declares', () => {
    const { plans, diagnostics } = workspace(chain(STORAGE));
    expect(diagnostics).toEqual([]);
    expect(plans.find((p) => p.name === 'production')!.monitoring).toEqual({
      prometheus: { retention: '15d', retentionSize: '85GB', storage: { size: '100Gi', storageClass: 'fast-ssd' } },
    });
  });

  it('warns only the last environment of a promotion chain that has none', () => {
    const result = workspace(chain());
    expect(result.hasErrors).toBe(false);
    expect(shown(result)).toEqual([
      'environments/production/environment.yaml:4:1: warning: environment "production" ends its promotion chain (dev → staging → production) but keeps Prometheus on an emptyDir: every restart of Prometheus loses the metrics history and the pending state of alerts ' +
        '[declare `monitoring: { prometheus: { storage: { size: 100Gi, storageClass: <a block-storage class> } } }`]',
    ]);
  });

  it('points at the monitoring block when there is one without storage', () => {
    const result = workspace(chain('  monitoring: { prometheus: { retention: 30d } }\n'));
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['prometheus-without-storage', 14, 17]]);
  });

  it('knows which environment ends the chain when the run loads only some of them', () => {
    expect(workspace(chain(), ['staging']).diagnostics).toEqual([]);
    expect(workspace(chain(), ['production']).diagnostics.map((d) => d.code)).toEqual(['prometheus-without-storage']);
  });

  it('does not warn an environment that is promoted from nowhere', () => {
    expect(workspace({ 'environments/lab/environment.yaml': environment('lab') }).diagnostics).toEqual([]);
  });

  it('warns when retentionSize leaves the volume less than 15% for compactions, and names the most it may be', () => {
    const result = workspace({
      'environments/dev/environment.yaml': environment('dev', '  monitoring:\n    prometheus:\n      retentionSize: 90GiB\n      storage: { size: 100Gi }\n'),
    });
    expect(shown(result)).toEqual([
      'environments/dev/environment.yaml:14:22: warning: retentionSize 90GiB leaves less than 15% of the 100Gi volume free: Prometheus counts its write-ahead log and head chunks within retentionSize, but a compaction writes its new block before it deletes the old ones, and on a full volume Prometheus stops ingesting ' +
        '[set retentionSize to at most 85% of storage.size: 85GB]',
    ]);
    // The recommendation itself passes: the hint and the check agree.
    expect(
      workspace({
        'environments/dev/environment.yaml': environment('dev', '  monitoring:\n    prometheus: { retentionSize: 85GB, storage: { size: 100Gi } }\n'),
      }).diagnostics,
    ).toEqual([]);
    expect(
      workspace({
        'environments/dev/environment.yaml': environment('dev', '  monitoring:\n    prometheus: { retentionSize: 127.5GB, storage: { size: 150Gi } }\n'),
      }).diagnostics,
    ).toEqual([]);
  });

  it('refuses a retention longer than 10y at the value, however it is written', () => {
    const retention = (value: string) =>
      workspace({ 'environments/dev/environment.yaml': environment('dev', `  monitoring:\n    prometheus:\n      retention: ${value}\n`) });
    for (const value of ['300y', '99999999999999999999d', '11y', '3651d', '522w', '87601h']) {
      const result = retention(value);
      expect(
        result.diagnostics.map((d) => [d.severity, d.code, d.line, d.col]),
        value,
      ).toEqual([['error', 'retention-too-long', 14, 18]]);
    }
    expect(shown(retention('300y'))).toEqual([
      'environments/dev/environment.yaml:14:18: error: retention 300y is longer than 10y, the most tritonops renders: Prometheus refuses durations beyond about 292 years and then does not start, leaving every autoscaler, alert and canary analysis without metrics ' +
        '[keep it within `10y` (`3650d`, `521w`, `87600h`), e.g. `15d`; `retentionSize` bounds the disk]',
    ]);
    for (const value of ['10y', '3650d', '521w', '87600h', '1h']) expect(retention(value).diagnostics, value).toEqual([]);
  });

  it('refuses a retentionSize of 0, which Prometheus reads as no limit', () => {
    for (const value of ['0B', '0GB', '0.0TiB']) {
      const result = workspace({ 'environments/dev/environment.yaml': environment('dev', `  monitoring:\n    prometheus:\n      retentionSize: ${value}\n`) });
      expect(shown(result), value).toEqual([
        `environments/dev/environment.yaml:14:22: error: retentionSize ${value} is 0, which Prometheus reads as no size limit at all [remove \`retentionSize\` for no size limit, or give one, e.g. \`85GB\`]`,
      ]);
    }
  });

  it('refuses durations and sizes Prometheus does not take', () => {
    const result = workspace({
      'environments/dev/environment.yaml': environment('dev', '  monitoring:\n    prometheus:\n      retention: 2 weeks\n      retentionSize: 10G\n'),
    });
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['invalid-format', 14],
      ['invalid-format', 15],
    ]);
  });
});
