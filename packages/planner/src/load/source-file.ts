/**
 * A spec file parsed with the `yaml` Document API and a LineCounter, so that any path inside the
 * data (`spec.resources.memory`) can be traced back to `file:line:col`.
 */
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, Lexer, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { Diagnostic, Position } from '../diagnostics.ts';
import type { DiagnosticCode } from '../diagnostic-codes.ts';
import { firstHidden } from './reveal.ts';

/** A spec is a page of YAML; anything this large is a mistake or an attack, and is not read. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Tags of YAML's core schema: the only ones a spec may write (`!!str 1`). Others would be dropped silently. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'seq', 'map'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * How deep a spec may nest: YAML's composer recurses once per level, and a few thousand levels of
 * `[` exhaust the stack (a crash, or worse, a fatal error inside V8). Real specs nest under 20.
 */
const MAX_FLOW_DEPTH = 64;
const MAX_INDENT = 256;

/** Characters YAML allows in a document (its `c-printable`); anything else is refused where it stands. */
const NOT_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** Alias expansions allowed per document: enough for real specs, far too few for a "billion laughs". */
const MAX_ALIAS_COUNT = 100;

export type DataPath = readonly (string | number)[];

export interface Span extends Position {
  readonly length: number;
}

/** What is kept of a file that passed every per-file check, to skip parsing it next time. */
export interface CheckedContent {
  /** The data as written (before schema defaults). */
  readonly written: unknown;
  /** The data with schema defaults filled in. */
  readonly data: unknown;
}

export class SourceFile {
  private parsed: { readonly document: Document.Parsed | undefined; readonly lineCounter: LineCounter } | undefined;

  private constructor(
    /** Path as shown to the user (relative, forward slashes). */
    readonly path: string,
    readonly text: string,
    parsed: { document: Document.Parsed | undefined; lineCounter: LineCounter } | undefined,
    /** The plain data, or undefined when the file could not be parsed. */
    readonly data: unknown,
    readonly parseDiagnostics: Diagnostic[],
    /** For a restored file: the data as written, to answer `has` without parsing the YAML. */
    private readonly written?: unknown,
  ) {
    this.parsed = parsed;
  }

  /**
   * A file whose content was checked before (same bytes): its data comes from the cache, and its
   * YAML is parsed only if a position is asked for.
   */
  static restore(path: string, bytes: Uint8Array, checked: CheckedContent): SourceFile {
    return new SourceFile(path, decodeUtf8(bytes).text, undefined, checked.data, [], checked.written);
  }

