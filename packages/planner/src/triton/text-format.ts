/**
 * A reader for protobuf TEXT FORMAT (https://protobuf.dev/reference/protobuf/textformat-spec/),
 * the language of Triton's config.pbtxt. It knows no schema: it turns the text into a tree of
 * named fields with line:column positions, and model-config.ts gives the tree its meaning. A
 * tokenizer (lexical elements: strings, numbers, identifiers, punctuation; whitespace and `#`
 * comments between them) feeds a recursive-descent parser of the spec's grammar.
 */

export interface TextField {
  name: string;
  line: number;
  column: number;
  value: TextValue;
  /** Set when the value was one element of a `[a, b]` list (only repeated fields may use lists). */
  list?: true;
}

export type TextValue =
  | { kind: 'message'; fields: TextField[]; line: number; column: number }
  | { kind: 'string'; value: string; line: number; column: number }
  | { kind: 'number'; value: number; text: string; line: number; column: number }
  | { kind: 'identifier'; value: string; line: number; column: number };

export interface TextProblem {
  line: number;
  column: number;
  message: string;
}

export type TextParse = { ok: true; message: TextField[] } | { ok: false; problems: TextProblem[] };

/** Deeper nesting than protobuf's own parsers allow is refused rather than risking the stack. */
export const MAX_DEPTH = 100;

type Token =
  | { type: 'ident'; text: string; line: number; column: number }
  | { type: 'number'; text: string; line: number; column: number }
  | { type: 'string'; text: string; value: string; line: number; column: number }
  | { type: 'punct'; text: string; line: number; column: number }
  | { type: 'eof'; text: ''; line: number; column: number };

class SyntaxProblem extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a whole text-format message; stops at the first syntax error (later ones are often its echoes). */
export function parseTextFormat(text: string): TextParse {
  try {
    const parser = new Parser(new Lexer(text));
    return { ok: true, message: parser.parseTop() };
  } catch (error) {
    if (error instanceof SyntaxProblem) return { ok: false, problems: [{ line: error.line, column: error.column, message: error.message }] };
    throw error;
  }
}

/**
 * The integer a number literal spells (decimal, octal `0755` or hex `0x1F`, with an optional
 * `-`), exactly, or undefined for a floating-point literal (`1.5`, `1e3`, `10f`).
 */
export function integerValue(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  let value: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) value = BigInt(digits);
  else if (/^0[0-7]+$/.test(digits)) value = BigInt(`0o${digits.slice(1)}`);
  else if (/^(0|[1-9][0-9]*)$/.test(digits)) value = BigInt(digits);
  else return undefined;
  return negative ? -value : value;
}

/** Whether a number literal is decimal (floats and double fields take no octal or hex). */
export function isDecimalLiteral(text: string): boolean {
  const digits = text.startsWith('-') ? text.slice(1) : text;
  return !/^0[xX]/.test(digits) && !/^0[0-7]/.test(digits);
}

// ---------------------------------------------------------------------------------------------
// Lexical elements

const HEX_INT = /0[xX][0-9a-fA-F]+/y;
const OCT_INT = /0[0-7]+/y;
const DEC_INT = /0|[1-9][0-9]*/y;
const FLOAT = /(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|(?:0|[1-9][0-9]*)(?:\.[0-9]*(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+))[fF]?|(?:0|[1-9][0-9]*)[fF]/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const PUNCTUATION = new Set([':', '{', '}', '<', '>', '[', ']', ',', ';', '-', '/', '.']);
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '?': 63, '\\': 92, "'": 39, '"': 34 };
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /[0-9a-fA-F]/.test(c);
}

