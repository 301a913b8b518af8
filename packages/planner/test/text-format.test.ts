/**
 * The protobuf text-format reader, construct by construct (https://protobuf.dev/reference/protobuf/textformat-spec/),
 * and its syntax errors with their positions.
 */
import { describe, expect, it } from 'vitest';
import { parseTextFormat, type TextField, type TextValue } from '../src/triton/text-format.ts';

function parsed(text: string): TextField[] {
  const result = parseTextFormat(text);
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.message;
}

/** The tree without positions, for compact expectations. */
function plain(fields: TextField[]): unknown[] {
  const value = (v: TextValue): unknown =>
    v.kind === 'message' ? { message: plain(v.fields) } : v.kind === 'number' ? { number: v.value, text: v.text } : { [v.kind]: v.value };
  return fields.map((f) => [f.name, value(f.value)]);
}

function only(text: string): TextValue {
  const fields = parsed(text);
  expect(fields).toHaveLength(1);
  return fields[0]!.value;
}

function problem(text: string): { line: number; column: number; message: string } {
  const result = parseTextFormat(text);
  if (result.ok) throw new Error(`expected a syntax error in ${JSON.stringify(text)}`);
  expect(result.problems).toHaveLength(1);
  return result.problems[0]!;
}

describe('parseTextFormat', () => {
  it('reads fields with line:column positions of names and values', () => {
    const fields = parsed('name: "m"\n  max_batch_size:  8\n');
    expect(fields).toEqual([
      { name: 'name', line: 1, column: 1, value: { kind: 'string', value: 'm', line: 1, column: 7 } },
      { name: 'max_batch_size', line: 2, column: 3, value: { kind: 'number', value: 8, text: '8', line: 2, column: 20 } },
    ]);
  });

  it('skips # comments and all whitespace kinds', () => {
    expect(plain(parsed('# header\nname: "a" # trailing "quote {\n\t\v\f\r\nx: 1#end'))).toEqual([
      ['name', { string: 'a' }],
      ['x', { number: 1, text: '1' }],
    ]);
  });

  it('reads messages as `f { }`, `f: { }`, `f < >` and `f: < >`', () => {
    const text = 'a { x: 1 }\nb: { x: 2 }\nc < x: 3 >\nd: < e { } >';
    expect(plain(parsed(text))).toEqual([
      ['a', { message: [['x', { number: 1, text: '1' }]] }],
      ['b', { message: [['x', { number: 2, text: '2' }]] }],
      ['c', { message: [['x', { number: 3, text: '3' }]] }],
      ['d', { message: [['e', { message: [] }]] }],
    ]);
    const d = parsed(text)[3]!.value;
    expect(d).toMatchObject({ kind: 'message', line: 4, column: 4 });
  });

  it('expands lists of values and of messages into repeated fields, marked as list elements', () => {
    const fields = parsed('dims: [1, -1, 3]\nstep [ { a: 1 }, < a: 2 > ]\nempty: []\ndims: 4');
    expect(plain(fields)).toEqual([
      ['dims', { number: 1, text: '1' }],
      ['dims', { number: -1, text: '-1' }],
      ['dims', { number: 3, text: '3' }],
      ['step', { message: [['a', { number: 1, text: '1' }]] }],
      ['step', { message: [['a', { number: 2, text: '2' }]] }],
      ['dims', { number: 4, text: '4' }],
    ]);
    expect(fields.map((f) => f.list)).toEqual([true, true, true, true, true, undefined]);
    expect(fields[1]!.value).toMatchObject({ line: 1, column: 11 });
  });

  it('accepts , and ; after fields', () => {
    expect(plain(parsed('a: 1, b: "x"; c { d: 2, }; e: t'))).toEqual([
      ['a', { number: 1, text: '1' }],
      ['b', { string: 'x' }],
      ['c', { message: [['d', { number: 2, text: '2' }]] }],
      ['e', { identifier: 't' }],
    ]);
  });

  describe('strings', () => {
    it('single or double quoted, adjacent parts concatenated across lines', () => {
      expect(only(`s: "first " 'second'\n  "third"'"'`)).toMatchObject({ kind: 'string', value: `first secondthird"`, line: 1, column: 4 });
    });

    it('decodes the simple escapes', () => {
      expect(only(String.raw`s: "\a\b\f\n\r\t\v\?\\\'\""`)).toMatchObject({ value: '\x07\b\f\n\r\t\v?\\\'"' });
    });

    it('decodes octal (up to three digits) and hex (up to two digits) bytes as UTF-8', () => {
      expect(only(String.raw`s: "\101\1234\x41\x413\7"`)).toMatchObject({ value: 'AS4AA3\x07' });
      expect(only(String.raw`s: "caf\303\251 \xc3\xa9"`)).toMatchObject({ value: 'café é' });
    });

    it('decodes \\u and \\U escapes to characters, including surrogate pairs', () => {
      expect(only(String.raw`s: "\u00e9\U0001F600\ud83d\ude00\u0041"`)).toMatchObject({ value: 'é😀😀A' });
    });

    it('keeps raw non-ASCII characters', () => {
      expect(only('s: "naïve 😀"')).toMatchObject({ value: 'naïve 😀' });
    });
  });

  describe('numbers', () => {
    it.each([
      ['10', 10],
      ['-10', -10],
      ['0', 0],
      ['0x1F', 31],
      ['-0X10', -16],
      ['0755', 493],
      ['1.5', 1.5],
      ['.5', 0.5],
      ['1.', 1],
      ['1e5', 100000],
      ['2.5E-3', 0.0025],
      ['10f', 10],
      ['1.0F', 1],
      ['-0.5f', -0.5],
    ])('%s', (text, value) => {
      expect(only(`n: ${text}`)).toMatchObject({ kind: 'number', value, text });
    });

    it('keeps the text of an int64 beyond 2^53 exactly', () => {
      expect(only('n: 9223372036854775807')).toMatchObject({ kind: 'number', text: '9223372036854775807' });
    });

    it('allows whitespace and comments between the sign and the number (a separate token)', () => {
      expect(only('n: - # why not\n  2.0')).toMatchObject({ kind: 'number', value: -2, text: '-2.0', line: 1, column: 4 });
    });
  });

  it('reads identifiers: enum values, booleans, inf and nan (with sign)', () => {
    expect(plain(parsed('a: TYPE_FP32 b: true c: False d: t e: inf f: -inf g: nan h: -Infinity'))).toEqual([
      ['a', { identifier: 'TYPE_FP32' }],
      ['b', { identifier: 'true' }],
      ['c', { identifier: 'False' }],
      ['d', { identifier: 't' }],
      ['e', { identifier: 'inf' }],
      ['f', { identifier: '-inf' }],
      ['g', { identifier: 'nan' }],
      ['h', { identifier: '-Infinity' }],
    ]);
  });

  it('reads extension and Any field names in brackets', () => {
    expect(plain(parsed('[com.foo.ext]: 10\nany { [type.googleapis.com/com.foo.Any] { x: "y" } }'))).toEqual([
      ['[com.foo.ext]', { number: 10, text: '10' }],
      ['any', { message: [['[type.googleapis.com/com.foo.Any]', { message: [['x', { string: 'y' }]] }]] }],
    ]);
  });

  it('a number may be followed directly by punctuation, not by letters', () => {
    expect(plain(parsed('foo: 10,bar: 20 baz: 10[a.b]: 1'))).toHaveLength(4);
    expect(problem('foo: 10bar: 20')).toEqual({ line: 1, column: 6, message: expect.stringContaining('"10bar" is not a number') });
    expect(problem('foo: 08')).toMatchObject({ line: 1, column: 6, message: expect.stringContaining('"08"') });
    expect(problem('foo: 0x')).toMatchObject({ line: 1, column: 6 });
  });

  it('returns an empty message for an empty or comment-only file', () => {
    expect(parsed('')).toEqual([]);
    expect(parsed('# nothing\n\n')).toEqual([]);
  });

  describe('syntax errors, with positions', () => {
    it('unterminated string (end of line, end of file)', () => {
      expect(problem('name: "abc\nplatform: "x"')).toEqual({ line: 1, column: 7, message: 'unterminated string: no closing " before the end of the line' });
      expect(problem("a: 1\nname: 'abc")).toEqual({ line: 2, column: 7, message: "unterminated string: no closing ' before the end of the file" });
    });

    it('unbalanced braces', () => {
      expect(problem('input {\n  name: "x"\n')).toMatchObject({ line: 3, column: 1, message: 'missing "}": the file ends inside a message' });
      expect(problem('input { name: "x" }\n}')).toMatchObject({ line: 2, column: 1, message: 'expected a field name, found "}"' });
      expect(problem('input < name: "x" }')).toMatchObject({ line: 1, column: 19, message: 'expected a field name, found "}"' });
    });

    it('bad escapes', () => {
      expect(problem(String.raw`s: "ok\q"`)).toMatchObject({ line: 1, column: 7, message: expect.stringContaining('bad escape: a backslash followed by "q"') });
      expect(problem(String.raw`s: "\x"`)).toMatchObject({ line: 1, column: 5, message: expect.stringContaining('\\x needs one or two hex digits') });
      expect(problem(String.raw`s: "\u12"`)).toMatchObject({ line: 1, column: 5, message: expect.stringContaining('exactly 4 hex digits') });
      expect(problem(String.raw`s: "\U00110000"`)).toMatchObject({ message: expect.stringContaining('not a Unicode character') });
      expect(problem(String.raw`s: "\ud83d"`)).toMatchObject({ message: expect.stringContaining('surrogate pair') });
      expect(problem(String.raw`s: "\400"`)).toMatchObject({ message: expect.stringContaining('more than one byte') });
    });

    it('escaped bytes that are not UTF-8', () => {
      expect(problem(String.raw`s: "\377"`)).toMatchObject({ line: 1, column: 4, message: expect.stringContaining('valid UTF-8') });
    });

    it('a scalar without ":"; a list of values without ":"; mixed lists', () => {
      expect(problem('name "x"')).toMatchObject({ line: 1, column: 6, message: 'expected ":" or "{" after the field name name, found ""x""' });
      expect(problem('dims [1, 2]')).toMatchObject({ line: 1, column: 6, message: expect.stringContaining('needs ":"') });
      expect(problem('a: [1, {}]')).toMatchObject({ message: 'the list of a mixes messages and plain values' });
      expect(problem('a: [1 2]')).toMatchObject({ line: 1, column: 7, message: 'expected "," or "]" in the list of a, found "2"' });
    });

    it('a missing value, a stray character, a broken extension name', () => {
      expect(problem('a: }')).toMatchObject({ line: 1, column: 4, message: 'expected a value for a, found "}"' });
      expect(problem('a: 1\n  b: @')).toMatchObject({ line: 2, column: 6, message: 'unexpected character "@"' });
      expect(problem('[a.b: 1')).toMatchObject({ line: 1, column: 1, message: expect.stringContaining('"]"') });
    });

    it('refuses nesting deeper than protobuf allows instead of overflowing the stack', () => {
      expect(problem('a {'.repeat(200) + '}'.repeat(200))).toMatchObject({ message: expect.stringContaining('nested more than 100 deep') });
      expect(parseTextFormat('a {'.repeat(50) + '}'.repeat(50)).ok).toBe(true);
    });
  });
});
