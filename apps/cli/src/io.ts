/**
 * What a command talks to (its two output streams and the folder it was started in) and what it
 * answers with: every exit code tritonops uses, in one table. `tritonops --help` lists the table.
 */

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
}

/** Each code with the line `--help` shows for it; the comment says why the code exists. */
export const EXIT_CODES = {
  /** Everything is fine. */
  ok: { code: 0, meaning: 'success' },
  /** What the specs got wrong: the user fixes the specs (or runs synth), not the command line. */
  problems: { code: 1, meaning: 'problems found: spec errors, or `synth --check` found flux/ out of date' },
  /** The command line is wrong (unknown verb, flag, environment, model or Git revision). */
  usage: { code: 2, meaning: 'usage error: unknown command, option or environment' },
  /** `diff` found changes: distinct from 0 and from errors, so CI can branch on it (like `git diff --exit-code`). */
  changes: { code: 3, meaning: 'diff: changes present' },
  /** A bug in tritonops: nothing was written (sysexits EX_SOFTWARE). */
  internal: { code: 70, meaning: 'internal error in tritonops (nothing was written); please report it' },
  /** The file system refused (read-only, full, no permission): said what was and was not changed (EX_IOERR). */
  io: { code: 74, meaning: 'the file system refused; the message says what was and was not changed' },
  /** Another run holds the repository's lock for longer than we wait: try again later (EX_TEMPFAIL). */
  busy: { code: 75, meaning: 'another tritonops run holds the repository lock; try again later' },
  /** Stopped by SIGINT at a safe point (128 + 2, the shells' convention). */
  interrupted: { code: 130, meaning: 'interrupted (SIGINT) at a safe point: nothing is half written' },
  /** Stopped by SIGTERM at a safe point (128 + 15). */
  terminated: { code: 143, meaning: 'terminated (SIGTERM) at a safe point: nothing is half written' },
} as const;

export type ExitName = keyof typeof EXIT_CODES;

/** The codes by name, for `return EXIT.ok`. */
export const EXIT = Object.fromEntries(Object.entries(EXIT_CODES).map(([name, { code }]) => [name, code])) as {
  readonly [K in ExitName]: (typeof EXIT_CODES)[K]['code'];
};
