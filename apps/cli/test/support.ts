/** Shared helpers of the CLI tests: run the CLI in-process (run-cli.ts), and throw-away copies of the specs. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from './run-cli.ts';

const REPO = resolve(import.meta.dirname, '../../..');
/**
 * The bundled example environments these tests and their goldens describe: a fixture copy, never
 * the repository's environments/, which holds a team's own specs (see test/team-specs.test.ts).
 */
export const BUNDLED = join(REPO, 'test/fixtures/bundled');
export const GOLDEN = resolve(import.meta.dirname, 'golden');

export type { CliResult };

/** `runCli` with the folder first, as these tests read best. */
export function cli(cwd: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, cwd);
}

/** A temporary folder with a copy of the bundled environments; `cleanup()` removes them all. */
const roots: string[] = [];
export function copyOfEnvironments(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), `tritonops-${prefix}-`));
  roots.push(root);
  cpSync(join(BUNDLED, 'environments'), join(root, 'environments'), { recursive: true });
  return root;
}

export function cleanup(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/**
 * Compares `actual` byte for byte with the golden file `name` (vitest's file snapshot); `vitest -u`
 * rewrites it instead (then review the change with git diff).
 */
export async function expectGolden(name: string, actual: string): Promise<void> {
  await expect(actual).toMatchFileSnapshot(join(GOLDEN, name));
}
