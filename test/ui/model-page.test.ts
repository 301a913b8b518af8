/**
 * The model page in Chromium, on a throw-away Git repository of the bundled examples: a canary
 * weight set with the canary panel changes exactly the `weight:` line of the spec (every comment
 * kept) and the repository still validates; the CLI's refusal of removing a live canary shows as
 * the CLI says it; a bad value typed in a field gets the validator's message at that field, live,
 * and blocks Save; a release committed in dev is promoted to staging through the promotion gate
 * (release fields only), and an uncommitted one is refused with the gate's words. The page passes
 * axe, and is pictured for docs/ui.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSeriousViolations } from '../support/axe.ts';
import { browserUnavailable, launchBrowser, type Browser } from '../support/browser.ts';
import { startTestPanel, type TestPanel } from '../support/panel.ts';
import { screenshot } from '../support/screenshots.ts';
import { runCli, snapshotDir } from '../support/workspace.ts';

const STAGING_WHISPER = 'environments/staging/models/whisper.yaml';
const DEV_WHISPER = 'environments/dev/models/whisper.yaml';
/** How long the page may take to show a server's answer (a live check waits for a pause in typing first). */
const ANSWER_MS = 5_000;

const unavailable = browserUnavailable();
const named = (title: string) => `${title}${unavailable ? ` (skipped: ${unavailable})` : ''}`;

const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Team', '-c', 'user.email=team@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  });

