/** Prometheus storage and retention: defaults, checks, and the warning for the last environment of a promotion chain. */
import { describe, expect, it } from 'vitest';
import { environment, shown, workspace } from './tiny-workspace.ts';

const STORAGE = '  monitoring:\n    prometheus:\n      retention: 15d\n      retentionSize: 85GB\n      storage: { size: 100Gi, storageClass: fast-ssd }\n';
const chain = (production = '') => ({
  'environments/dev/environment.yaml': environment('dev'),
  'environments/staging/environment.yaml': environment('staging', '  promotedFrom: dev\n'),
  'environments/production/environment.yaml': environment('production', `  promotedFrom: staging\n  auth: { jwt: { issuer: "https://k.example.com/realms/ml", jwksUri: "https://k.example.com/realms/ml/certs" } }\n${production}`),
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

  it('warns when retentionSize leaves the volume no room for the write-ahead log', () => {
    const result = workspace({ 'environments/dev/environment.yaml': environment('dev', '  monitoring:\n    prometheus:\n      retentionSize: 98GiB\n      storage: { size: 100Gi }\n') });
    expect(shown(result)).toEqual([
      'environments/dev/environment.yaml:14:22: warning: retentionSize 98GiB leaves less than 10% of the 100Gi volume for the write-ahead log and compactions: the volume fills up before old samples go, and Prometheus stops ingesting ' +
        '[set retentionSize to about 85% of storage.size, e.g. 85GB]',
    ]);
  });

  it('refuses durations and sizes Prometheus does not take', () => {
    const result = workspace({ 'environments/dev/environment.yaml': environment('dev', '  monitoring:\n    prometheus:\n      retention: 2 weeks\n      retentionSize: 10G\n') });
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['invalid-format', 14],
      ['invalid-format', 15],
    ]);
  });
});
