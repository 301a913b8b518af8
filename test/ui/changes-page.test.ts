/**
 * The changes page in Chromium, on a throw-away Git repository of the bundled examples with one
 * edit made through the panel (staging whisper's canary weight 10 → 25): it shows what
 * `tritonops diff` says of it — the same summary and transitions — and commits it on a new branch
 * with the user's branch name and message: the commit holds only environments/ and flux/, flux/ is
 * the specs' render (`synth --check` passes on it), and nothing is pushed. The changes and capacity
 * pages pass axe; the changes page is pictured for docs/ui.md.
 */
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangesDiff } from '../../apps/ui/src/api/types.ts';
import { expectNoSeriousViolations } from '../support/axe.ts';
import { browserUnavailable, launchBrowser, type Browser } from '../support/browser.ts';
import { startTestPanel, type TestPanel } from '../support/panel.ts';
import { screenshot } from '../support/screenshots.ts';
import { runCli } from '../support/workspace.ts';

const STAGING_WHISPER = 'environments/staging/models/whisper.yaml';
const BRANCH = 'tritonops/staging-whisper-canary-25';
const MESSAGE = 'staging: whisper canary on 25% of the traffic\n\nMore listeners try the 2024-11-25 release before it is promoted.';

const unavailable = browserUnavailable();
const named = (title: string) => `${title}${unavailable ? ` (skipped: ${unavailable})` : ''}`;

const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: 'pipe' }).trim();

async function openChanges(browser: Browser, panel: TestPanel): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${panel.url}#/changes`);
  await expect.poll(() => page.locator('h1').textContent(), { timeout: 10_000 }).toBe('Changes');
  // The comparison is done when the commit form shows (it starts from diff's summary).
  await expect.poll(() => page.getByRole('button', { name: 'Commit', exact: true }).count(), { timeout: 15_000 }).toBe(1);
  return page;
}

describe.skipIf(unavailable !== undefined)(named('the changes page in Chromium'), () => {
  let panel: TestPanel;
  let browser: Browser;
  beforeAll(async () => {
    [panel, browser] = await Promise.all([startTestPanel(), launchBrowser()]);
    const answer = await panel.api('/api/envs/staging/models/whisper/canary', { body: { action: 'weight', weight: 25 } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ ok: true, file: STAGING_WHISPER });
  });
  afterAll(async () => {
    await browser?.close();
    await panel?.close();
  });

  it('shows what tritonops diff says of the edit: its summary and transitions, and passes axe', async () => {
    const diff = await runCli(['diff', '--format', 'json'], panel.root);
    const environments = (JSON.parse(diff.stdout) as ChangesDiff).environments;
    expect(environments.map((e) => e.environment)).toEqual(['staging']);
    const [staging] = environments;
    expect(staging!.summary.some((s) => s.subject.includes('whisper') && s.before.includes('10') && s.after.includes('25'))).toBe(true);
    expect(staging!.transitions.length).toBeGreaterThan(0);

    const page = await openChanges(browser, panel);
    const section = page.getByRole('region', { name: 'Environment staging' });
    expect(await page.getByRole('region', { name: /^Environment / }).count()).toBe(1);
    const rows = await section
      .getByRole('table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual(staging!.summary.map((s) => [s.subject, s.what, s.before || '—', s.after || '—']));
    const transitions = await section.locator('li.transition').allTextContents();
    expect(transitions).toHaveLength(staging!.transitions.length);
    for (const t of staging!.transitions) expect(transitions.some((shown) => shown.includes(t.subject) && shown.includes(t.change))).toBe(true);
    expect(await page.getByRole('region', { name: 'Spec files changed since HEAD' }).textContent()).toContain(STAGING_WHISPER);

    await expectNoSeriousViolations(page);
    await screenshot(page, 'changes');
    await page.close();
  });

  it('commits the edit on a new branch with the branch and message typed, renders flux/ into it, and pushes nothing', async () => {
    const root = panel.root;
    const main = git(root, 'rev-parse', 'HEAD');
    const page = await openChanges(browser, panel);
    await page.getByRole('textbox', { name: 'Branch' }).fill(BRANCH);
    await page.getByRole('textbox', { name: 'Message' }).fill(MESSAGE);
    await page.getByRole('button', { name: 'Commit', exact: true }).click();

    const done = page.getByRole('status').filter({ hasText: 'Committed' });
    await expect.poll(() => done.count(), { timeout: 15_000 }).toBe(1);
    const said = (await done.textContent()) ?? '';
    expect(said).toContain(`on the new branch ${BRANCH}. Nothing was pushed.`);
    expect(await done.locator('.copy-command code').first().textContent()).toBe(`git push -u origin ${BRANCH}`);

    // In Git: a new branch holding one commit on top of main, checked out, with the message typed.
    expect(git(root, 'branch', '--list', BRANCH)).not.toBe('');
    expect(git(root, 'symbolic-ref', '--short', 'HEAD')).toBe(BRANCH);
    expect(git(root, 'rev-parse', 'HEAD~1')).toBe(main);
    expect(git(root, 'rev-parse', 'main')).toBe(main);
    expect(git(root, 'log', '-1', '--format=%B')).toBe(MESSAGE);
    expect(said).toContain(git(root, 'rev-parse', 'HEAD').slice(0, 12));
    const files = git(root, 'show', '--name-only', '--format=', 'HEAD').split('\n');
    expect(files).toContain(STAGING_WHISPER);
    expect(files.some((f) => f.startsWith('flux/'))).toBe(true);
    expect(files.filter((f) => !f.startsWith('environments/') && !f.startsWith('flux/'))).toEqual([]);
    // No remote was touched: the repository has none, and nothing names one.
    expect(git(root, 'remote')).toBe('');
    expect(git(root, 'status', '--porcelain', '--', 'environments', 'flux')).toBe('');

    const check = await runCli(['synth', '--check'], root);
    expect(check.code, check.stderr).toBe(0);
    // The page compares again: the working tree holds no spec change since HEAD any more, and the answer stays.
    await expect.poll(() => page.getByRole('region', { name: 'Spec files changed since HEAD' }).count(), { timeout: 10_000 }).toBe(0);
    expect(await done.count()).toBe(1);
    await page.close();
  });

  it('the capacity page passes axe', async () => {
    const page = await browser.newPage();
    await page.goto(`${panel.url}#/capacity`);
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 10_000 }).toMatch(/capacity/i);
    // The page has its data (a pool of the bundled environments), not only its frame.
    await expect.poll(() => page.getByText('t4').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expectNoSeriousViolations(page);
    await page.close();
  });
});
