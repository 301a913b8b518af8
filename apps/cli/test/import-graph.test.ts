/**
 * The CLI's modules import each other without a cycle. cli.ts imports every command (when it is
 * used), so a command, or anything a command imports, that imports cli.ts closes a loop. Edges are
 * every import the TypeScript scanner sees: static, `import type`, re-exports and `import()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Every module under `dir` (as a /-separated relative path) with the modules under `dir` it imports. */
export function importGraph(dir: string): Map<string, string[]> {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split(sep).join('/'))
    .sort();
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(dir, file), 'utf8'), true, true);
    const local = importedFiles.map((i) => i.fileName).filter((spec) => spec.startsWith('.'));
    graph.set(file, [
      ...new Set(
        local.map((spec) =>
          relative(dir, resolve(dir, dirname(file), spec))
            .split(sep)
            .join('/'),
        ),
      ),
    ]);
  }
  return graph;
}

/** The cycles a depth-first walk meets, each as the path that closes it: a.ts → b.ts → a.ts. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'walking' | 'done'>();
  const path: string[] = [];
  const found: string[][] = [];
  const walk = (file: string) => {
    state.set(file, 'walking');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'walking') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) walk(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) walk(file);
  return found;
}

describe('the import graph of apps/cli/src', () => {
  const graph = importGraph(SRC);

  it('sees the imports it must see', () => {
    // A scanner that missed dynamic imports or re-exports would find no cycle for the wrong reason.
    expect(graph.get('cli.ts')).toEqual(expect.arrayContaining(['io.ts', 'commands/synth.ts', 'commands/validate.ts']));
    expect(
      findCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['a.ts']],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts', 'a.ts']]);
  });

  it('has no cycle', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('imports cli.ts only from the entry points', () => {
    const importers = [...graph].filter(([, imports]) => imports.includes('cli.ts')).map(([file]) => file);
    expect(importers.filter((file) => file !== 'main.ts' && file !== 'index.ts')).toEqual([]);
  });
});

// The packages' own modules: the planner, the charts and the spec language (they depend on each
// other one way, by package name, so a cycle can only be within one).
describe.each(['packages/spec/src', 'packages/planner/src', 'packages/charts/src'])('the import graph of %s', (dir) => {
  const graph = importGraph(resolve(import.meta.dirname, '../../..', dir));

  it('has modules to check', () => {
    expect(graph.size).toBeGreaterThan(5);
  });

  it('has no cycle', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([]);
  });
});
