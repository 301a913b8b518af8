/**
 * Writes new data into an existing YAML file as the smallest edit of its text: the control panel
 * sends a spec's whole data, and a person's file must keep its comments, its aligned end-of-line
 * comments and its flow maps. `yaml`'s Document.toString() respaces all of those, so this walks
 * the old nodes against the new data and splices only the source ranges whose data changed.
 * Named list items (`- name: …`) are matched by name, so adding or removing a step touches only
 * that step's lines. The result is checked: it must read back as the requested data.
 */
import { isMap, isScalar, isSeq, parseAllDocuments, parse, Scalar, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { applySplices, columnOf, commentsAbove, endOfLine, lineStart, type Splice } from './source-splice.ts';

export type PatchResult = { ok: true; text: string } | { ok: false; problem: string; hint: string };

type Data = null | boolean | number | string | Data[] | { [key: string]: Data };
type DataMap = { [key: string]: Data };

/** Where a node sits, which decides how a rewrite of it is written. */
type Place = { kind: 'root' } | { kind: 'flow' } | { kind: 'mapValue'; key: Node; keyColumn: number } | { kind: 'seqItem' };

interface Edit {
  readonly text: string;
  readonly doc: Document;
  /** Columns one nesting level adds in this file. */
  readonly step: number;
  readonly splices: Splice[];
}

/** Shows `next`'s data in `text`, changing only the parts of the text whose data differs. */
export function patchYaml(text: string, next: unknown): PatchResult {
  const json = JSON.stringify(next);
  if (json === undefined) return { ok: false, problem: 'there is no data to write', hint: 'send the whole data of the spec' };
  const target = JSON.parse(json) as Data;
  const docs = parseAllDocuments(text, { logLevel: 'error' });
  if (!Array.isArray(docs) || docs.length !== 1) {
    return { ok: false, problem: `the file holds ${Array.isArray(docs) ? docs.length : 0} YAML documents, not one`, hint: 'a spec file holds one document' };
  }
  const doc = docs[0]!;
  if (doc.errors.length > 0) return { ok: false, problem: `the file is not valid YAML: ${doc.errors[0]!.message}`, hint: 'fix the file by hand first' };
  if (!doc.contents) return { ok: false, problem: 'the file holds no data', hint: 'write a new spec file instead' };
  const edit: Edit = { text, doc, step: indentStep(text, doc.contents), splices: [] };
  patchNode(edit, doc.contents, target, { kind: 'root' });
  // Applied from the end: at one offset, a replacement before an insertion (so that it does not
  // eat the inserted text), and the insertions of an outer map before those of its inner ones (so
  // that the inner map's new lines come first).
  const ordered = edit.splices.map((s, i) => ({ ...s, i })).sort((a, b) => b.from - a.from || b.to - a.to || b.i - a.i);
  const result = applySplices(text, ordered);
  if (!readsAs(result, target)) {
    return {
      ok: false,
      problem: 'internal: the edit did not produce the requested data',
      hint: 'edit the file by hand, and report the change that failed',
    };
  }
  return { ok: true, text: result };
}

function readsAs(text: string, target: Data): boolean {
  const docs = parseAllDocuments(text, { logLevel: 'silent' });
  if (!Array.isArray(docs) || docs.length !== 1 || docs[0]!.errors.length > 0) return false;
  return sameData(JSON.parse(JSON.stringify(docs[0]!.toJS() ?? null)) as Data, target);
}

/** Equal data; the order of a map's keys does not count. */
function sameData(a: Data, b: Data): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]!));
  }
  if (isDataMap(a) || isDataMap(b)) {
    if (!isDataMap(a) || !isDataMap(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameData(a[k]!, b[k]!));
  }
  return a === b;
}

const isDataMap = (value: Data | undefined): value is DataMap => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalarData = (value: Data): value is null | boolean | number | string => value === null || typeof value !== 'object';
const dataOf = (edit: Edit, node: Node): Data => JSON.parse(JSON.stringify(node.toJS(edit.doc) ?? null)) as Data;

const isBlock = (node: Node | null): boolean => (isMap(node) || isSeq(node)) && !node.flow;

/** The offset right after a node's last character of content (no trailing comment or blank line). */
function contentEnd(text: string, node: Node): number {
  if (isBlock(node)) {
    const last = (node as YAMLMap | YAMLSeq).items.at(-1) as Pair<Node, Node | null> | Node;
    if (isMap(node)) {
      const pair = last as Pair<Node, Node | null>;
      return contentEnd(text, pair.value ?? pair.key);
    }
    return contentEnd(text, last as Node);
  }
  const [start, end] = node.range!;
  let to = end;
  while (to > start && /\s/.test(text[to - 1]!)) to--;
  return to;
}

