/**
 * Edits of spec files that keep everything a person wrote. The `yaml` Document API finds the
 * nodes; the edit itself replaces only their source text, so comments, key order, quoting, flow
 * or block style and spacing elsewhere stay byte for byte as they were.
 */
import { isMap, isPair, isScalar, isSeq, Lexer, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { RELEASE_FIELDS } from '@tritonops/spec';

export type EditResult = { ok: true; text: string; changes: string[] } | { ok: false; problem: string; hint: string };

interface Splice {
  readonly from: number;
  readonly to: number;
  readonly text: string;
}

function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  for (const s of [...splices].sort((a, b) => b.from - a.from)) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}

const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const columnOf = (text: string, offset: number) => offset - lineStart(text, offset);
const endOfLine = (text: string, offset: number) => {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
};

/** Source text of a node, re-indented from its own column to `column` (for block collections). */
function nodeText(text: string, node: Node, column: number): string {
  const [start, end] = node.range!;
  const source = text.slice(start, end).replace(/\s+$/, '');
  const shift = column - columnOf(text, start);
  if (!source.includes('\n') || shift === 0) return source;
  return source
    .split('\n')
    .map((line, i) => (i === 0 ? line : shift > 0 ? ' '.repeat(shift) + line : line.slice(Math.min(-shift, line.length - line.trimStart().length))))
    .join('\n');
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node> | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair<Node, Node> | undefined;
}

function canaryOf(text: string): { spec: YAMLMap; canary: Pair<Node, YAMLMap> } | { ok: false; problem: string; hint: string } {
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length) return { ok: false, problem: `the file is not valid YAML: ${doc.errors[0]!.message}`, hint: 'run `tritonops validate`' };
  const spec = doc.get('spec', true);
  if (!isMap(spec)) return { ok: false, problem: 'the file has no `spec` mapping', hint: 'run `tritonops validate` first' };
  const canary = pairOf(spec, 'canary');
  if (!canary || !isMap(canary.value)) return { ok: false, problem: 'the model has no canary', hint: 'add a `canary:` block with the next release first' };
  if (pairOf(canary.value, 'analysis')) return { ok: false, problem: 'ANALYSIS', hint: '' };
  return { spec, canary: canary as Pair<Node, YAMLMap> };
}

/**
 * Makes the canary's release the stable release and removes the canary block (with the comment
 * lines right above it). The stable track's Deployment keeps its name, so applying the result is
 * a rolling update of it.
 */
