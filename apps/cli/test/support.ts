/** Shared helpers of the CLI tests: run the CLI in-process (run-cli.ts), and throw-away copies of the specs. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from './run-cli.ts';

export const REPO = resolve(import.meta.dirname, '../../..');
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
  cpSync(join(REPO, 'environments'), join(root, 'environments'), { recursive: true });
  return root;
}

export function cleanup(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/**
 * Compares `actual` with the golden file `name`; with UPDATE_GOLDEN=1 in the environment, writes
 * it instead (then review the change with git diff).
 */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
