/**
 * The one way tests run the CLI in-process: apps/cli/test and the end-to-end tests in test/ (as
 * `@tritonops/cli/testing`) both use it, so they see the same streams and exit codes.
 */
import { run } from '../src/cli.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tritonops <args>` in `cwd`; each stream's writes are joined by newlines, as main.ts prints them. */
export async function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (t) => out.push(t), err: (t) => err.push(t), cwd });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