/** Columns between a block map's key and its block map value's keys; 2 when the file shows none. */
function indentStep(text: string, root: Node): number {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items as Pair<Node, Node | null>[]) {
        const value = pair.value;
        if (isMap(value) && !value.flow && !node.flow && value.items.length > 0) {
          const step = columnOf(text, (value.items[0] as Pair<Node>).key.range![0]) - columnOf(text, pair.key.range![0]);
          if (step > 0) return step;
        }
        if (value) stack.push(value);
      }
    } else if (isSeq(node)) stack.push(...(node.items as Node[]));
  }
  return 2;
}

function patchNode(edit: Edit, node: Node, next: Data, place: Place): void {
  if (sameData(dataOf(edit, node), next)) return;
  if (isScalar(node) && isScalarData(next)) return replaceScalar(edit, node, next, place);
  if (isMap(node) && isDataMap(next) && Object.keys(next).length > 0) return patchMap(edit, node, next, place);
  if (isSeq(node) && Array.isArray(next) && next.length > 0) return patchSeq(edit, node, next, place);
  replaceNode(edit, node, next, place);
}

function replaceScalar(edit: Edit, node: Scalar, next: null | boolean | number | string, place: Place): void {
  const [start] = node.range!;
  const end = contentEnd(edit.text, node);
  const written = scalarText(next, place.kind === 'flow', node);
  // An empty value (`key:`) has no space after the colon to keep.
  const space = start === end && place.kind === 'mapValue' && !/\s/.test(edit.text[start - 1] ?? '') ? ' ' : '';
  edit.splices.push({ from: start, to: end, text: space + written });
}

// ---- maps ----

function patchMap(edit: Edit, map: YAMLMap, next: DataMap, place: Place): void {
  const { text } = edit;
  const pairs = map.items as Pair<Node, Node | null>[];
  if (pairs.some((p) => !isScalar(p.key) || !p.key.range || !p.value?.range)) return replaceNode(edit, map, next, place);
  const keyOf = (p: Pair<Node, Node | null>) => String((p.key as Scalar).value);
  const survivors = pairs.filter((p) => Object.hasOwn(next, keyOf(p)));
  if (survivors.length === 0) return replaceNode(edit, map, next, place);
  const childPlace = (p: Pair<Node, Node | null>): Place =>
    map.flow ? { kind: 'flow' } : { kind: 'mapValue', key: p.key, keyColumn: columnOf(text, p.key.range![0]) };
  for (const pair of survivors) patchNode(edit, pair.value!, next[keyOf(pair)]!, childPlace(pair));
  const starts = pairs.map((p) => p.key.range![0]);
  const ends = pairs.map((p) => contentEnd(text, p.value!));
  if (map.flow) removeFlowItems(edit, pairs, starts, ends, (p) => Object.hasOwn(next, keyOf(p)));
  else removeBlockPairs(edit, pairs, (p) => Object.hasOwn(next, keyOf(p)));

  // New keys go after the old key that precedes them in `next`, in `next`'s order.
  const oldKeys = new Set(pairs.map(keyOf));
  const compact = !map.flow && text.slice(lineStart(text, starts[0]!), starts[0]).trim() !== '';
  const groups = new Map<Pair<Node, Node | null> | 'first', string[]>();
  let anchor: Pair<Node, Node | null> | 'first' = compact ? survivors.at(-1)! : 'first';
  for (const key of Object.keys(next)) {
    if (oldKeys.has(key)) {
      anchor = survivors.find((p) => keyOf(p) === key)!;
      continue;
    }
    const value = next[key]!;
    const written = map.flow
      ? `${keyText(key, true)}: ${flowText(value)}`
      : blockEntry(keyText(key, false), render(value, siblingLike(map, value), edit.step), columnOf(text, starts[0]!), edit.step);
    groups.set(anchor, [...(groups.get(anchor) ?? []), written]);
  }
  for (const [at, entries] of groups) {
    if (map.flow) {
      if (at === 'first') edit.splices.push(insertion(survivors[0]!.key.range![0], entries.map((e) => `${e}, `).join('')));
      else edit.splices.push(insertion(contentEnd(text, at.value!), entries.map((e) => `, ${e}`).join('')));
    } else if (at === 'first') edit.splices.push(insertion(commentsAbove(text, survivors[0]!.key.range![0]), entries.join('')));
    else edit.splices.push(linesAfter(text, contentEnd(text, at.value!), entries.join('')));
  }
}