  /** The YAML document and line index, parsed on first use for restored files. */
  private get yaml(): { readonly document: Document.Parsed | undefined; readonly lineCounter: LineCounter } {
    if (!this.parsed) {
      const lineCounter = new LineCounter();
      const documents = parseAllDocuments(this.text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
      const document = (Array.isArray(documents) ? documents : []).find((d) => d.contents !== null);
      this.parsed = { document, lineCounter };
    }
    return this.parsed;
  }

  /** The parsed YAML document (parsed on first use for restored files). */
  get document(): Document.Parsed | undefined {
    return this.yaml.document;
  }

  private get lineCounter(): LineCounter {
    return this.yaml.lineCounter;
  }

  /** Parses `bytes`; problems are returned in `parseDiagnostics`, never thrown. */
  static parse(path: string, bytes: Uint8Array): SourceFile {
    const lineCounter = new LineCounter();
    if (bytes.length > MAX_FILE_BYTES) {
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      return new SourceFile(path, '', { document: undefined, lineCounter }, undefined, [
        {
          severity: 'error',
          code: 'file-too-large',
          file: path,
          line: 1,
          col: 1,
          length: 1,
          message: `the file is ${mib(bytes.length)}; a spec file is at most ${mib(MAX_FILE_BYTES)}`,
          hint: 'one model or pipeline per file; move large data (tensors, configs) to the model repository',
        },
      ]);
    }
    const decoded = decodeUtf8(bytes);
    if (decoded.invalidAt !== undefined) {
      const text = decoded.text;
      const pos = positionOfOffset(text, decoded.invalidAt);
      return new SourceFile(path, text, { document: undefined, lineCounter }, undefined, [
        {
          severity: 'error',
          code: 'not-utf8',
          file: path,
          ...pos,
          length: 1,
          message: 'the file is not valid UTF-8',
          hint: 'save the file as UTF-8',
        },
      ]);
    }
    const text = decoded.text;
    const diagnostics: Diagnostic[] = [];
    const raw = NOT_PRINTABLE.exec(text);
    if (raw) {
      return new SourceFile(path, text, { document: undefined, lineCounter }, undefined, [
        {
          severity: 'error',
          code: 'not-printable',
          file: path,
          ...positionOfOffset(text, raw.index),
          length: 1,
          message: `the file contains the character "${raw[0]}", which YAML does not allow`,
          hint: 'delete it; a spec is plain text',
        },
      ]);
    }
    const deep = tooDeep(text);
    if (deep) {
      return new SourceFile(path, text, { document: undefined, lineCounter }, undefined, [
        {
          severity: 'error',
          code: 'too-deep',
          file: path,
          ...positionOfOffset(text, deep.offset),
          length: 1,
          message: deep.message,
          hint: 'a spec is a few levels of keys and lists: flatten it',
        },
      ]);
    }
    const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
    const docs = Array.isArray(documents) ? documents : [];
    const fail = (code: DiagnosticCode, offset: number, message: string, hint?: string) => {
      const { line, col } = lineCounter.linePos(offset);
      diagnostics.push({ severity: 'error', code, file: path, line, col, length: 1, message, ...(hint ? { hint } : {}) });
    };
    for (const doc of docs) {
      // Only the first syntax error of a document: the ones after it are mostly its echoes.
      const e = doc.errors[0];
      if (e) fail('yaml-syntax', e.pos[0], yamlMessage(e.code, e.message, text.slice(e.pos[0], text.indexOf('\n', e.pos[0]) >>> 0)), yamlHint(e.code));
    }
    const withContent = docs.filter((d) => d.contents !== null);
    if (diagnostics.length === 0 && withContent.length === 0) {
      fail('empty-file', 0, 'the file is empty', 'write a spec here (`tritonops new` scaffolds one) or delete the file');
    }
    if (diagnostics.length === 0 && withContent.length > 1) {
      const second = withContent[1]!;
      fail('multiple-documents', second.range[0], 'a spec file holds exactly one YAML document', 'move the second document into a file of its own');
    }
    const document = withContent[0];
    if (diagnostics.length === 0 && document) diagnostics.push(...unsafeNodes(path, text, document, lineCounter));
    let data: unknown;
    if (diagnostics.length === 0 && document) {
      try {
        data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (/alias/i.test(message)) {
          fail(
            'alias-limit',
            document.range[0],
            `YAML aliases expand to too much data (more than ${MAX_ALIAS_COUNT} expansions)`,
            'write the values out instead of using anchors and aliases',
          );
        } else {
          fail('yaml-syntax', document.range[0], message);
        }
      }
    }
    return new SourceFile(path, text, { document, lineCounter }, data, diagnostics);
  }

  /**
   * Where `path` is in the file. `at: 'key'` points at a map key (unknown keys, names), `'value'`
   * at the value. Falls back to the nearest existing ancestor, so it always returns a position.
   */
  locate(path: DataPath, at: 'key' | 'value' = 'value'): Span {
    let node: unknown = this.document?.contents;
    let best: Span = { line: 1, col: 1, length: 1 };
    const spanOf = (n: unknown): Span | undefined => {
      if (!isNode(n) || !n.range) return undefined;
      const [start, valueEnd] = n.range;
      const { line, col } = this.lineCounter.linePos(start);
      const endPos = this.lineCounter.linePos(valueEnd);
      const length = endPos.line === line ? Math.max(1, endPos.col - col) : Math.max(1, this.lineLength(line) - col + 1);
      return { line, col, length };
    };
    best = spanOf(node) ?? best;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return best;
        if (last && at === 'key') return spanOf(pair.key) ?? best;
        best = spanOf(pair.value) ?? spanOf(pair.key) ?? best;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (!item) return best;
        best = spanOf(item) ?? best;
        node = item;
      } else {
        return best;
      }
    }
    return best;
  }

  /** Whether `path` is written in the file (as opposed to filled in by a default). */
  has(path: DataPath): boolean {
    if (this.written !== undefined) return writtenAt(this.written, path);
    let node: unknown = this.document?.contents;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return false;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        if (node === undefined) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  /** The value's node, for callers that need to inspect scalars (e.g. the credentials scan). */
  get root(): Node | undefined {
    const contents = this.document?.contents;
    return isNode(contents) ? contents : undefined;
  }

  /** Position of an offset into the text. */
  position(offset: number): Position {
    return this.lineCounter.linePos(offset);
  }

  /** Position of a node found by walking `root`. */
  spanOfNode(node: Node): Span {
    const [start, valueEnd] = node.range ?? [0, 1];
    const { line, col } = this.lineCounter.linePos(start);
    const end = this.lineCounter.linePos(valueEnd);
    return { line, col, length: end.line === line ? Math.max(1, end.col - col) : 1 };
  }

  private lineLength(line: number): number {
    return this.text.split('\n')[line - 1]?.length ?? 1;
  }
}

