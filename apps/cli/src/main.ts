/** Process entry point: runs the command, maps crashes to exit code 70 without a stack trace. */
import { EXIT, run } from './cli.ts';

const io = {
  out: (text: string) => process.stdout.write(`${text}\n`),
  err: (text: string) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
};

try {
  process.exitCode = await run(process.argv.slice(2), io);
} catch (error) {
  // Spec problems are reported as diagnostics by the commands; anything thrown is our bug.
  const message = error instanceof Error ? error.message : String(error);
  io.err(`internal error: ${message}\nNothing was written. This is a bug in tritonops; please report it with the command you ran (TRITONOPS_DEBUG=1 shows the stack).`);
  if (process.env.TRITONOPS_DEBUG) io.err(error instanceof Error ? (error.stack ?? '') : '');
  process.exitCode = EXIT.internal;
}
