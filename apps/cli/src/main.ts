/** Process entry point: runs the command, maps crashes to exit code 70 without a stack trace. */
import { run } from './cli.ts';
import { inertText } from './inert-output.ts';
import { interruption } from './interruption.ts';
import { EXIT } from './io.ts';

// A reader that stops early (`| head`) closes the pipe: the rest of the output has nowhere to go,
// but the command must still finish what it does (a promotion's render) rather than crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const io = {
  out: (text: string) => process.stdout.write(`${text}\n`),
  err: (text: string) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
};

// A signal must never leave flux/ half written: note it, and let the command stop at a safe point
// (before it starts writing) or finish its atomic swap. See output-tree.ts.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interruption.signal) process.exit(signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated); // a second one: give up now
    interruption.signal = signal;
  });
}

try {
  process.exitCode = await run(process.argv.slice(2), io);
  if (interruption.signal) process.exitCode = interruption.signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
} catch (error) {
  // Spec problems are reported as diagnostics by the commands; anything thrown is our bug.
  // Inert like all output: a message may quote what a spec held.
  const message = inertText(error instanceof Error ? error.message : String(error));
  io.err(
    `internal error: ${message}\nNothing was written. This is a bug in tritonops; please report it with the command you ran (TRITONOPS_DEBUG=1 shows the stack).`,
  );
  if (process.env.TRITONOPS_DEBUG) io.err(error instanceof Error ? (error.stack ?? '') : '');
  process.exitCode = EXIT.internal;
}
