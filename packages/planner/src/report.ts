/**
 * Building a diagnostic of a spec file: one helper for every check, so that each problem is
 * located, coded and worded the same way. Separate from diagnostics.ts, which source files use.
 */
import type { Diagnostic, Severity } from './diagnostics.ts';
import type { DiagnosticCode } from './diagnostic-codes.ts';
import type { DataPath, SourceFile } from './load/source-file.ts';

/**
 * Collects the problems of one spec file, each located at a data path: at the value by default,
 * at the key for a key that should not be there. The one way checks build a diagnostic.
 */
export function reporter(file: SourceFile, out: Diagnostic[]) {
  const add =
    (severity: Severity) =>
    (path: DataPath, code: DiagnosticCode, message: string, hint?: string, at: 'key' | 'value' = 'value'): void => {
      out.push({ severity, code, file: file.path, ...file.locate(path, at), message, ...(hint ? { hint } : {}) });
    };
  return { error: add('error'), warn: add('warning') };
}
