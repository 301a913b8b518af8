/**
 * Diagnostics as the panel shows them: the validator's own words and position, plus the path of
 * the data node at that position, so that a form can put the message under its field and the
 * pipeline editor under its wire.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Diagnostic, SourceFile } from '@tritonops/planner';
import type { ApiDiagnostic } from '@tritonops/ui/api';

type DataPath = (string | number)[];

/** The path of the innermost node (or map key) that holds `offset`, e.g. `['spec', 'steps', 1, 'timeoutSeconds']`. */
function dataPathAt(text: string, line: number, col: number): DataPath | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, logLevel: 'silent' });
  const offset = (lineCounter.lineStarts[line - 1] ?? text.length) + col - 1;
  const within = (node: unknown): node is Node =>
    !!node && typeof node === 'object' && 'range' in node && !!(node as Node).range && (node as Node).range![0] <= offset && offset <= (node as Node).range![1];
  const walk = (node: unknown, path: DataPath): DataPath => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (within(pair.key)) return [...path, key];
        if (within(pair.value)) return walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) if (within(item)) return walk(item, [...path, i]);
    }
    return path;
  };
  if (!doc.contents) return undefined;
  return walk(doc.contents, []);
}

export function toApiDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, SourceFile>): ApiDiagnostic[] {
  return diagnostics.map((d) => {
    const text = sources.get(d.file)?.text;
    const path = text === undefined ? undefined : dataPathAt(text, d.line, d.col);
    return {
      severity: d.severity,
      code: d.code,
      file: d.file,
      line: d.line,
      col: d.col,
      message: d.message,
      ...(d.hint !== undefined ? { hint: d.hint } : {}),
      ...(path && path.length > 0 ? { path } : {}),
    };
  });
}
