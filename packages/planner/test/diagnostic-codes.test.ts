/**
 * The diagnostic-code registry stays in sync with the checks. The type system does half of it:
 * `Diagnostic['code']` is `DiagnosticCode`, so no source can emit an unregistered code. This test
 * does the other half: every registered code is emitted somewhere (it appears as a string literal
 * in the sources of the planner, the CLI or the charts), every entry is documented, and
 * docs/diagnostics.md is what the registry generates.
 *
 * No code is built dynamically (from a template or a variable): the type checker would refuse a
 * `string` where a `DiagnosticCode` belongs. The one computed choice, `validate --base`'s
 * `twoSteps ? 'needs-two-steps' : 'disruptive-change'` (apps/cli/src/commands/validate.ts),
 * still writes both codes as literals, so the scan finds them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, DIAGNOSTIC_GROUPS, diagnosticsDoc, type DiagnosticCode } from '../src/diagnostic-codes.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const SOURCE_DIRS = ['packages/planner/src', 'apps/cli/src', 'packages/charts/src'];
const REGISTRY = 'packages/planner/src/diagnostic-codes.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

const sources = SOURCE_DIRS.flatMap(sourceFiles)
  .filter((path) => path !== join(repoRoot, REGISTRY))
  .map((path) => readFileSync(path, 'utf8'))
  .join('\n');
const codes = Object.keys(DIAGNOSTIC_CODES) as DiagnosticCode[];

describe('the diagnostic-code registry', () => {
  it('has no dead entries: every code is emitted as a string literal somewhere in the sources', () => {
    const literal = (code: string) => [`'${code}'`, `"${code}"`, `\`${code}\``].some((q) => sources.includes(q));
    expect(codes.filter((code) => !literal(code))).toEqual([]);
  });

  it('gives every code a valid severity, a known group, a one-line description and its docs anchor', () => {
    for (const code of codes) {
      const entry = DIAGNOSTIC_CODES[code];
      expect(['error', 'warning', 'error-or-warning'], code).toContain(entry.severity);
      expect(entry.severity === 'error-or-warning', `${code}: severityNote goes with error-or-warning`).toBe(entry.severityNote !== undefined);
      expect(Object.keys(DIAGNOSTIC_GROUPS), code).toContain(entry.group);
      expect(entry.description.trim(), code).not.toBe('');
      expect(entry.description, code).not.toMatch(/\n/);
      expect(entry.docs).toBe(`docs/diagnostics.md#${code}`);
    }
  });

  it('names codes in kebab case', () => {
    expect(codes.filter((code) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(code))).toEqual([]);
  });

  it('docs/diagnostics.md is what the registry generates (run `npm run diagnostics-doc`)', () => {
    const doc = readFileSync(join(repoRoot, 'docs/diagnostics.md'), 'utf8');
    expect(doc, 'docs/diagnostics.md is stale: run `npm run diagnostics-doc`').toBe(diagnosticsDoc());
    for (const code of codes) expect(doc).toContain(`<a id="${code}"></a>`);
  });
});
