/** Printing diagnostics: all of them, sorted, each with its source line, then a one-line tally. */
import { formatDiagnostic, type Diagnostic, type SourceFile } from '@tritonops/spec';
import type { Io } from './cli.ts';

export function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], sources: Map<string, SourceFile>): void {
  for (const d of diagnostics) io.err(`${formatDiagnostic(d, sources.get(d.file)?.text)}\n`);
}

export function tally(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
