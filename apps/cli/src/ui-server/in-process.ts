/**
 * How the panel's routes run the CLI's own code in the server's process: with an `Io` that
 * captures (or drops) what a command prints, and holding the repository lock for a short wait
 * only. The server answers one request at a time, so a route that waited the CLI's ten minutes
 * for another run's lock (a `tritonops synth` in another terminal) would freeze the whole panel;
 * after `LOCK_WAIT_MS` it gives up with `LockBusy`, which the server answers with the CLI's words.
 */
import { reportFailure } from '../failures.ts';
import type { Io } from '../io.ts';
import { withRepositoryLock } from '../repository-lock.ts';

/** How long a request waits for another run to release the repository lock. */
export const LOCK_WAIT_MS = 2000;

/** An `Io` that keeps what is printed: stdout and stderr lines, in order. */
export function capturingIo(root: string): Io & { readonly stdout: string[]; readonly stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => stdout.push(t), err: (t) => stderr.push(t), cwd: root, stdout, stderr };
}

/** Runs `work` holding the repository lock, as the CLI's writing commands do, but waiting `LOCK_WAIT_MS` at most. */
export function withPanelLock<T>(root: string, work: () => Promise<T>): Promise<T> {
  // Nothing to print: the only thing the lock says is that it waits.
  return withRepositoryLock(root, capturingIo(root), work, { waitMs: LOCK_WAIT_MS });
}

export interface Captured {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a CLI command in-process with captured streams; what the repository or machine refused is reported as the CLI reports it. */
export async function capture(root: string, command: (io: Io) => Promise<number>): Promise<Captured> {
  const io = capturingIo(root);
  let exitCode: number;
  try {
    exitCode = await command(io);
  } catch (error) {
    const code = reportFailure(io, root, error);
    if (code === undefined) throw error;
    exitCode = code;
  }
  return { exitCode, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n').trimEnd() };
}
