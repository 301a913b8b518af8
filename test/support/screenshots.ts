/**
 * Screenshots of the control panel taken by the browser tests. Every call takes one (a failing
 * render shows up as an error here, and the file is there to look at); with
 * TRITONOPS_UPDATE_SCREENSHOTS=1 (`npm run ui:screenshots`) it also replaces the picture of the
 * same name in docs/images/ui/, which docs/ui.md shows. The browser's viewport is fixed
 * (browser.ts), so a picture changes only when the page does.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { VIEWPORT } from './browser.ts';
import { REPO_ROOT } from './workspace.ts';

export const DOCS_IMAGES = join(REPO_ROOT, 'docs/images/ui');

let shots: string | undefined;

/** Takes a screenshot of the page's viewport as `<name>.png`; its path (in a temp dir). */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) throw new Error(`screenshot name "${name}": lowercase words joined by "-"`);
  const size = page.viewportSize();
  if (size?.width !== VIEWPORT.width || size.height !== VIEWPORT.height) await page.setViewportSize(VIEWPORT);
  shots ??= mkdtempSync(join(tmpdir(), 'tritonops-screenshots-'));
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  if (process.env.TRITONOPS_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    copyFileSync(path, join(DOCS_IMAGES, `${name}.png`));
  }
  return path;
}
