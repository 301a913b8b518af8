/**
 * The fleet page on a large fleet (1000 models × 3 environments, the benchmark's fleet): rows show,
 * the grid keeps only the rows near the viewport in the DOM (so it stays responsive), and scrolling
 * to the end reaches the last row. How fast the first row shows is a figure of the benchmark
 * (`npm run bench`, its `panel` phase), not a timed assertion here: this prints it for the record.
 * The fleet and capacity pages pass axe with no serious violation; on the bundled examples they are
 * also the screenshots of docs/ui.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousViolations } from '../support/axe.ts';
import { browserUnavailable, launchBrowser, type Browser } from '../support/browser.ts';
import { writeFleet } from '../support/fleet.ts';
import { openFleetPage, rowNamesInDom, scrollFleetToEnd, visibleRowNames } from '../support/fleet-page.ts';
import { panelInBrowser, startTestPanel, type TestPanel } from '../support/panel.ts';
import { screenshot } from '../support/screenshots.ts';
import { tempDir } from '../support/workspace.ts';

const MODELS = 1000;
/** Far fewer than the fleet's rows: a screenful and the grid's overscan. */
const MAX_ROWS_IN_DOM = 150;

const unavailable = browserUnavailable();
const named = (title: string) => `${title}${unavailable ? ` (skipped: ${unavailable})` : ''}`;

describe.skipIf(unavailable !== undefined)(named(`the fleet page on ${MODELS} models × 3 environments`), () => {
  let fleet: ReturnType<typeof tempDir> | undefined;
  let panel: TestPanel;
  let browser: Browser;
  /** The fleet's rows in the API's order (models, then pipelines, each by name). */
  let rows: string[];
  beforeAll(async () => {
    fleet = tempDir('panel-fleet');
    writeFleet(fleet.path, MODELS);
    [panel, browser] = await Promise.all([startTestPanel({ root: fleet.path }), launchBrowser()]);
    // What `tritonops ui` does before printing its URL: the specs are loaded when the page asks.
    const answer = await panel.api('/api/fleet');
    expect(answer.status).toBe(200);
    rows = ((await answer.json()) as { rows: { name: string }[] }).rows.map((r) => r.name);
    expect(rows.length).toBeGreaterThan(MODELS);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await panel?.close();
    fleet?.remove();
  });

  it('shows the first rows, with only a screenful of rows in the DOM, and scrolls to the last', async () => {
    const page = await browser.newPage();
    const paint = await openFleetPage(page, panel.url);
    process.stdout.write(
      `fleet page, ${MODELS}×3: first row visible ${paint.firstRowMs.toFixed(0)} ms after navigation start (first contentful paint ${paint.firstContentfulPaintMs?.toFixed(0) ?? '?'} ms)\n`,
    );
    const first = await visibleRowNames(page);
    expect(first.some((name) => name.includes(rows[0]!))).toBe(true);
    const inDom = await rowNamesInDom(page);
    expect(inDom.length).toBeGreaterThan(0);
    expect(inDom.length).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);

    await scrollFleetToEnd(page);
    const last = rows[rows.length - 1]!;
    await expect.poll(async () => (await visibleRowNames(page)).some((name) => name.includes(last)), { timeout: 10_000 }).toBe(true);
    expect((await visibleRowNames(page)).some((name) => name.includes(rows[0]!))).toBe(false);
    expect((await rowNamesInDom(page)).length).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
    await page.close();
  });

  it('finds the last model by searching, and the fleet and capacity pages have no serious axe violation', async () => {
    const page = await browser.newPage();
    await openFleetPage(page, panel.url);
    await expectNoSeriousViolations(page);
    const lastModel = `model-${String(MODELS - 1).padStart(4, '0')}`;
    await page
      .getByRole('searchbox', { name: 'Search' })
      .or(page.getByRole('textbox', { name: 'Search' }))
      .fill(lastModel);
    await expect.poll(async () => (await visibleRowNames(page)).some((name) => name.includes(lastModel)), { timeout: 10_000 }).toBe(true);
    expect((await rowNamesInDom(page)).every((name) => name.includes(lastModel))).toBe(true);

    await page.getByRole('link', { name: 'Capacity' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/capacity/i);
    await expectNoSeriousViolations(page);
    await page.close();
  });
});

describe.skipIf(unavailable !== undefined)(named('the fleet and capacity pages on the bundled examples'), () => {
  const ui = panelInBrowser();

  it('show every model and pipeline, pass axe, and are pictured for docs/ui.md', async () => {
    const answer = await ui.panel.api('/api/fleet');
    const rows = ((await answer.json()) as { rows: { name: string }[] }).rows.map((r) => r.name);
    const page = await ui.browser.newPage();
    await openFleetPage(page, ui.panel.url);
    const shown = await rowNamesInDom(page);
    for (const name of rows)
      expect(
        shown.some((s) => s.includes(name)),
        name,
      ).toBe(true);
    await expectNoSeriousViolations(page);
    await screenshot(page, 'fleet');

    await page.getByRole('link', { name: 'Capacity' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/capacity/i);
    await expectNoSeriousViolations(page);
    await screenshot(page, 'capacity');
    await page.close();
  });
});
