/**
 * Text from specs and file names, made safe to show: characters a reader cannot see, or would
 * mistake for others, are written as escapes (`\u200B`) and named in a note, so that a message
 * never hides what it is about and a terminal never runs what a spec smuggled in (ESC, CR, bidi
 * overrides).
 *
 * - hidden: controls, format characters (zero-width, bidi), line and paragraph separators, spaces
 *   other than U+0020, default-ignorable, private-use and surrogate code points;
 * - look-alikes: in a word that also has ASCII letters, a letter of another script (Cyrillic "а"
 *   in "replicаs") or a compatibility form of an ASCII character (fullwidth "ｒ").
 */

/** Gives a character's Unicode name (e.g. from the `unicode-name` package); undefined if unknown. */
export type CharacterNamer = (char: string) => string | undefined;

const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Co}\p{Cs}]|(?!\u0020)\p{Zs}/u;
const HIDDEN_GLOBAL = new RegExp(HIDDEN.source, 'gu');
const WORD = /[\p{L}\p{M}\p{N}_]+/gu;
const ASCII_LETTER = /[A-Za-z]/;
const LATIN = /\p{Script=Latin}/u;

/** Cyrillic and Greek letters that print like Latin ones (pairs: the letter, then its twin). */
const LOOKS_LIKE: Record<string, string> = Object.fromEntries(
  [...'аaвBеeкkмMнHоoрpсcтTуyхxіiјjѕsԁdԛqԝwүyһhӏlАAВBЕEКKМMНHОOРPСCТTХXІIЈJЅSҮYαaοoρpνvιiκkυuΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧX'.matchAll(/(.)(.)/gu)].map((m) => [
    m[1]!,
    m[2]!,
  ]),
);
const MARK = /\p{M}/u;

/** Whether `text` holds anything `reveal` would escape: a cheap test before naming characters. */
export function needsReveal(text: string): boolean {
  if (HIDDEN.test(text)) return true;
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return false;
  return lookAlikes(text).size > 0;
}

/** `\uXXXX` per UTF-16 unit: the escape JSON and JavaScript both read, so JSON output stays valid. */
function escape(char: string): string {
  return [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`).join('');
}

function isLookAlike(char: string): boolean {
  if (char.charCodeAt(0) < 0x80) return false;
  // A compatibility form of ASCII (fullwidth, mathematical bold, …), or a letter of another script.
  if (/^[\x21-\x7e]+$/.test(char.normalize('NFKC'))) return true;
  return !LATIN.test(char) && !MARK.test(char);
}

/** Offsets (UTF-16) of look-alike characters in words that mix them with ASCII letters. */
function lookAlikes(text: string): Set<number> {
  const found = new Set<number>();
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    if (!ASCII_LETTER.test(word)) continue;
    let offset = match.index;
    for (const char of word) {
      if (isLookAlike(char)) found.add(offset);
      offset += char.length;
    }
  }
  return found;
}

export interface Revealed {
  /** The text with hidden and look-alike characters escaped. */
  readonly text: string;
  /** Each escaped character once, in order of appearance, e.g. `U+200B ZERO WIDTH SPACE`. */
  readonly characters: readonly string[];
  /** For each UTF-16 offset of the input (and one past its end), the offset in `text`. */
  readonly offsets: readonly number[];
}

/** `text` with hidden characters (and, with `lookAlikes`, look-alike letters) escaped. */
export function reveal(text: string, namer?: CharacterNamer, options: { lookAlikes?: boolean; keep?: string } = {}): Revealed {
  const similar = options.lookAlikes === false ? new Set<number>() : lookAlikes(text);
  const keep = options.keep ?? '';
  const out: string[] = [];
  const offsets: number[] = [];
  const seen = new Map<string, string>();
  let length = 0;
  let index = 0;
  for (const char of text) {
    const hidden = !keep.includes(char) && HIDDEN.test(char);
    const shown = hidden || similar.has(index) ? escape(char) : char;
    if (shown !== char && !seen.has(char)) seen.set(char, describeCharacter(char, namer, hidden));
    for (let i = 0; i < char.length; i++) offsets.push(length);
    out.push(shown);
    length += shown.length;
    index += char.length;
  }
  offsets.push(length);
  return { text: out.join(''), characters: [...seen.values()], offsets };
}

/** `U+200B ZERO WIDTH SPACE (invisible)`, `U+0430 CYRILLIC SMALL LETTER A (looks like "a")`. */
export function describeCharacter(char: string, namer?: CharacterNamer, hidden = HIDDEN.test(char)): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = namer?.(char);
  const label = name ? `${code} ${name}` : code;
  if (hidden) return `${label} (${/\p{Cc}/u.test(char) ? 'a control character' : 'invisible'})`;
  const ascii = LOOKS_LIKE[char] ?? char.normalize('NFKC');
  return /^[\x21-\x7e]+$/.test(ascii) ? `${label} (looks like "${ascii}")` : `${label} (not a Latin letter)`;
}

/** Every hidden character of `text` escaped, nothing named: for terminal output of any origin. */
export function escapeHidden(text: string, keep = '\n\t'): string {
  return text.replace(HIDDEN_GLOBAL, (char) => (keep.includes(char) ? char : escape(char)));
}

/** The first hidden character of `text`, with its UTF-16 offset. */
export function firstHidden(text: string, keep = ''): { char: string; offset: number } | undefined {
  let offset = 0;
  for (const char of text) {
    if (!keep.includes(char) && HIDDEN.test(char)) return { char, offset };
    offset += char.length;
  }
  return undefined;
}
