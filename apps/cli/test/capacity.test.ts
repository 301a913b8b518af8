import { cli, expectGolden, BUNDLED } from './support.ts';
import { describe, expect, it } from 'vitest';

const capacity = (...args: string[]) => cli(BUNDLED, 'capacity', ...args).then((r) => ({ ...r, stdout: `${r.stdout}\n` }));

describe('tritonops capacity', () => {
  it.each([
    ['table', 'capacity.txt'],
    ['json', 'capacity.json'],
    ['markdown', 'capacity.md'],
  ])('prints the bundled environments as %s (golden)', async (format, golden) => {
    const result = await capacity('--format', format);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await expectGolden(golden, result.stdout);
  });

  it('counts Flagger models twice at maximum and time-sliced shares in their own unit', async () => {
    const report = JSON.parse((await capacity('--format', 'json')).stdout) as {
      environment: string;
      pools: { pool: string; resource: string; unitMemory: string; demands: { model: string; track: string; max: number }[] }[];
    }[];
    const production = report.find((r) => r.environment === 'production')!;
    const sd = production.pools.find((p) => p.pool === 'a100')!.demands.find((d) => d.model === 'stable-diffusion')!;
    expect(sd).toMatchObject({ track: 'primary+canary', max: 4 });
    const dev = report.find((r) => r.environment === 'dev')!.pools[0]!;
    expect(dev).toMatchObject({ resource: 'nvidia.com/gpu.shared', unitMemory: '4Gi' });
  });

  it('rejects an unknown format with a did-you-mean', async () => {
    const result = await capacity('--format', 'markdwn');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('did you mean "markdown"?');
  });
});
