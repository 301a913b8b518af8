/**
 * The capacity page with GET /api/capacity stubbed: a chart per pool whose accessible name says
 * its numbers, pools over capacity or at their limit marked by words and icon (not colour alone),
 * errors apart from warnings, the fullest pool first with its use at maximum, the track demands
 * (folded when there are many), the CLI's table, and the refusal when specs have errors.
 */
import { fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CapacityResponse, PoolCapacity, TrackDemand } from '../src/api/types.ts';
import { CapacityPage } from '../src/capacity/CapacityPage.tsx';

const pool = (extra: Partial<PoolCapacity>): PoolCapacity => ({
  pool: 't4',
  resource: 'nvidia.com/gpu',
  nodes: 2,
  unitsPerNode: 1,
  capacity: 2,
  unitMemory: '16Gi',
  memoryCapacity: '32Gi',
  maxMemoryDeclared: '0',
  min: 1,
  max: 2,
  surge: 1,
  minRollout: 2,
  status: 'ok',
  demands: [],
  ...extra,
});

const track = (model: string): TrackDemand => ({
  model,
  track: 'stable',
  gpusPerReplica: 1,
  minReplicas: 0,
  maxReplicas: 0,
  min: 0,
  max: 0,
  surge: 0,
  surgeAtMin: 0,
  stranded: 0,
});

/** A pool that fits exactly at maximum, shared by 21 tracks (one more than the page lists open). */
const AT_LIMIT = pool({
  pool: 'l4',
  nodes: 9,
  capacity: 9,
  min: 3,
  minRollout: 4,
  max: 9,
  demands: Array.from({ length: 21 }, (_, i) => track(`model-${i}`)),
});

const CAPACITY: CapacityResponse = {
  table: 'environment dev\n  pool t4: nvidia.com/gpu.shared, 1 nodes × 4 = 4, 4Gi per unit; demand 1..5: over capacity at maximum',
  environments: [
    {
      environment: 'dev',
      pools: [
        pool({
          resource: 'nvidia.com/gpu.shared',
          nodes: 1,
          unitsPerNode: 4,
          capacity: 4,
          min: 1,
          minRollout: 2,
          max: 5,
          surge: 2,
          status: 'max-over-capacity',
          demands: [
            {
              model: 'whisper',
              track: 'canary',
              gpusPerReplica: 1,
              gpuMemoryPerReplica: '3Gi',
              minReplicas: 1,
              maxReplicas: 1,
              min: 1,
              max: 1,
              surge: 1,
              surgeAtMin: 1,
              stranded: 0,
            },
            { model: 'whisper', track: 'stable', gpusPerReplica: 1, minReplicas: 0, maxReplicas: 2, min: 0, max: 2, surge: 1, surgeAtMin: 0, stranded: 0 },
          ],
        }),
        AT_LIMIT,
      ],
    },
    {
      environment: 'production',
      pools: [
        pool({ pool: 'a100-mig', resource: 'nvidia.com/mig-3g.40gb', nodes: 2, unitsPerNode: 2, capacity: 4, min: 2, minRollout: 3, max: 3 }),
        pool({ pool: 'a100', capacity: 2, min: 3, minRollout: 4, max: 6, status: 'min-over-capacity' }),
      ],
    },
  ],
};

let answer: CapacityResponse;