/** Removes the pairs of a block map that `keep` refuses, each with the comment lines above it. */
function removeBlockPairs(edit: Edit, pairs: Pair<Node, Node | null>[], keep: (p: Pair<Node, Node | null>) => boolean): void {
  const { text } = edit;
  const firstStart = pairs[0]!.key.range![0];
  const firstKept = pairs.findIndex(keep);
  pairs.forEach((pair, i) => {
    if (keep(pair)) return;
    if (i < firstKept && text.slice(lineStart(text, firstStart), firstStart).trim() !== '') {
      // `- name: x` lost its first keys: the first kept key moves up onto the dash line.
      if (i === 0) edit.splices.push({ from: firstStart, to: pairs[firstKept]!.key.range![0], text: '' });
      return;
    }
    edit.splices.push({ from: commentsAbove(text, pair.key.range![0]), to: endOfLine(text, contentEnd(text, pair.value!) - 1), text: '' });
  });
}

/**
 * Removes the items of a flow collection that `keep` refuses: an item before a kept one goes with
 * the comma after it, the items after the last kept one with the comma before them.
 */
function removeFlowItems<T>(edit: Edit, items: T[], starts: number[], ends: number[], keep: (item: T) => boolean): void {
  const lastKept = items.findLastIndex(keep);
  items.forEach((item, i) => {
    if (keep(item)) return;
    if (i < lastKept) edit.splices.push({ from: starts[i]!, to: starts[i + 1]!, text: '' });
    else if (i === lastKept + 1) edit.splices.push({ from: ends[lastKept]!, to: ends.at(-1)!, text: '' });
  });
}

const insertion = (at: number, text: string): Splice => ({ from: at, to: at, text });

/** Lines inserted after the line that holds `offset` (with a line break first at the end of a file without one). */
function linesAfter(text: string, offset: number, lines: string): Splice {
  const at = endOfLine(text, offset - 1);
  return insertion(at, at === text.length && !text.endsWith('\n') ? `\n${lines}` : lines);
}

/** `key: value` as the lines of a block map at `column`. */
function blockEntry(key: string, value: Rendered, column: number, step: number): string {
  const indent = ' '.repeat(column);
  if ('inline' in value) return `${indent}${key}: ${value.inline}\n`;
  return `${indent}${key}:\n${value.lines.map((l) => `${indent}${' '.repeat(step)}${l}\n`).join('')}`;
}

/** A value of the map of the same kind as `value` (another signature, another tensor list), whose style a new value follows. */
function siblingLike(map: YAMLMap, value: Data): Node | undefined {
  return (map.items as Pair<Node, Node | null>[]).map((p) => p.value ?? undefined).find((node) => node && sameKind(node, value));
}

function sameKind(node: Node, value: Data): boolean {
  if (isMap(node) && isDataMap(value)) return (node.items as Pair<Node>[]).some((p) => isScalar(p.key) && Object.hasOwn(value, String(p.key.value)));
  if (isSeq(node) && Array.isArray(value)) {
    const [first] = node.items as Node[];
    return first !== undefined && value.length > 0 && (isScalar(first) ? isScalarData(value[0]!) : sameKind(first, value[0]!));
  }
  return false;
}

// ---- sequences ----

function nameOf(item: Node | Data): string | undefined {
  if (isMap(item)) {
    const name = item.get('name', true);
    return isScalar(name) && typeof name.value === 'string' ? name.value : undefined;
  }
  return isDataMap(item as Data) && typeof (item as DataMap).name === 'string' ? ((item as DataMap).name as string) : undefined;
}

const unique = (names: (string | undefined)[]): names is string[] => names.every((n) => n !== undefined) && new Set(names).size === names.length;

function patchSeq(edit: Edit, seq: YAMLSeq, next: Data[], place: Place): void {
  const items = seq.items as Node[];
  const itemPlace: Place = seq.flow ? { kind: 'flow' } : { kind: 'seqItem' };
  if (items.some((item) => !item?.range)) return replaceNode(edit, seq, next, place);
  const oldNames = items.map(nameOf);
  const nextNames = next.map(nameOf);
  if (items.length > 0 && unique(oldNames) && unique(nextNames)) return patchNamedSeq(edit, seq, oldNames, next, nextNames, place);
  if (items.length !== next.length) return replaceNode(edit, seq, next, place);
  items.forEach((item, i) => patchNode(edit, item, next[i]!, itemPlace));
}

