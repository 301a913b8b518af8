/**
 * The planner runs no process: what it needs from Git (the promotion gate's history) the caller
 * passes in, through `ReleaseHistory`. Read from the sources, so a new import anywhere fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');
// Spelled in two parts so that a grep of the planner for the module's name finds no file, this one included.
const MODULE = ['child', 'process'].join('_');
// The module as a specifier: `from '…'`, `import('…')`, `require('…')`, with or without `node:`.
const SPECIFIER = new RegExp(`['"\`](node:)?${MODULE}['"\`]`);

describe('the planner', () => {
  it("imports Node's module for child processes in no source file", () => {
    const sources = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => /\.[cm]?[jt]s$/.test(f));
    expect(sources).toContain('check/promotion-gate.ts');
    expect(SPECIFIER.test(`import { spawnSync } from 'node:${MODULE}';`)).toBe(true);
    expect(sources.filter((f) => SPECIFIER.test(readFileSync(join(SRC, f), 'utf8')))).toEqual([]);
  });
});
