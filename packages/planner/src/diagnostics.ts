/**
 * Compiler-grade diagnostics: every problem names its file and position, says what is wrong in
 * one sentence and, where we can tell, how to fix it. All of them are collected and reported in
 * one run, sorted by file and position.
 */

import { reveal, type CharacterNamer } from './load/reveal.ts';
import type { DiagnosticCode } from './diagnostic-codes.ts';

export type Severity = 'error' | 'warning';

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
}

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable identifier of the kind of problem, e.g. `unknown-key`; tests and tools match on it. */
  readonly code: DiagnosticCode;
  /** Path of the spec file, relative to the working directory, with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Length of the offending span on its line (for the caret underline); at least 1. */
  readonly length: number;
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string;
}

export class DiagnosticBag {
  readonly #items: Diagnostic[] = [];

  add(diagnostic: Diagnostic): void {
    this.#items.push(diagnostic);
  }

  addAll(diagnostics: Iterable<Diagnostic>): void {
    for (const d of diagnostics) this.add(d);
  }

  get errors(): Diagnostic[] {
    return this.sorted().filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.sorted().filter((d) => d.severity === 'warning');
  }

  get hasErrors(): boolean {
    return this.#items.some((d) => d.severity === 'error');
  }

  /** Sorted by file, position, then message, without duplicates: the order never depends on check order. */
  sorted(): Diagnostic[] {
    const seen = new Set<string>();
    const unique = this.#items.filter((d) => {
      const key = `${d.file}\0${d.line}\0${d.col}\0${d.code}\0${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return unique.sort(compareDiagnostics);
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return compareStrings(a.file, b.file) || a.line - b.line || a.col - b.col || compareStrings(a.severity, b.severity) || compareStrings(a.message, b.message);
}

/** Code-point order: independent of the locale, unlike `localeCompare`. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `file:line:col: error: message`, then the source line with a caret under the span, then the hint.
 * `sourceText` is the text of the file when it was read as a spec (never any other file's).
 *
 * What came from a spec or a file name is shown inert: hidden characters (controls, zero-width,
 * bidi overrides) and look-alike letters are escaped as `\uXXXX` and named in a note, so a message
 * can neither hide what it is about nor drive the terminal. `namer` gives characters their Unicode
 * names (the CLI passes the `unicode-name` package).
 */
export function formatDiagnostic(d: Diagnostic, sourceText?: string, namer?: CharacterNamer): string {
  const characters = new Set<string>();
  const shown = (text: string) => {
    const r = reveal(text, namer);
    r.characters.forEach((c) => characters.add(c));
    return r.text;
  };
  const out = [`${shown(d.file)}:${d.line}:${d.col}: ${d.severity}: ${shown(d.message)}`];
  const line = sourceText?.split(/\r?\n/)[d.line - 1];
  if (line !== undefined && line.trim() !== '') {
    const gutter = String(d.line).length;
    // Tabs become one space each, so that the caret stays under the span.
    const frame = reveal(line.replace(/\t/g, ' '), namer, { lookAlikes: false });
    frame.characters.forEach((c) => characters.add(c));
    const start = frame.offsets[Math.min(line.length, Math.max(0, d.col - 1))]!;
    const end = frame.offsets[Math.min(line.length, Math.max(0, d.col - 1 + d.length))]!;
    const text = frame.text.length > 160 ? `${frame.text.slice(0, 157)}...` : frame.text;
    const caretLength = Math.max(1, Math.min(end - start, text.length - start));
    out.push(`${' '.repeat(gutter)} |`);
    out.push(`${d.line} | ${text}`);
    out.push(`${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, start))}${'^'.repeat(caretLength)}`);
  }
  if (d.hint) out.push(`  = hint: ${shown(d.hint)}`);
  for (const c of characters) out.push(`  = note: ${c}`);
  return out.join('\n');
}
