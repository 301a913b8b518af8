import { describe, expect, it } from 'vitest';
import { escapeHidden, needsReveal, reveal } from '../src/load/reveal.ts';

const names: Record<string, string> = {
  '\u200b': 'ZERO WIDTH SPACE',
  '\u0430': 'CYRILLIC SMALL LETTER A',
  '\u001b': 'ESCAPE',
  '\u202e': 'RIGHT-TO-LEFT OVERRIDE',
};
const namer = (c: string) => names[c];

describe('text shown so that nothing hides in it', () => {
  it('escapes and names hidden characters', () => {
    const r = reveal('a\u200bb\u001b[2J\u202e', namer);
    expect(r.text).toBe('a\\u200Bb\\u001B[2J\\u202E');
    expect(r.characters).toEqual(['U+200B ZERO WIDTH SPACE (invisible)', 'U+001B ESCAPE (a control character)', 'U+202E RIGHT-TO-LEFT OVERRIDE (invisible)']);
  });

  it('reveals look-alike letters only in words that mix them with ASCII', () => {
    expect(reveal('replic\u0430s', namer).text).toBe('replic\\u0430s');
    expect(reveal('replic\u0430s', namer).characters).toEqual(['U+0430 CYRILLIC SMALL LETTER A (looks like "a")']);
    expect(reveal('Zürich модель', namer).text).toBe('Zürich модель');
    expect(reveal('ｒeplicas').text).toBe('\\uFF52eplicas');
  });

  it('maps offsets, so a caret stays under its span', () => {
    const r = reveal('a\u200bb');
    expect(r.offsets).toEqual([0, 1, 7, 8]);
  });

  it('escapes for terminals, keeping newlines and tabs; JSON reads the escapes', () => {
    const text = escapeHidden('x\ty\n\r\u001b\u{1F600}\u{E0001}');
    expect(text).toBe('x\ty\n\\u000D\\u001B\u{1F600}\\uDB40\\uDC01');
    expect(JSON.parse(`"${text.replace(/\t/g, '\\t').replace(/\n/g, '\\n')}"`)).toBe('x\ty\n\r\u001b\u{1F600}\u{E0001}');
    expect(needsReveal('plain ascii → arrows · dots')).toBe(false);
  });
});
