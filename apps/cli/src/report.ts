/** Printing diagnostics: all of them, sorted, each with its source line, then a one-line tally. */
import { formatDiagnostic, needsReveal, type CharacterNamer, type Diagnostic, type SourceFile } from '@tritonops/planner';
import type { Io } from './io.ts';

/**
 * Unicode names for the characters a message reveals (`U+200B ZERO WIDTH SPACE`). The table is
 * large (about 50 ms to load), so it is loaded only when a diagnostic has such a character.
 */
async function characterNamer(diagnostics: readonly Diagnostic[], sources: Map<string, SourceFile>): Promise<CharacterNamer | undefined> {
  const texts = diagnostics.flatMap((d) => [d.file, d.message, d.hint ?? '', sources.get(d.file)?.text.split('\n')[d.line - 1] ?? '']);
  if (!texts.some(needsReveal)) return undefined;
  const { unicodeReadableName } = await import('unicode-name');
  return (char) => unicodeReadableName(char);
}

export async function reportDiagnostics(io: Io, diagnostics: readonly Diagnostic[], sources: Map<string, SourceFile>): Promise<void> {
  const namer = await characterNamer(diagnostics, sources);
  for (const d of diagnostics) io.err(`${formatDiagnostic(d, sources.get(d.file)?.text, namer)}\n`);
}

export function tally(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
