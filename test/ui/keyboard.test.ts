/**
 * The panel with the keyboard only (Tab, Shift+Tab, Enter, typing; no mouse): the top bar's links
 * move between pages, on a model page the canary weight is set and a form edit saved, and in the
 * pipeline editor a step on the canvas is opened and its timeout changed. Wherever focus lands it
 * is visible: the focused element draws an outline or a box shadow.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserUnavailable } from '../support/browser.ts';
import { panelInBrowser } from '../support/panel.ts';

const STAGING_WHISPER = 'environments/staging/models/whisper.yaml';
const STAGING_SPEECH = 'environments/staging/pipelines/speech-to-image.yaml';
/** More Tab presses than any page here has stops before the one sought: a page without it fails, not hangs. */
const MAX_TABS = 150;

const unavailable = browserUnavailable();
const named = (title: string) => `${title}${unavailable ? ` (skipped: ${unavailable})` : ''}`;

interface Focused {
  readonly tag: string;
  readonly id: string;
  /** The text or label a user sees on it. */
  readonly text: string;
  /** Whether the browser draws a focus indicator on it: a visible outline or a box shadow. */
  readonly indicated: boolean;
}

/** The focused element, as the DevTools protocol reads it (the page's CSP forbids Playwright's eval-based polling). */
function focused(page: Page): Promise<Focused> {
  return page.evaluate<Focused>(`(() => {
    const element = document.activeElement ?? document.body;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    const label = element.labels?.[0]?.textContent ?? element.getAttribute('aria-label') ?? element.textContent ?? '';
    return { tag: element.tagName.toLowerCase(), id: element.id, text: label.trim().replace(/\\s+/g, ' '), indicated: outline || shadow };
  })()`);
}

/** Presses `key` (Tab or Shift+Tab) until the focused element is the one sought; every stop on the way shows its focus. */
async function moveFocusTo(page: Page, key: 'Tab' | 'Shift+Tab', sought: (f: Focused) => boolean, what: string): Promise<Focused> {
  const passed: string[] = [];
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press(key);
    const now = await focused(page);
    if (now.tag !== 'body') expect(now.indicated, `no visible focus on <${now.tag} id="${now.id}"> "${now.text}"`).toBe(true);
    if (sought(now)) return now;
    passed.push(`${now.tag}${now.id ? `#${now.id}` : ''} "${now.text.slice(0, 30)}"`);
  }
  throw new Error(`${key} never reached ${what}; focus passed: ${passed.join(', ')}`);
}

const heading = (page: Page) => page.locator('h1').textContent();