/** Opens a page of the panel at `hash` (`#/models/staging/whisper`) and waits for its heading to say `heading`. */
async function openPanel(browser: Browser, panel: TestPanel, hash: string, heading: RegExp): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${panel.url}${hash}`);
  await expect.poll(() => page.locator('h1').textContent(), { timeout: 10_000 }).toMatch(heading);
  return page;
}

/** The texts an input's aria-describedby points at: what a screen reader reads after its name. */
async function description(input: Locator): Promise<string> {
  const ids = (await input.getAttribute('aria-describedby'))?.split(/\s+/).filter(Boolean) ?? [];
  const texts = await Promise.all(ids.map((id) => input.page().locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

const read = (panel: TestPanel, rel: string) => readFileSync(join(panel.root, rel), 'utf8');

describe.skipIf(unavailable !== undefined)(named('the model page in Chromium'), () => {
  let panel: TestPanel;
  /** A second repository for promotion: its staging spec is the bundled one until the test promotes. */
  let promotion: TestPanel;
  let browser: Browser;
  beforeAll(async () => {
    [panel, promotion, browser] = await Promise.all([startTestPanel(), startTestPanel(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await panel?.close();
    await promotion?.close();
  });

  it('sets a canary weight 10 → 25 with the canary panel: only the weight line changes, and the repository validates', async () => {
    const before = read(panel, STAGING_WHISPER);
    expect(before.match(/^ {4}weight: 10$/gm)).toHaveLength(1);
    const page = await openPanel(browser, panel, '#/models/staging/whisper', /whisper in staging/);
    await expectNoSeriousViolations(page);
    await screenshot(page, 'model');

    const canary = page.getByRole('region', { name: 'Canary' });
    const weight = canary.getByRole('spinbutton', { name: 'Weight (percent)' });
    expect(await weight.inputValue()).toBe('10');
    await weight.fill('25');
    await canary.getByRole('button', { name: 'Set weight' }).click();
    const done = canary.getByRole('status');
    await expect.poll(() => done.textContent(), { timeout: ANSWER_MS }).toContain(`set the canary weight of whisper in ${STAGING_WHISPER}`);
    expect(await done.locator('code').allTextContents()).toEqual(['canary.weight: 10 -> 25']);

    expect(read(panel, STAGING_WHISPER)).toBe(before.replace(/^ {4}weight: 10$/m, '    weight: 25'));
    // The page shows the file as it is now.
    await expect.poll(() => canary.getByRole('definition').nth(1).textContent()).toBe('25%');
    expect(await weight.inputValue()).toBe('25');
    const validate = await runCli(['validate'], panel.root);
    expect(validate.code, validate.stderr).toBe(0);
    await page.close();
  });

  it('refuses to remove a live canary with the CLI’s own message, and writes nothing', async () => {
    const before = snapshotDir(join(panel.root, 'environments'));
    const page = await openPanel(browser, panel, '#/models/staging/whisper', /whisper in staging/);
    const canary = page.getByRole('region', { name: 'Canary' });
    await canary.getByRole('button', { name: 'Remove canary' }).click();
    const alert = canary.getByRole('alert');
    await expect.poll(() => alert.count(), { timeout: ANSWER_MS }).toBe(1);
    const shown = (await alert.textContent()) ?? '';
    expect(shown).toMatch(/still receives \d+% of the traffic: removing it would abort it mid-flight/);
    expect(shown).toMatch(/hint: drain it first: `tritonops canary weight whisper 0 --env staging`/);

    // The same words as the CLI's, message and hint.
    const cli = await runCli(['canary', 'remove', 'whisper', '--env', 'staging'], panel.root);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain((await alert.locator('strong').textContent())!);
    expect(cli.stderr).toContain((await alert.locator('.hint').textContent())!.replace(/^hint: /, ''));
    expect(snapshotDir(join(panel.root, 'environments'))).toEqual(before);
    await page.close();
  });

  it('shows a bad value’s error at its field within seconds, disables Save, and clears it once fixed', async () => {
    const before = read(panel, DEV_WHISPER);
    const page = await openPanel(browser, panel, '#/models/dev/whisper', /whisper in dev/);
    const form = page.getByRole('form', { name: 'Model spec' });
    const save = form.getByRole('button', { name: 'Save', exact: true });
    const gpus = form.getByRole('spinbutton', { name: 'gpus', exact: true });
    const gpusField = gpus.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " field ")][1]');
    expect(await gpus.inputValue()).toBe('1');
    expect(await save.isDisabled()).toBe(true);

    await gpus.fill('-1');
    const message = 'spec.gpus must be >= 1, not -1';
    await expect.poll(() => description(gpus), { timeout: ANSWER_MS }).toContain(message);
    // Under that field, not only in a list elsewhere: in its container, and the input says it is invalid.
    expect(await gpusField.locator('.field-errors').textContent()).toContain(message);
    expect(await gpus.getAttribute('aria-invalid')).toBe('true');
    expect(await save.isDisabled()).toBe(true);
    // The picture shows the field with its error, whichever way typing scrolled the form.
    await gpusField.evaluate((field) => field.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'model-error');

    await gpus.fill('2');
    await expect.poll(() => gpusField.locator('.field-errors').count(), { timeout: ANSWER_MS }).toBe(0);
    expect(await description(gpus)).not.toContain('must be');
    expect(await gpus.getAttribute('aria-invalid')).toBeNull();
    await expect.poll(() => save.isEnabled(), { timeout: ANSWER_MS }).toBe(true);

    // Typed, never saved: the file is as it was.
    expect(read(panel, DEV_WHISPER)).toBe(before);
    await page.close();
  });

  it('opens the new-model form with its name field, and it passes axe', async () => {
    const page = await openPanel(browser, panel, '#/models/dev/new', /new model in dev/i);
    await expect.poll(() => page.getByRole('textbox', { name: /^name/ }).count()).toBe(1);
    await expectNoSeriousViolations(page);
    await page.close();
  });

  it('promotes a release committed in dev to staging: release fields move, the canary stays byte for byte', async () => {
    const root = promotion.root;
    const stagingBefore = read(promotion, STAGING_WHISPER);
    const canaryBefore = canaryText(stagingBefore);
    const dev = read(promotion, DEV_WHISPER);
    expect(dev).toContain('repository: s3://models/whisper/2024-11-20');
    writeFileSync(join(root, DEV_WHISPER), dev.replace('repository: s3://models/whisper/2024-11-20', 'repository: s3://models/whisper/2024-12-02'));
    git(root, 'add', DEV_WHISPER);
    git(root, 'commit', '-q', '-m', 'dev runs the next whisper');

    const page = await openPanel(browser, promotion, '#/models/dev/whisper', /whisper in dev/);
    const panelOfPromote = page.getByRole('region', { name: 'Promote' });
    await panelOfPromote.getByRole('button', { name: 'Promote release to staging' }).click();
    const done = panelOfPromote.getByRole('status');
    await expect.poll(() => done.count(), { timeout: 15_000 }).toBe(1);
    expect(await done.textContent()).toContain('Promoted to staging');
    expect(await done.locator('pre').textContent()).toContain('whisper');

    const stagingAfter = read(promotion, STAGING_WHISPER);
    expect(parseDocument(stagingAfter).getIn(['spec', 'repository'])).toBe('s3://models/whisper/2024-12-02');
    expect(canaryText(stagingAfter)).toBe(canaryBefore);
    const changed = git(root, 'status', '--porcelain')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    expect(changed).toContain(STAGING_WHISPER);
    expect(changed.some((path) => path.startsWith('flux/') && path.includes('/staging/'))).toBe(true);
    expect(changed.every((path) => path === STAGING_WHISPER || path.startsWith('flux/'))).toBe(true);
    await page.close();
  });

  it('refuses to promote an uncommitted dev change, with the promotion gate’s message, and writes nothing', async () => {
    const root = promotion.root;
    const dev = read(promotion, DEV_WHISPER);
    writeFileSync(join(root, DEV_WHISPER), dev.replace('repository: s3://models/whisper/2024-12-02', 'repository: s3://models/whisper/2024-12-09'));
    const before = snapshotDir(join(root, 'environments', 'staging'));

    const page = await openPanel(browser, promotion, '#/models/dev/whisper', /whisper in dev/);
    const panelOfPromote = page.getByRole('region', { name: 'Promote' });
    await panelOfPromote.getByRole('button', { name: 'Promote release to staging' }).click();
    const alert = panelOfPromote.getByRole('alert');
    await expect.poll(() => alert.count(), { timeout: 15_000 }).toBe(1);
    const shown = (await alert.textContent()) ?? '';
    expect(shown).toContain('tritonops promote refused (exit 1)');
    expect(shown).toContain('the release of "whisper" (s3://models/whisper/2024-12-09, nvcr.io/nvidia/tritonserver:24.10-py3) has not run in "dev"');
    expect(snapshotDir(join(root, 'environments', 'staging'))).toEqual(before);
    await page.close();
  });
});

/** The `canary:` block of a model spec as written (its lines, comments and all, to the end of `spec`). */
function canaryText(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^ {2}canary:/.test(line));
  expect(start).toBeGreaterThan(0);
  const end = lines.findIndex((line, i) => i > start && /^ {0,2}\S/.test(line));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}