export function promoteCanary(text: string): EditResult {
  const found = canaryOf(text);
  if ('ok' in found) {
    return found.problem === 'ANALYSIS'
      ? {
          ok: false,
          problem: 'this model is under Flagger analysis: Flagger promotes its releases itself',
          hint: 'change the release fields of the model to start a new analysis',
        }
      : found;
  }
  const { spec, canary } = found;
  const canaryKey = canary.key;
  const specColumn = columnOf(text, canaryKey.range![0]);
  const splices: Splice[] = [];
  const changes: string[] = [];
  const inserted: string[] = [];
  for (const field of RELEASE_FIELDS) {
    const next = pairOf(canary.value!, field)?.value;
    if (!next) continue;
    const current = pairOf(spec, field);
    const nextText = nodeText(text, next, specColumn + 2);
    if (current?.value) {
      const [from, to] = current.value.range!;
      const currentText = text.slice(from, to).replace(/\s+$/, '');
      if (currentText !== nextText) changes.push(`${field}: ${currentText.replace(/\s+/g, ' ')} -> ${nextText.replace(/\s+/g, ' ')}`);
      const block = nextText.includes('\n');
      // A block collection starts on the next line: drop the space after the colon too.
      const start = block ? from - (text.slice(0, from).length - text.slice(0, from).trimEnd().length) : from;
      splices.push({ from: start, to: from + currentText.length, text: block ? `\n${' '.repeat(specColumn + 2)}${nextText.trimStart()}` : nextText });
    } else {
      changes.push(`${field}: (none) -> ${nextText.replace(/\s+/g, ' ')}`);
      inserted.push(
        `${' '.repeat(specColumn)}${field}:${nextText.includes('\n') ? `\n${' '.repeat(specColumn + 2)}${nextText.trimStart()}` : ` ${nextText}`}\n`,
      );
    }
  }
  // The canary block goes, with the comment lines that introduce it.
  let from = lineStart(text, canaryKey.range![0]);
  for (;;) {
    const previous = lineStart(text, from - 1);
    if (from === 0 || !/^\s*#/.test(text.slice(previous, from - 1)) || columnOf(text, previous + text.slice(previous).search(/\S/)) !== specColumn) break;
    from = previous;
  }
  const to = endOfLine(text, canary.value!.range![1] - 1);
  splices.push({ from, to, text: inserted.join('') });
  return { ok: true, text: applySplices(text, splices), changes };
}

/** Sets the canary's share of the traffic. */
export function setCanaryWeight(text: string, weight: number): EditResult {
  const found = canaryOf(text);
  if ('ok' in found) {
    return found.problem === 'ANALYSIS'
      ? {
          ok: false,
          problem: 'this model is under Flagger analysis: Flagger sets its weights',
          hint: 'tune `canary.analysis.stepWeight` / `maxWeight` instead',
        }
      : found;
  }
  const current = pairOf(found.canary.value!, 'weight');
  if (current?.value) {
    const [from, to] = current.value.range!;
    const before = text.slice(from, to).trim();
    return {
      ok: true,
      text: applySplices(text, [{ from, to: from + before.length, text: String(weight) }]),
      changes: [`canary.weight: ${before} -> ${weight}`],
    };
  }
  const firstChild = found.canary.value!.items[0] as Pair<Node, Node> | undefined;
  const column = firstChild ? columnOf(text, firstChild.key.range![0]) : columnOf(text, found.canary.key.range![0]) + 2;
  const at = endOfLine(text, found.canary.key.range![0]);
  return {
    ok: true,
    text: applySplices(text, [{ from: at, to: at, text: `${' '.repeat(column)}weight: ${weight}\n` }]),
    changes: [`canary.weight: (none) -> ${weight}`],
  };
}

/** Start of the comment lines right above `offset`'s line that are indented like it. */
function commentsAbove(text: string, offset: number): number {
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

/**
 * The target spec with its release `fields` (MODEL_PROMOTED_FIELDS or PIPELINE_PROMOTED_FIELDS of
 * @tritonops/spec) taken from the source spec: replaced in place where both have them, added at
 * the end of `spec` where only the source has them, removed (with their comments) where only the
 * target has them. Every other field (placement, scale, the canary, …) and every comment stay as
 * they are.
 */
export function copyRelease(targetText: string, sourceText: string, fields: readonly string[]): EditResult {
  const [target, source] = [parseDocument(targetText, { logLevel: 'error' }), parseDocument(sourceText, { logLevel: 'error' })];
  const bad = [target, source].find((d) => d.errors.length > 0);
  if (bad) return { ok: false, problem: `a spec is not valid YAML: ${bad.errors[0]!.message}`, hint: 'run `tritonops validate`' };
  const [tSpec, sSpec] = [target.get('spec', true), source.get('spec', true)];
  if (!isMap(tSpec) || !isMap(sSpec)) return { ok: false, problem: 'a spec file has no `spec` mapping', hint: 'run `tritonops validate`' };
  const firstKey = (tSpec.items[0] as Pair<Node, Node> | undefined)?.key;
  if (!firstKey?.range) return { ok: false, problem: 'the target spec is empty', hint: 'run `tritonops validate`' };
  const column = columnOf(targetText, firstKey.range[0]);
  const splices: Splice[] = [];
  const changes: string[] = [];
  const appended: string[] = [];
  const render = (field: string, node: Node) => {
    const text = nodeText(sourceText, node, column + 2);
    const block = (isMap(node) || isSeq(node)) && !/^[[{]/.test(text);
    return { text, block, line: block ? `${field}:\n${' '.repeat(column + 2)}${text}` : `${field}: ${text}` };
  };
  const isBlock = (t: string, node: Node) => (isMap(node) || isSeq(node)) && !/^[[{]/.test(t.slice(node.range![0]));
  for (const field of fields) {
    const s = pairOf(sSpec, field);
    const t = pairOf(tSpec, field);
    if (s?.value && t?.value) {
      if (JSON.stringify(s.value.toJSON()) === JSON.stringify(t.value.toJSON())) continue;
      const next = render(field, s.value);
      const start = t.value.range![0];
      const end = start + targetText.slice(start, t.value.range![1]).replace(/\s+$/, '').length;
      const wasBlock = isBlock(targetText, t.value);
      const current = targetText.slice(start, end).trim().replace(/\s+/g, ' ');
      changes.push(`${field}: ${current} -> ${next.text.replace(/\s+/g, ' ')}`);
      if (wasBlock && next.block) {
        // Keep the key's line (and its comment); replace the lines of the value.
        splices.push({ from: lineStart(targetText, start), to: end, text: `${' '.repeat(column + 2)}${next.text}` });
      } else if (!wasBlock && !next.block) {
        splices.push({ from: start, to: end, text: next.text });
      } else {
        const keyEnd = t.key.range![1] + 1;
        splices.push({ from: keyEnd, to: end, text: next.block ? `\n${' '.repeat(column + 2)}${next.text}` : ` ${next.text}` });
      }
    } else if (s?.value) {
      const next = render(field, s.value);
      changes.push(`${field}: (none) -> ${next.text.replace(/\s+/g, ' ')}`);
      appended.push(`${' '.repeat(column)}${next.line}\n`);
    } else if (t?.value) {
      changes.push(`${field}: ${targetText.slice(t.value.range![0], t.value.range![1]).trim().replace(/\s+/g, ' ')} -> (none)`);
      splices.push({ from: commentsAbove(targetText, t.key.range![0]), to: endOfLine(targetText, t.value.range![1] - 1), text: '' });
    }
  }
  if (appended.length > 0) {
    const last = tSpec.items[tSpec.items.length - 1] as Pair<Node, Node>;
    const at = endOfLine(targetText, (last.value ?? last.key).range![1] - 1);
    splices.push({ from: at, to: at, text: appended.join('') });
  }
  return { ok: true, text: applySplices(targetText, splices), changes };
}

/**
 * Removes the entry at `path` (a key of a mapping) with the comment lines right above it; a
 * mapping the removal leaves empty goes too (e.g. `annotations:` without its last annotation).
 * Block mappings are edited in place; a flow mapping (`{ … }`) is rewritten by the YAML library,
 * which keeps comments but may respace that mapping. Unchanged text when there is no such entry.
 */
export function removeEntry(text: string, path: readonly string[]): { text: string; removed: boolean } {
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length > 0) return { text, removed: false };
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (!isMap(parent)) return { text, removed: false };
  const pair = pairOf(parent, path[path.length - 1]!);
  if (!pair) return { text, removed: false };
  if (parent.items.length === 1 && path.length > 2) return { text: removeEntry(text, path.slice(0, -1)).text, removed: true };
  if (parent.flow || !pair.key.range) {
    doc.deleteIn(path);
    return { text: doc.toString(), removed: true };
  }
  const end = (pair.value ?? pair.key).range![1];
  return { text: applySplices(text, [{ from: commentsAbove(text, pair.key.range[0]), to: endOfLine(text, end - 1), text: '' }]), removed: true };
}

/** Where each comment of `text` is (from its `#` to the end of the line), as YAML's lexer finds them: never a `#` inside a scalar. */
function commentSpans(text: string): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    // The lexer's markers of a document, a scalar and a flow error are not source text.
    if (token === '\x02' || token === '\x1f' || token === '\x18') continue;
    if (token.startsWith('#')) out.push({ from: offset, to: offset + token.length });
    offset += token.length;
  }
  return out;
}

/**
 * `text` without the comments inside `spec` except those of the `keep` fields (the release): for
 * a spec copied into another environment, whose comments about placement, scale or the cluster
 * ("t4 offers 4 shares per node") describe the source. A comment belongs to the field on whose
 * lines it is or to the next field below it; comments outside `spec` and of kept fields stay, as
 * does everything else byte for byte. Unchanged text when the spec is not a block mapping.
 */
export function dropSpecComments(text: string, keep: readonly string[]): string {
  const doc = parseDocument(text, { logLevel: 'error' });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return text;
  const specPair = pairOf(doc.contents, 'spec');
  if (!specPair?.key.range || !isMap(specPair.value) || specPair.value.flow) return text;
  const regions: { from: number; to: number }[] = [];
  let from = endOfLine(text, specPair.key.range[1]);
  for (const item of specPair.value.items) {
    const pair = item as Pair<Node, Node>;
    const to = endOfLine(text, (pair.value ?? pair.key).range![1] - 1);
    if (!(isScalar(pair.key) && keep.includes(String(pair.key.value)))) regions.push({ from, to });
    from = to;
  }
  // Comment lines indented under `spec` after its last field (a commented-out example) belong to no release field.
  const specColumn = columnOf(text, specPair.key.range[0]);
  const next = doc.contents.items[doc.contents.items.findIndex((p) => p === specPair) + 1] as Pair<Node, Node> | undefined;
  const trailing = { from, to: next?.key.range ? lineStart(text, next.key.range[0]) : text.length };
  const splices: Splice[] = [];
  for (const c of commentSpans(text)) {
    const inTrailing = c.from >= trailing.from && c.from < trailing.to && columnOf(text, c.from) > specColumn;
    if (!inTrailing && !regions.some((r) => c.from >= r.from && c.from < r.to)) continue;
    const start = lineStart(text, c.from);
    const before = text.slice(start, c.from);
    if (before.trim() === '') splices.push({ from: start, to: endOfLine(text, c.from), text: '' });
    else splices.push({ from: start + before.trimEnd().length, to: c.to, text: '' });
  }
  return applySplices(text, splices);
}