describe.skipIf(unavailable !== undefined)(named('the panel with the keyboard only'), () => {
  const ui = panelInBrowser();

  it('moves from the top bar to Changes and back to Fleet through the nav links', async () => {
    const page = await ui.browser.newPage();
    await page.goto(ui.panel.url);
    await expect.poll(() => heading(page), { timeout: 10_000 }).toMatch(/fleet/i);

    await moveFocusTo(page, 'Tab', (f) => f.tag === 'a' && f.text === 'Changes', 'the Changes link');
    await page.keyboard.press('Enter');
    await expect.poll(() => heading(page), { timeout: 10_000 }).toBe('Changes');
    expect(await page.getByRole('link', { name: 'Changes' }).getAttribute('aria-current')).toBe('page');

    await moveFocusTo(page, 'Shift+Tab', (f) => f.tag === 'a' && f.text === 'Fleet', 'the Fleet link');
    await page.keyboard.press('Enter');
    await expect.poll(() => heading(page), { timeout: 10_000 }).toMatch(/fleet/i);
    expect(await page.getByRole('link', { name: 'Fleet' }).getAttribute('aria-current')).toBe('page');
    await page.close();
  });

  it('sets the canary weight and saves a form edit on a model page', async () => {
    const before = readFileSync(join(ui.panel.root, STAGING_WHISPER), 'utf8');
    const page = await ui.browser.newPage();
    await page.goto(`${ui.panel.url}#/models/staging/whisper`);
    await expect.poll(() => heading(page), { timeout: 10_000 }).toMatch(/whisper in staging/);
    const canary = page.getByRole('region', { name: 'Canary' });
    await expect.poll(() => canary.getByRole('spinbutton', { name: 'Weight (percent)' }).inputValue()).toBe('10');

    // The canary panel: its weight input, a new value typed over the old one, then "Set weight" with Enter.
    await moveFocusTo(page, 'Tab', (f) => f.id === 'canary-weight', 'the canary weight input');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('30');
    await moveFocusTo(page, 'Tab', (f) => f.tag === 'button' && f.text === 'Set weight', 'the Set weight button');
    await page.keyboard.press('Enter');
    await expect.poll(() => canary.getByRole('status').textContent(), { timeout: 5_000 }).toContain('set the canary weight of whisper');
    const afterWeight = readFileSync(join(ui.panel.root, STAGING_WHISPER), 'utf8');
    expect(afterWeight).toBe(before.replace(/^ {4}weight: 10$/m, '    weight: 30'));

    // The form, before the canary panel: back to a field, a value typed, then on to Save (enabled once the edit checks clean).
    const maxReplicas = (f: Focused) => f.id === 'field-spec-autoscaling-maxReplicas';
    await moveFocusTo(page, 'Shift+Tab', maxReplicas, 'the autoscaling maxReplicas input');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('3');
    await expect.poll(() => page.locator('.check-state').textContent(), { timeout: 5_000 }).toMatch(/^Valid/);
    await moveFocusTo(page, 'Tab', (f) => f.tag === 'button' && f.text === 'Save', 'the Save button');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('form', { name: 'Model spec' }).getByRole('status').textContent(), { timeout: 5_000 })
      .toContain(`saved ${STAGING_WHISPER}`);
    expect(readFileSync(join(ui.panel.root, STAGING_WHISPER), 'utf8')).toBe(afterWeight.replace(/^ {4}maxReplicas: 2$/m, '    maxReplicas: 3'));
    await page.close();
  });

  it('opens a step of the pipeline canvas, changes its timeout and saves, in the pipeline editor', async () => {
    const before = readFileSync(join(ui.panel.root, STAGING_SPEECH), 'utf8');
    expect(before).toMatch(/^ {6}timeoutSeconds: 120 +# an image takes tens of seconds$/m);
    const page = await ui.browser.newPage();
    await page.goto(`${ui.panel.url}#/pipelines/staging/speech-to-image`);
    await expect.poll(() => heading(page), { timeout: 10_000 }).toBe('Pipeline speech-to-image in staging');
    await expect.poll(() => page.getByTestId('step-draw').count(), { timeout: 10_000 }).toBe(1);

    // The step's node on the canvas (React Flow makes nodes focusable), selected with Enter: its options open in the side panel.
    await moveFocusTo(page, 'Tab', (f) => f.text === 'Step draw', 'the node of step draw');
    await page.keyboard.press('Enter');
    const side = page.getByRole('complementary', { name: 'Pipeline editing' });
    await expect.poll(() => side.getByRole('heading', { name: 'Step draw' }).count(), { timeout: 5_000 }).toBe(1);

    await moveFocusTo(page, 'Tab', (f) => f.tag === 'input' && f.text === 'Timeout (seconds)', 'the timeout of step draw');
    expect(await side.getByLabel('Timeout (seconds)').inputValue()).toBe('120');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('90');
    // Leaving the field commits it; Save, in the title bar before the canvas, is back the way focus came.
    await moveFocusTo(page, 'Shift+Tab', (f) => f.tag === 'button' && f.text === 'Save', 'the Save button');
    await expect.poll(() => page.locator('.check-state').textContent(), { timeout: 5_000 }).toBe('Unsaved changes');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).textContent(), { timeout: 5_000 }).toBe(`Saved ${STAGING_SPEECH}`);
    expect(readFileSync(join(ui.panel.root, STAGING_SPEECH), 'utf8')).toBe(before.replace(/^( {6}timeoutSeconds: )120\b/m, '$190'));
    await page.close();
  });
});
