/**
 * The fleet page as the browser tests and the benchmark see it: its rows (`role="row"`, the spec's
 * name in the first cell, as the fleet page's convention says) and the time until the first one
 * shows. The clock is the page's own (`performance.now()`, which starts at navigation start), so
 * neither Playwright's round trips nor the test's machine load count.
 */
import type { Page } from 'playwright-core';

export interface FirstPaint {
  /** Navigation start → the first fleet row visible in the viewport. */
  readonly firstRowMs: number;
  /** Navigation start → the browser's first contentful paint (the frame, before any data). */
  readonly firstContentfulPaintMs: number | undefined;
}

/** In the page: the name in each row's first cell, for the rows of data (not the header row). */
const ROW_NAMES = `[...document.querySelectorAll('[role="row"]')].flatMap((row) => {
  const cell = row.querySelector('[role="rowheader"], [role="gridcell"], [role="cell"]');
  return cell ? [{ row, name: cell.textContent.trim() }] : [];
})`;

/** In the page: whether an element shows at least partly inside the viewport. */
const IN_VIEW = `((element) => {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
})`;

/** Opens the fleet page at `url` and waits for its first row (within `timeout` ms); when it showed. */
export async function openFleetPage(page: Page, url: string, timeout = 15_000): Promise<FirstPaint> {
  await page.goto(url, { waitUntil: 'commit' });
  // Checked on every animation frame: the first frame that holds a visible row is the paint. A
  // loop of the page's own, evaluated through the DevTools protocol: Playwright's waitForFunction
  // evaluates its predicate with eval(), which the panel's CSP forbids.
  const firstRowMs = await page.evaluate<number>(`new Promise((resolve, reject) => {
    const check = () => {
      if (${ROW_NAMES}.some(({ row }) => ${IN_VIEW}(row))) resolve(performance.now());
      else if (performance.now() > ${timeout}) reject(new Error('no fleet row visible within ${timeout} ms: ' + document.body.innerText.slice(0, 500)));
      else requestAnimationFrame(check);
    };
    check();
  })`);
  const firstContentfulPaintMs = await page.evaluate<number | undefined>(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime`);
  return { firstRowMs, firstContentfulPaintMs };
}

/** The names of the fleet rows in the DOM now (a virtualised grid holds only those near the viewport). */
export function rowNamesInDom(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`${ROW_NAMES}.map(({ name }) => name)`);
}

/** The names of the fleet rows visible in the viewport now. */
export function visibleRowNames(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`${ROW_NAMES}.filter(({ row }) => ${IN_VIEW}(row)).map(({ name }) => name)`);
}

/**
 * Scrolls the fleet to its end, whichever element scrolls (the grid, a container of it, or the
 * document), the way a user drags the scrollbar down: repeatedly, as a virtualised grid grows its
 * content while rows are measured.
 */
export async function scrollFleetToEnd(page: Page): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const moved = await page.evaluate<boolean>(`(() => {
      let moved = false;
      for (const element of [...document.querySelectorAll('*'), document.scrollingElement]) {
        if (!element || element.scrollHeight <= element.clientHeight + 1) continue;
        const overflow = element === document.scrollingElement ? 'auto' : getComputedStyle(element).overflowY;
        if (overflow !== 'auto' && overflow !== 'scroll') continue;
        const end = element.scrollHeight - element.clientHeight;
        if (element.scrollTop < end - 1) {
          element.scrollTop = end;
          moved = true;
        }
      }
      return moved;
    })()`);
    if (!moved) return;
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  }
}
