/**
 * The fleet page with GET /api/fleet stubbed: environments in promotion order whatever the API's
 * order, each cell's release, canary, scale, promotion state (with the promote command) and
 * override, search and filters narrowing the rows, and a 1000-model fleet rendered as a window
 * of rows, not all of them.
 */
import { render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FleetCell, FleetResponse, FleetRow } from '../src/api/types.ts';
import { FleetPage } from '../src/fleet/FleetPage.tsx';

const cell = (env: string, name: string, extra: Partial<FleetCell> = {}): FleetCell => ({
  file: `environments/${env}/models/${name}.yaml`,
  release: `s3://models/${name}/v1`,
  scale: { replicas: 1 },
  auth: 'jwt',
  promotion: { state: 'in-sync' },
  ...extra,
});

const ENVIRONMENTS: FleetResponse['environments'] = [
  { name: 'dev', promotesTo: ['staging'], production: false, pools: ['t4'] },
  { name: 'production', promotedFrom: 'staging', promotesTo: [], production: true, pools: ['a100', 't4'] },
  { name: 'staging', promotedFrom: 'dev', promotesTo: ['production'], production: false, pools: ['a100', 't4'] },
];

const FLEET: FleetResponse = {
  environments: ENVIRONMENTS,
  gate: 'merge-base with origin/main (0123abcd)',
  diagnostics: [
    { severity: 'warning', code: 'stale-override', file: 'environments/staging/models/densenet.yaml', line: 7, col: 5, message: 'the override is stale' },
  ],
  rows: [
    {
      kind: 'model',
      name: 'densenet',
      cells: {
        dev: cell('dev', 'densenet', { auth: 'none' }),
        staging: cell('staging', 'densenet', {
          pool: 't4',
          gpus: 1,
          canary: { release: 's3://models/densenet-trt/v2', weight: 0, mirror: 100 },
          override: 'TensorRT engine is built for the T4',
        }),
      },
    },
    {
      kind: 'model',
      name: 'whisper',
      cells: {
        dev: cell('dev', 'whisper', { release: 's3://models/whisper/v2', auth: 'none', scale: { minReplicas: 0, maxReplicas: 2 } }),
        staging: cell('staging', 'whisper', {
          pool: 't4',
          gpus: 1,
          canary: { release: 's3://models/whisper/v3', weight: 10, header: { 'x-canary': 'true' } },
          promotion: { state: 'waiting', from: 'dev', release: 's3://models/whisper/v2' },
        }),
        production: cell('production', 'whisper', { pool: 'a100', gpus: 2, scale: { replicas: 3 } }),
      },
    },
    {
      kind: 'pipeline',
      name: 'speech-to-image',
      cells: {
        staging: {
          ...cell('staging', 'speech-to-image'),
          file: 'environments/staging/pipelines/speech-to-image.yaml',
          promotion: { state: 'not-in-source', from: 'dev' },
        },
      },
    },
  ],
};

let answer: FleetResponse;