beforeEach(() => {
  answer = CAPACITY;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => {
      expect(path).toBe('/api/capacity');
      return new Response(JSON.stringify(answer), { status: 200 });
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const poolSection = (name: string) => screen.getByRole('region', { name: new RegExp(`^Pool ${name} `) });
const poolNames = (environment: string) =>
  within(screen.getByRole('region', { name: `Environment ${environment}` }))
    .getAllByRole('heading', { level: 3 })
    .map((h) => h.textContent!.split(' ')[1]);

describe('the capacity page', () => {
  it('draws each pool with its numbers in words, in the units of its resource', async () => {
    render(<CapacityPage />);
    const chart = await screen.findByRole('img', { name: /^Pool t4 of dev/ });
    expect(chart.tagName.toLowerCase()).toBe('svg');
    expect(chart.querySelector('title')!.textContent).toBe(
      'Pool t4 of dev, in nvidia.com/gpu.shared (time-sliced shares of a GPU): capacity 4 units; demand 1 at minimum, 2 at minimum plus the largest rollout, 5 at maximum with rollout surge. Warning: over capacity at maximum: 5 units with rollout surge, the pool holds 4.',
    );
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Capacity');
    const units = within(poolSection('a100-mig')).getByText(/^Units:/).textContent;
    expect(units).toContain('nvidia.com/mig-3g.40gb (MIG slices (3g.40gb)) — 2 nodes × 2 = 4 units, 16Gi per unit');
    expect(within(poolSection('t4')).getByText(/^Units:/).textContent).toContain('(time-sliced shares of a GPU) — 1 node × 4 = 4 units');
    // The bars past the capacity line say so in text.
    expect(within(chart).getByText('5 — over')).toBeTruthy();
    expect(within(chart).getByText('capacity 4')).toBeTruthy();
    expect(within(chart).queryByText('2 — over')).toBeNull();
  });

  it('marks pools over capacity by words and icon, errors apart from warnings; pools that fit say so', async () => {
    render(<CapacityPage />);
    await screen.findAllByRole('img');
    const warning = poolSection('t4');
    expect(warning.className).toContain('capacity-warning');
    expect(within(warning).getByRole('heading').textContent).toBe('Pool t4 ⚠ Warning: max-over-capacity max 5 of 4 units, 125%, 1 unit over');
    const error = poolSection('a100');
    expect(error.className).toContain('capacity-error');
    expect(within(error).getByRole('heading').textContent).toBe('Pool a100 ✗ Error: min-over-capacity max 6 of 2 units, 300%, 4 units over');
    expect(error.textContent).toContain('the minimum does not fit: 3 units, the pool holds 2');
    const fits = poolSection('a100-mig');
    expect(fits.className).toContain('capacity-ok');
    expect(within(fits).getByRole('heading').textContent).toBe('Pool a100-mig ✓ OK max 3 of 4 units, 75%, 1 unit free');
  });

  it('marks a pool that fits with its maximum filling it as at limit, in words', async () => {
    render(<CapacityPage />);
    await screen.findAllByRole('img');
    const full = poolSection('l4');
    expect(full.className).toContain('capacity-at-limit');
    expect(within(full).getByRole('heading').textContent).toBe('Pool l4 ⚠ At limit max 9 of 9 units, 100%, no headroom');
    expect(full.textContent).toContain('fits with no headroom: the maximum with rollout surge (9) fills the capacity (9)');
    expect(within(full).getByRole('img').querySelector('title')!.textContent).toContain('At limit: fits with no headroom');
  });

  it('orders the pools of each environment by their use at maximum, the fullest first', async () => {
    render(<CapacityPage />);
    await screen.findAllByRole('img');
    expect(poolNames('dev')).toEqual(['t4', 'l4']);
    expect(poolNames('production')).toEqual(['a100', 'a100-mig']);
  });

  it('folds the demand table of a pool with more than 20 tracks, and lists it once opened', async () => {
    render(<CapacityPage />);
    await screen.findAllByRole('img');
    const full = poolSection('l4');
    const fold = within(full).getByText('21 tracks').closest('details')!;
    expect(fold.open).toBe(false);
    expect(within(full).queryByRole('table')).toBeNull();
    fold.open = true;
    fireEvent(fold, new Event('toggle'));
    const rows = within(await within(full).findByRole('table')).getAllByRole('row');
    expect(rows).toHaveLength(22);
    // Twenty tracks or fewer stay open.
    expect(within(poolSection('t4')).getByRole('table').closest('details')).toBeNull();
  });

  it("lists each pool's track demands, and the CLI's table in a details element", async () => {
    render(<CapacityPage />);
    await screen.findAllByRole('img');
    const table = within(poolSection('t4')).getByRole('table');
    const rows = within(table)
      .getAllByRole('row')
      .map((row) => [...row.querySelectorAll('th, td')].map((c) => c.textContent));
    expect(rows).toEqual([
      ['Model', 'Track', 'Units per replica', 'Memory per replica', 'Min replicas', 'Max replicas', 'Units at min', 'Units at max', 'Surge'],
      ['whisper', 'canary', '1', '3Gi', '1', '1', '1', '1', '+1'],
      ['whisper', 'stable', '1', '—', '0', '2', '0', '2', '+1'],
    ]);
    const details = screen.getByText('tritonops capacity').closest('details')!;
    expect(details.open).toBe(false);
    expect(details.querySelector('summary')!.textContent).toBe('Same as tritonops capacity');
    expect(details.querySelector('pre')!.textContent).toBe(CAPACITY.table);
  });

  it('says why capacity is unavailable', async () => {
    answer = { environments: [], table: '', unavailable: 'capacity needs valid specs: 1 error, 0 warnings' };
    render(<CapacityPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('capacity needs valid specs: 1 error, 0 warnings');
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.queryByText('tritonops capacity')).toBeNull();
  });
});
