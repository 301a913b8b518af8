/**
 * The control panel's figures for `npm run bench`: on a fleet, the panel started as `tritonops ui`
 * starts it (specs loaded before the URL is printed), then
 * - first paint of the fleet page in Chromium: navigation start → first fleet row visible, in
 *   fresh tabs (the first load, and the median of the next ones), with the browser's first
 *   contentful paint beside it;
 * - the edit round trip: a model form's live check (`POST /api/envs/<env>/models/<name>/check`
 *   with one field changed), client-side, median of 10, with the server's own time beside it.
 */
import { performance } from 'node:perf_hooks';
import { panelAssets } from '../../apps/cli/src/commands/ui.ts';
import { startPanel, type RunningPanel } from '../../apps/cli/src/ui-server/server.ts';
import { browserUnavailable, launchBrowser } from '../support/browser.ts';
import { openFleetPage, type FirstPaint } from '../support/fleet-page.ts';

export interface PanelFigures {
  readonly firstPaint: { readonly first: FirstPaint; readonly medianRowMs: number; readonly loads: number } | string;
  readonly editRoundTrip: { readonly medianMs: number; readonly serverMedianMs: number; readonly edits: number } | string;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Measures the panel on the fleet under `root`, editing `model` of `env` (whose spec has `resources.cpu`). */
export async function measurePanel(root: string, env: string, model: string): Promise<PanelFigures> {
  const staticDir = await panelAssets({ out: () => undefined, err: () => undefined, cwd: root });
  const panel = await startPanel({ root, port: 0, staticDir });
  try {
    panel.state.current();
    return { firstPaint: await firstPaint(panel), editRoundTrip: await editRoundTrip(panel, env, model) };
  } finally {
    await panel.close();
  }
}

async function firstPaint(panel: RunningPanel, loads = 5): Promise<PanelFigures['firstPaint']> {
  let unavailable: string | undefined;
  try {
    unavailable = browserUnavailable();
  } catch (error) {
    unavailable = (error as Error).message;
  }
  if (unavailable) return unavailable;
  const browser = await launchBrowser();
  try {
    const paints: FirstPaint[] = [];
    for (let i = 0; i <= loads; i++) {
      const page = await browser.newPage();
      try {
        paints.push(await openFleetPage(page, panel.url));
      } catch (error) {
        return `the fleet page showed no row: ${(error as Error).message.split('\n')[0]}`;
      } finally {
        await page.close();
      }
    }
    return { first: paints[0]!, medianRowMs: median(paints.slice(1).map((p) => p.firstRowMs)), loads };
  } finally {
    await browser.close();
  }
}

async function editRoundTrip(panel: RunningPanel, env: string, model: string, edits = 10): Promise<PanelFigures['editRoundTrip']> {
  const origin = new URL(panel.url).origin;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${origin}${path}`, {
      method,
      headers: { 'x-tritonops-token': panel.token, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const path = `/api/envs/${env}/models/${model}`;
  const got = await call('GET', path);
  if (!got.ok) return `GET ${path} answered ${got.status} (${(await got.text()).slice(0, 200)})`;
  const { document } = (await got.json()) as { document: { spec: { resources: Record<string, unknown> } } };
  const rounds: number[] = [];
  const server: number[] = [];
  // One round more than counted: the first check of an environment fills the panel's caches.
  for (let i = 0; i <= edits; i++) {
    const edited = { ...document, spec: { ...document.spec, resources: { ...document.spec.resources, cpu: String(3 + (i % 4)) } } };
    const start = performance.now();
    const answer = await call('POST', `${path}/check`, { document: edited });
    const text = await answer.text();
    const elapsed = performance.now() - start;
    if (!answer.ok) return `POST ${path}/check answered ${answer.status} (${text.slice(0, 200)})`;
    if (i === 0) continue;
    rounds.push(elapsed);
    server.push((JSON.parse(text) as { millis: number }).millis);
  }
  return { medianMs: median(rounds), serverMedianMs: median(server), edits };
}
