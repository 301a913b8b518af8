/**
 * Helpers of the comment-preserving edits (spec-edit.ts, yaml-patch.ts): an edit is a list of
 * splices of the source text at the ranges the `yaml` library reports, so everything outside
 * them stays byte for byte.
 */
import { isPair, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';

export interface Splice {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

/** `text` with every splice applied; their offsets are all offsets of `text`. */
export function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  for (const s of [...splices].sort((a, b) => b.from - a.from)) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}

export const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
export const columnOf = (text: string, offset: number) => offset - lineStart(text, offset);
export const endOfLine = (text: string, offset: number) => {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
};

/** Source text of a node, re-indented from its own column to `column` (for block collections). */
export function nodeText(text: string, node: Node, column: number): string {
  const [start, end] = node.range!;
  const source = text.slice(start, end).replace(/\s+$/, '');
  const shift = column - columnOf(text, start);
  if (!source.includes('\n') || shift === 0) return source;
  return source
    .split('\n')
    .map((line, i) => (i === 0 ? line : shift > 0 ? ' '.repeat(shift) + line : line.slice(Math.min(-shift, line.length - line.trimStart().length))))
    .join('\n');
}

export function pairOf(map: YAMLMap, key: string): Pair<Node, Node> | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair<Node, Node> | undefined;
}

/** Start of the comment lines right above `offset`'s line that are indented like it. */
export function commentsAbove(text: string, offset: number): number {
  const column = columnOf(text, offset);
  let from = lineStart(text, offset);
  for (;;) {
    if (from === 0) return from;
    const previous = lineStart(text, from - 1);
    const line = text.slice(previous, from - 1);
    if (!/^\s*#/.test(line) || line.length - line.trimStart().length !== column) return from;
    from = previous;
  }
}
