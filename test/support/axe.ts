/**
 * Accessibility checks in the browser tests: axe-core run inside the page under test. The panel's
 * Content-Security-Policy allows only its own scripts, so axe is not added as a <script> element:
 * its source is evaluated through the DevTools protocol (page.evaluate), which the page's CSP does
 * not govern — the page itself runs under its real policy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Result } from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Impacts that fail a test: what keeps someone from using the page (axe's `serious` and `critical`). */
const FAILING_IMPACTS: ReadonlySet<string> = new Set(['serious', 'critical']);

/** axe's violations of the page as it is now, with impact serious or critical. */
export async function seriousViolations(page: Page): Promise<Result[]> {
  if (!(await page.evaluate('typeof axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<Result[]>('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)');
  return violations.filter((v) => v.impact && FAILING_IMPACTS.has(v.impact));
}

/** One line per violation and one per element it names: what to fix, and where. */
export function describeViolations(violations: readonly Result[]): string {
  return violations
    .map((v) =>
      [
        `${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}`,
        ...v.nodes.map((n) => `    ${n.target.join(' ')}: ${(n.failureSummary ?? n.html).replaceAll('\n', '\n      ')}`),
      ].join('\n'),
    )
    .join('\n');
}

/** Fails the test listing every serious or critical violation of the page. */
export async function expectNoSeriousViolations(page: Page): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations.length, `axe on ${page.url()}:\n${describeViolations(violations)}`).toBe(0);
}