class Lexer {
  private offset = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  next(): Token {
    this.skipSpaceAndComments();
    const line = this.line;
    const column = this.offset - this.lineStart + 1;
    const c = this.text[this.offset];
    if (c === undefined) return { type: 'eof', text: '', line, column };
    if (c === '"' || c === "'") return this.string(c, line, column);
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(this.text[this.offset + 1] ?? ''))) return this.number(line, column);
    const ident = this.match(IDENT);
    if (ident) return { type: 'ident', text: ident, line, column };
    if (PUNCTUATION.has(c)) {
      this.offset += 1;
      return { type: 'punct', text: c, line, column };
    }
    const shown = c.codePointAt(0)! < 0x20 ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `"${c}"`;
    throw new SyntaxProblem(line, column, `unexpected character ${shown}`);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.text[this.offset];
      if (c === '\n') {
        this.offset += 1;
        this.line += 1;
        this.lineStart = this.offset;
      } else if (c === ' ' || c === '\t' || c === '\v' || c === '\f' || c === '\r') {
        this.offset += 1;
      } else if (c === '#') {
        while (this.offset < this.text.length && this.text[this.offset] !== '\n') this.offset += 1;
      } else {
        return;
      }
    }
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.offset;
    const found = pattern.exec(this.text)?.[0];
    if (found) this.offset += found.length;
    return found;
  }

  /** The longest of the numeric literals wins (`10f` is a FLOAT, not `10` then `f`). */
  private number(line: number, column: number): Token {
    const start = this.offset;
    let longest = '';
    for (const pattern of [HEX_INT, OCT_INT, DEC_INT, FLOAT]) {
      pattern.lastIndex = start;
      const found = pattern.exec(this.text)?.[0] ?? '';
      if (found.length > longest.length) longest = found;
    }
    this.offset = start + longest.length;
    const after = this.text[this.offset];
    if (longest === '' || isIdentChar(after)) {
      let end = this.offset;
      while (isIdentChar(this.text[end]) || this.text[end] === '.') end += 1;
      throw new SyntaxProblem(
        line,
        column,
        `"${this.text.slice(start, end)}" is not a number (a number must not run into letters or digits it cannot contain)`,
      );
    }
    return { type: 'number', text: longest, line, column };
  }

  private string(quote: string, line: number, column: number): Token {
    const start = this.offset;
    this.offset += 1;
    const bytes: number[] = [];
    for (;;) {
      const c = this.text[this.offset];
      if (c === undefined || c === '\n') {
        throw new SyntaxProblem(line, column, `unterminated string: no closing ${quote} before the end of the ${c === undefined ? 'file' : 'line'}`);
      }
      if (c === quote) {
        this.offset += 1;
        break;
      }
      if (c === '\\') {
        this.escape(bytes);
        continue;
      }
      const point = this.text.codePointAt(this.offset)!;
      if (point < 0x80) bytes.push(point);
      else bytes.push(...utf8.encode(String.fromCodePoint(point)));
      this.offset += point > 0xffff ? 2 : 1;
    }
    let value: string;
    try {
      value = strictUtf8.decode(new Uint8Array(bytes));
    } catch {
      throw new SyntaxProblem(line, column, 'the escapes in this string do not form valid UTF-8 (use \\u escapes for characters)');
    }
    return { type: 'string', text: this.text.slice(start, this.offset), value, line, column };
  }

  /** One escape sequence at the backslash; appends its bytes. */
  private escape(bytes: number[]): void {
    const line = this.line;
    const column = this.offset - this.lineStart + 1;
    const letter = this.text[this.offset + 1];
    this.offset += 2;
    if (letter !== undefined && letter in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[letter]!);
      return;
    }
    if (letter !== undefined && /[0-7]/.test(letter)) {
      let digits = letter;
      while (digits.length < 3 && /[0-7]/.test(this.text[this.offset] ?? '')) digits += this.text[this.offset++];
      const value = parseInt(digits, 8);
      if (value > 0xff) throw new SyntaxProblem(line, column, `octal escape \\${digits} is more than one byte (at most \\377)`);
      bytes.push(value);
      return;
    }
    if (letter === 'x') {
      let digits = '';
      while (digits.length < 2 && isHex(this.text[this.offset])) digits += this.text[this.offset++];
      if (digits === '') throw new SyntaxProblem(line, column, 'hex escape \\x needs one or two hex digits');
      bytes.push(parseInt(digits, 16));
      return;
    }
    if (letter === 'u' || letter === 'U') {
      const width = letter === 'u' ? 4 : 8;
      const digits = this.text.slice(this.offset, this.offset + width);
      if (digits.length < width || ![...digits].every(isHex)) {
        throw new SyntaxProblem(line, column, `unicode escape \\${letter} needs exactly ${width} hex digits`);
      }
      this.offset += width;
      let point = parseInt(digits, 16);
      if (point >= 0xd800 && point <= 0xdbff && letter === 'u') {
        // A UTF-16 pair written as two \u escapes: take the low half that must follow.
        const low = /^\\u(d[c-f][0-9a-f]{2})/i.exec(this.text.slice(this.offset, this.offset + 6));
        if (!low) throw new SyntaxProblem(line, column, `\\u${digits} is half of a surrogate pair; its low half (\\uDC00-\\uDFFF) must follow`);
        this.offset += 6;
        point = 0x10000 + ((point - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
      }
      if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) {
        throw new SyntaxProblem(line, column, `\\${letter}${digits} is not a Unicode character`);
      }
      bytes.push(...utf8.encode(String.fromCodePoint(point)));
      return;
    }
    const shown = letter === undefined || letter === '\n' ? 'the end of the line' : `"${letter}"`;
    throw new SyntaxProblem(
      line,
      column,
      `bad escape: a backslash followed by ${shown} (escapes are \\n \\t \\r \\\\ \\' \\" \\a \\b \\f \\v \\? \\NNN \\xHH \\uHHHH \\UHHHHHHHH)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Syntax

const CLOSING: Record<string, string> = { '{': '}', '<': '>' };

class Parser {
  private token: Token;

  constructor(private readonly lexer: Lexer) {
    this.token = lexer.next();
  }

  parseTop(): TextField[] {
    return this.fields('', 0);
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  private isPunct(text: string): boolean {
    return this.token.type === 'punct' && this.token.text === text;
  }

  private fail(message: string, at: Token = this.token): never {
    throw new SyntaxProblem(at.line, at.column, message);
  }

  private describe(token: Token): string {
    return token.type === 'eof' ? 'the end of the file' : `"${token.text}"`;
  }

  /** Fields up to `closing` (or the end of the file at the top). */
  private fields(closing: string, depth: number): TextField[] {
    const fields: TextField[] = [];
    for (;;) {
      if (closing === '' ? this.token.type === 'eof' : this.isPunct(closing)) return fields;
      if (this.token.type === 'eof') this.fail(`missing "${closing}": the file ends inside a message`);
      this.field(fields, depth);
    }
  }

  private field(into: TextField[], depth: number): void {
    const nameToken = this.token;
    const name = this.fieldName();
    const colon = this.isPunct(':');
    if (colon) this.advance();
    const push = (value: TextValue, list?: true) => into.push({ name, line: nameToken.line, column: nameToken.column, value, ...(list ? { list } : {}) });
    if (this.isPunct('{') || this.isPunct('<')) {
      push(this.messageValue(depth));
    } else if (this.isPunct('[')) {
      const open = this.advance();
      let messages: boolean | undefined;
      while (!this.isPunct(']')) {
        if (messages !== undefined) {
          if (!this.isPunct(',')) this.fail(`expected "," or "]" in the list of ${name}, found ${this.describe(this.token)}`);
          this.advance();
        }
        const isMessage = this.isPunct('{') || this.isPunct('<');
        if (messages !== undefined && messages !== isMessage) this.fail(`the list of ${name} mixes messages and plain values`);
        messages = isMessage;
        if (!isMessage && !colon) this.fail(`a list of values needs ":" after the field name (${name}: [...])`, open);
        push(isMessage ? this.messageValue(depth) : this.scalar(name), true);
      }
      this.advance();
    } else {
      if (!colon) this.fail(`expected ":" or "{" after the field name ${name}, found ${this.describe(this.token)}`);
      push(this.scalar(name));
    }
    if (this.isPunct(';') || this.isPunct(',')) this.advance();
  }

  /** `name`, `[extension.name]` or `[type.googleapis.com/Any.type]`. */
  private fieldName(): string {
    if (this.token.type === 'ident') return this.advance().text;
    if (!this.isPunct('[')) this.fail(`expected a field name, found ${this.describe(this.token)}`);
    const open = this.advance();
    let name = this.dottedName();
    if (this.isPunct('/')) {
      this.advance();
      name = `${name}/${this.dottedName()}`;
    }
    if (!this.isPunct(']')) this.fail(`expected "]" to close the extension name [${name}`, open);
    this.advance();
    return `[${name}]`;
  }

  private dottedName(): string {
    if (this.token.type !== 'ident') this.fail(`expected a type name, found ${this.describe(this.token)}`);
    let name = this.advance().text;
    while (this.isPunct('.')) {
      this.advance();
      if (this.token.type !== 'ident') this.fail(`expected a name after ".", found ${this.describe(this.token)}`);
      name += `.${this.advance().text}`;
    }
    return name;
  }

  private messageValue(depth: number): TextValue {
    if (depth >= MAX_DEPTH) this.fail(`messages are nested more than ${MAX_DEPTH} deep`);
    const open = this.advance();
    const closing = CLOSING[open.text]!;
    const fields = this.fields(closing, depth + 1);
    this.advance();
    return { kind: 'message', fields, line: open.line, column: open.column };
  }

  private scalar(name: string): TextValue {
    const start = this.token;
    if (start.type === 'string') {
      let value = '';
      for (let part = this.token; part.type === 'string'; part = this.token) {
        value += part.value;
        this.advance();
      }
      return { kind: 'string', value, line: start.line, column: start.column };
    }
    // The sign is a token of its own: whitespace and comments may follow it.
    const sign = this.isPunct('-') ? this.advance().text : '';
    const token = this.token;
    if (token.type === 'number') {
      this.advance();
      const text = sign + token.text;
      return { kind: 'number', value: numberValue(text), text, line: start.line, column: start.column };
    }
    if (token.type === 'ident') {
      this.advance();
      return { kind: 'identifier', value: sign + token.text, line: start.line, column: start.column };
    }
    return this.fail(`expected a value for ${name}, found ${this.describe(token)}`);
  }
}

function numberValue(text: string): number {
  const integer = integerValue(text);
  if (integer !== undefined) return Number(integer);
  return Number(text.replace(/[fF]$/, ''));
}