/** Items matched by name: kept ones patched in place, removed ones cut out, new ones inserted in the style of their siblings. */
function patchNamedSeq(edit: Edit, seq: YAMLSeq, oldNames: string[], next: Data[], nextNames: string[], place: Place): void {
  const { text } = edit;
  const items = seq.items as YAMLMap[];
  const kept = oldNames.filter((n) => nextNames.includes(n));
  // Reordered items: no splice keeps them apart, so the list is written again.
  if (kept.length === 0 || kept.join('\0') !== nextNames.filter((n) => oldNames.includes(n)).join('\0')) return replaceNode(edit, seq, next, place);
  const itemPlace: Place = seq.flow ? { kind: 'flow' } : { kind: 'seqItem' };
  items.forEach((item, i) => {
    const at = nextNames.indexOf(oldNames[i]!);
    if (at >= 0) patchNode(edit, item, next[at]!, itemPlace);
  });
  const starts = items.map((item) => item.range![0]);
  const ends = items.map((item) => contentEnd(text, item));
  const keep = (item: YAMLMap) => nextNames.includes(nameOf(item)!);
  const dashOf = (item: Node) => text.lastIndexOf('-', item.range![0] - 1);
  if (seq.flow) removeFlowItems(edit, items, starts, ends, keep);
  else {
    for (const item of items) {
      if (!keep(item)) edit.splices.push({ from: commentsAbove(text, dashOf(item)), to: endOfLine(text, contentEnd(text, item) - 1), text: '' });
    }
  }
  const groups = new Map<YAMLMap | 'first', string[]>();
  let anchor: YAMLMap | 'first' = 'first';
  next.forEach((value, i) => {
    const old = oldNames.indexOf(nextNames[i]!);
    if (old >= 0) {
      anchor = items[old]!;
      return;
    }
    const sibling = items.find((item) => sameKind(item, value));
    let written: string;
    if (seq.flow) written = flowText(value);
    else {
      const dashColumn = columnOf(text, dashOf(items[0]!));
      const itemColumn = columnOf(text, starts[0]!);
      const rendered = render(value, sibling, edit.step);
      const lines = 'inline' in rendered ? [rendered.inline] : rendered.lines;
      written =
        `${' '.repeat(dashColumn)}-${' '.repeat(Math.max(itemColumn - dashColumn - 1, 1))}${lines[0]}\n` +
        lines
          .slice(1)
          .map((l) => `${' '.repeat(itemColumn)}${l}\n`)
          .join('');
    }
    groups.set(anchor, [...(groups.get(anchor) ?? []), written]);
  });
  const firstKept = items.find(keep)!;
  for (const [at, entries] of groups) {
    if (seq.flow) {
      if (at === 'first') edit.splices.push(insertion(firstKept.range![0], entries.map((e) => `${e}, `).join('')));
      else edit.splices.push(insertion(contentEnd(text, at), entries.map((e) => `, ${e}`).join('')));
    } else if (at === 'first') edit.splices.push(insertion(commentsAbove(text, dashOf(firstKept)), entries.join('')));
    else edit.splices.push(linesAfter(text, contentEnd(text, at), entries.join('')));
  }
}

// ---- writing a node whole ----

/** A value as YAML: one line (a scalar or a flow collection) or the lines of a block collection, unindented. */
type Rendered = { inline: string } | { lines: string[] };

/** Writes `next` in place of `node`, in `node`'s style where it is a collection of the same kind. */
function replaceNode(edit: Edit, node: Node, next: Data, place: Place): void {
  const { text } = edit;
  const start = node.range![0];
  const end = contentEnd(text, node);
  if (place.kind === 'flow') return void edit.splices.push({ from: start, to: end, text: flowText(next) });
  const rendered = render(next, node, edit.step);
  if (place.kind === 'root') {
    return void edit.splices.push({ from: start, to: end, text: 'inline' in rendered ? rendered.inline : rendered.lines.join('\n') });
  }
  if (place.kind === 'seqItem') {
    const column = columnOf(text, start);
    const written = 'inline' in rendered ? rendered.inline : rendered.lines.map((l, i) => (i === 0 ? l : `\n${' '.repeat(column)}${l}`)).join('');
    return void edit.splices.push({ from: start, to: end, text: written });
  }
  const colon = text.indexOf(':', place.key.range![1]) + 1;
  const wasBlock = isBlock(node);
  const column = wasBlock ? columnOf(text, start) : place.keyColumn + edit.step;
  if ('inline' in rendered) {
    if (!wasBlock) {
      const space = start === end && !/\s/.test(text[start - 1] ?? '') ? ' ' : '';
      return void edit.splices.push({ from: start, to: end, text: space + rendered.inline });
    }
    // The key's line keeps its end-of-line comment; the block's lines go.
    edit.splices.push(insertion(colon, ` ${rendered.inline}`));
    edit.splices.push({ from: endOfLine(text, colon), to: endOfLine(text, end - 1), text: '' });
    return;
  }
  const lines = rendered.lines.map((l) => `${' '.repeat(column)}${l}`);
  if (wasBlock) return void edit.splices.push({ from: lineStart(text, start), to: end, text: lines.join('\n') });
  if (end > colon) edit.splices.push({ from: colon, to: end, text: '' });
  edit.splices.push(linesAfter(text, Math.max(end, colon), lines.map((l) => `${l}\n`).join('')));
}