beforeEach(() => {
  answer = FLEET;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => {
      expect(path).toBe('/api/fleet');
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** The data rows (not the header row), by the name in their first cell. */
function dataRows(): HTMLElement[] {
  return screen.getAllByRole('row').filter((row) => within(row).queryByRole('rowheader'));
}
const rowOf = (name: string) => dataRows().find((row) => within(row).getByRole('rowheader').textContent?.startsWith(name))!;
const names = () => dataRows().map((row) => within(within(row).getByRole('rowheader')).getByRole('link').textContent);

describe('the fleet page', () => {
  it('puts the environments in promotion order and shows each cell', async () => {
    render(<FleetPage />);
    const table = await screen.findByRole('table', { name: 'Fleet' });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Fleet');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['Name', 'dev', 'staging ← dev', 'production ← staging · production']);
    expect(table.getAttribute('aria-rowcount')).toBe('4');
    expect(names()).toEqual(['densenet', 'whisper', 'speech-to-image']);

    const whisper = within(rowOf('whisper')).getAllByRole('cell');
    expect(whisper.map((c) => c.textContent)).toHaveLength(3);
    const [dev, staging, production] = whisper;
    expect(dev!.textContent).toContain('0–2 replicas (autoscaling)');
    expect(dev!.textContent).toContain('auth none');
    expect(staging!.textContent).toContain('canary 10% · header x-canary: true');
    expect(staging!.textContent).toContain('waiting dev runs s3://models/whisper/v2');
    expect(within(staging!).getByText('tritonops promote whisper --from dev --to staging').tagName).toBe('CODE');
    expect(within(staging!).getByRole('link', { name: 's3://models/whisper/v1' }).getAttribute('href')).toBe('#/models/staging/whisper');
    expect(production!.textContent).toContain('3 replicas · pool a100 × 2 · auth jwt');
    expect(production!.textContent).not.toContain('waiting');

    const densenet = within(rowOf('densenet')).getAllByRole('cell');
    expect(densenet[1]!.textContent).toContain('⚑ override TensorRT engine is built for the T4');
    expect(within(densenet[1]!).getByTitle('promotion override: TensorRT engine is built for the T4')).toBeTruthy();
    expect(densenet[1]!.textContent).toContain('mirror 100%');
    expect(densenet[2]!.textContent).toBe('—not in production');

    const pipeline = rowOf('speech-to-image');
    expect(within(pipeline).getByRole('rowheader').textContent).toBe('speech-to-image pipeline');
    // The name opens the first environment that has it; a pipeline opens the editor.
    expect(within(pipeline).getAllByRole('link')[0]!.getAttribute('href')).toBe('#/pipelines/staging/speech-to-image');
    expect(within(rowOf('whisper')).getAllByRole('link')[0]!.getAttribute('href')).toBe('#/models/dev/whisper');
    expect(within(pipeline).getAllByRole('cell')[1]!.textContent).toContain('not in dev');
  });

  it('counts, shows the gate and the problems, and links new specs per environment', async () => {
    render(<FleetPage />);
    await screen.findByRole('table');
    expect(screen.getByText(/2 models, 1 pipeline; 1 waiting for promotion/)).toBeTruthy();
    expect(screen.getByText('Promotion gate compares with merge-base with origin/main (0123abcd).')).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Problems in the working tree' }).textContent).toContain('the override is stale');
    expect(screen.getByRole('link', { name: 'New model in production' }).getAttribute('href')).toBe('#/models/production/new');
    expect(screen.getByRole('link', { name: 'New pipeline in dev' }).getAttribute('href')).toBe('#/pipelines/dev/new');
  });

  it('narrows the rows by search and filters', async () => {
    const user = userEvent.setup();
    render(<FleetPage />);
    await screen.findByRole('table');
    const search = screen.getByRole('searchbox', { name: 'Search' });
    await user.type(search, 'WHISPER/V2');
    await vi.waitFor(() => expect(names()).toEqual(['whisper']));
    expect(screen.getByText('Showing 1 of 3')).toBeTruthy();
    await user.clear(search);
    await user.type(search, 'a100');
    await vi.waitFor(() => expect(names()).toEqual(['whisper']));
    await user.clear(search);
    await user.type(search, 'nothing-like-it');
    await vi.waitFor(() => expect(screen.queryByRole('table')).toBeNull());
    expect(screen.getByText('Nothing matches the search and filters.')).toBeTruthy();
    await user.clear(search);
    await vi.waitFor(() => expect(names()).toHaveLength(3));

    await user.selectOptions(screen.getByRole('combobox', { name: 'Kind' }), 'pipeline');
    await vi.waitFor(() => expect(names()).toEqual(['speech-to-image']));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Kind' }), 'all');

    const only = async (label: string, expected: string[]) => {
      const box = screen.getByRole('checkbox', { name: label });
      await user.click(box);
      await vi.waitFor(() => expect(names()).toEqual(expected));
      await user.click(box);
      await vi.waitFor(() => expect(names()).toHaveLength(3));
    };
    await only('only waiting for promotion', ['whisper']);
    await only('only with a canary', ['densenet', 'whisper']);
    await only('only overrides', ['densenet']);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Pool' }), 'a100');
    await vi.waitFor(() => expect(names()).toEqual(['whisper']));
  });

  it('renders a window of a 1000-model fleet, and finds the last one by searching', async () => {
    const user = userEvent.setup();
    const rows: FleetRow[] = Array.from({ length: 1000 }, (_, i) => {
      const name = `model-${String(i).padStart(4, '0')}`;
      return { kind: 'model', name, cells: Object.fromEntries(['dev', 'staging', 'production'].map((env) => [env, cell(env, name)])) };
    });
    answer = { ...FLEET, rows };
    render(<FleetPage />);
    const table = await screen.findByRole('table', { name: 'Fleet' });
    expect(table.getAttribute('aria-rowcount')).toBe('1001');
    const shown = dataRows();
    expect(shown.length).toBeGreaterThan(3);
    expect(shown.length).toBeLessThan(50);
    expect(names()[0]).toBe('model-0000');
    // Each row says where it sits in the whole fleet.
    expect(shown.map((row) => row.getAttribute('aria-rowindex')).slice(0, 3)).toEqual(['2', '3', '4']);
    expect(screen.queryByText('model-0999')).toBeNull();

    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'model-0999');
    await vi.waitFor(() => expect(names()).toEqual(['model-0999']));
    expect(table.getAttribute('aria-rowcount')).toBe('2');
  });

  it('shows the server’s refusal', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ message: 'the session token is missing' }), { status: 403 })),
    );
    render(<FleetPage />);
    expect((await screen.findByRole('alert')).textContent).toContain('the session token is missing');
  });
});