/**
 * What YAML allows but a spec must not carry: tags outside the core schema (`!include x` would
 * silently become the string "x"), an alias inside the node it refers to (a structure that never
 * ends), and hidden characters in keys and values (controls, zero-width and bidi characters that
 * make a value differ from what a reviewer reads, or drive a terminal).
 */
function unsafeNodes(file: string, text: string, document: Document.Parsed, lineCounter: LineCounter): Diagnostic[] {
  const found: Diagnostic[] = [];
  const at = (offset: number, length: number, code: DiagnosticCode, message: string, hint: string) =>
    found.push({ severity: 'error', code, file, ...lineCounter.linePos(offset), length: Math.max(1, length), message, hint });
  visit(document, {
    Node(_key, node, path) {
      if (isAlias(node)) {
        const target = node.resolve(document);
        if (target && path.includes(target)) {
          at(
            node.range?.[0] ?? 0,
            node.source.length + 1,
            'recursive-alias',
            `alias "*${node.source}" is inside the node it refers to, so its value never ends`,
            'write the value out instead of using an alias',
          );
        }
        return;
      }
      const start = node.range?.[0] ?? 0;
      if (node.tag && !CORE_TAGS.has(node.tag)) {
        let tagAt = text.lastIndexOf('!', start - 1);
        if (text[tagAt - 1] === '!') tagAt--;
        const shown = node.tag.startsWith('tag:yaml.org,2002:') ? `!!${node.tag.slice('tag:yaml.org,2002:'.length)}` : node.tag;
        at(
          tagAt < 0 ? start : tagAt,
          shown.length,
          'yaml-tag',
          `YAML tag "${shown}" is not supported`,
          'specs are plain YAML: remove the tag (only !!str, !!int, !!float, !!bool, !!null, !!seq and !!map are allowed)',
        );
      }
      if (isScalar(node) && typeof node.value === 'string') {
        const hidden = firstHidden(node.value, '\n\t');
        if (hidden) {
          at(
            start,
            (node.range?.[1] ?? start + 1) - start,
            'hidden-character',
            `this text contains the character "${hidden.char}", which a reader cannot see`,
            'delete it; spec values are plain text',
          );
        }
      }
      return undefined;
    },
  });
  return found;
}

/** Where the text nests deeper than a spec may, found by YAML's own (iterative) lexer before anything recurses. */
function tooDeep(text: string): { offset: number; message: string } | undefined {
  const indent = /^ {257,}/m.exec(text);
  if (indent) return { offset: indent.index, message: `this line is indented by more than ${MAX_INDENT} spaces` };
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    // The lexer's control tokens (document start, flow error end, scalar) are not source text.
    if (token === '\x02' || token === '\x18' || token === '\x1f') continue;
    if (token === '[' || token === '{') {
      depth++;
      if (depth > MAX_FLOW_DEPTH) return { offset, message: `the YAML nests more than ${MAX_FLOW_DEPTH} levels of [ and { here` };
    } else if (token === ']' || token === '}') {
      depth--;
    }
    offset += token.length;
  }
  return undefined;
}

function writtenAt(data: unknown, path: DataPath): boolean {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, String(segment))) return false;
    value = (value as Record<string, unknown>)[String(segment)];
  }
  return true;
}

function decodeUtf8(bytes: Uint8Array): { text: string; invalidAt?: number } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.startsWith('\uFEFF') ? text.slice(1) : text };
  } catch {
    // Find the first bad byte by decoding growing prefixes of valid text.
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const invalidAt = lenient.indexOf('\uFFFD');
    return { text: lenient, invalidAt: invalidAt < 0 ? 0 : invalidAt };
  }
}

function positionOfOffset(text: string, offset: number): Position {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
}

function yamlMessage(code: string, message: string, source: string): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*["']?([^"':\n]+)/.exec(source)?.[1]?.trim();
    return key ? `duplicate key "${key}": it appears twice in the same mapping` : 'duplicate key: it appears twice in the same mapping';
  }
  return `invalid YAML: ${message.split('\n')[0]!.replace(/\s+at line \d+, column \d+.*$/, '')}`;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove one of the two entries; YAML keeps only one of them';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested keys need more spaces than their parent';
    default:
      return undefined;
  }
}