/**
 * `value` as YAML, following `like` (the node it replaces, or a sibling of the same kind): flow
 * where that is flow, block where it is block. Without one, short lists of scalars (`shape: [1, 2]`)
 * are flow and everything else block.
 */
function render(value: Data, like: Node | undefined, step: number): Rendered {
  if (isScalarData(value)) return { inline: scalarText(value, false, isScalar(like) ? like : undefined) };
  const entries = Array.isArray(value) ? value : Object.entries(value);
  if (entries.length === 0) return { inline: Array.isArray(value) ? '[]' : '{}' };
  const sameType = Array.isArray(value) ? isSeq(like) : isMap(like);
  const flow = sameType ? !!(like as YAMLMap | YAMLSeq).flow : Array.isArray(value) && value.every(isScalarData) && flowText(value).length <= 40;
  if (flow) return { inline: flowText(value) };
  const lines: string[] = [];
  if (Array.isArray(value)) {
    const likeItems = isSeq(like) ? (like.items as Node[]) : [];
    for (const item of value) {
      const named = nameOf(item);
      const itemLike =
        likeItems.find((n) => named !== undefined && nameOf(n) === named) ?? likeItems.find((n) => sameKind(n, item) || (isScalar(n) && isScalarData(item)));
      const r = render(item, itemLike, step);
      if ('inline' in r) lines.push(`- ${r.inline}`);
      else lines.push(`- ${r.lines[0]}`, ...r.lines.slice(1).map((l) => `  ${l}`));
    }
    return { lines };
  }
  for (const [key, item] of Object.entries(value)) {
    const r = render(item, isMap(like) ? ((like.get(key, true) as Node | undefined) ?? undefined) : undefined, step);
    if ('inline' in r) lines.push(`${keyText(key, false)}: ${r.inline}`);
    else lines.push(`${keyText(key, false)}:`, ...r.lines.map((l) => `${' '.repeat(step)}${l}`));
  }
  return { lines };
}

function flowText(value: Data): string {
  if (isScalarData(value)) return scalarText(value, true);
  if (Array.isArray(value)) return `[${value.map(flowText).join(', ')}]`;
  const entries = Object.entries(value);
  return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${keyText(k, true)}: ${flowText(v)}`).join(', ')} }`;
}

// ---- scalars ----

/**
 * A scalar as YAML writes it here: numbers and booleans plain; a string in the quotes it had when
 * they still fit, else plain when YAML (1.2 and 1.1) reads it back as the same string, else
 * double-quoted (`"true"`, `"1"`, `""`, `"a: b"`, `"# x"`).
 */
function scalarText(value: null | boolean | number | string, inFlow: boolean, old?: Scalar): string {
  if (typeof value !== 'string') return String(value);
  if (old?.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (old?.type === Scalar.QUOTE_SINGLE && !hasControlCharacter(value)) return `'${value.replaceAll("'", "''")}'`;
  return plainReadsBack(value, inFlow) ? value : JSON.stringify(value);
}

/** Tabs, line breaks and other control characters: only double quotes can hold them. */
const hasControlCharacter = (value: string) => [...value].some((c) => c.charCodeAt(0) < 0x20 || c === '\x7f');

const keyText = (key: string, inFlow: boolean) => (plainReadsBack(key, inFlow) ? key : JSON.stringify(key));

function plainReadsBack(value: string, inFlow: boolean): boolean {
  if (value === '' || value !== value.trim() || hasControlCharacter(value)) return false;
  if (/^[,[\]{}#&*!|>'"%@`]/.test(value) || /^[-?:](\s|$)/.test(value)) return false;
  if (value.includes(': ') || value.includes(' #') || value.endsWith(':')) return false;
  if (inFlow && /[,[\]{}]/.test(value)) return false;
  const same = (version: '1.1' | '1.2') => {
    try {
      return parse(value, { version }) === value;
    } catch {
      return false;
    }
  };
  return same('1.2') && same('1.1');
}
