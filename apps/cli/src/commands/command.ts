/**
 * What a `tritonops` command is: its name, synopsis, options and exit codes as data, next to the
 * code that runs it. cli.ts parses the command line and writes `--help` from this data alone, so
 * what a command accepts and what its help says cannot drift apart. Each commands/<verb>.ts
 * exports one `command`; cli.ts imports the module only when the command is used.
 */
import type { ExitName, Io } from '../io.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The value's name in help (`--base <git-ref>`); not needed when `allowed` lists the values. */
  readonly value?: string;
  /** The only values accepted; any other is a usage error with a did-you-mean. */
  readonly allowed?: readonly string[];
  /** The value when the option is not given (booleans: false). */
  readonly default?: string;
  /** Repeatable: every value is kept. */
  readonly multiple?: boolean;
  /** A one-letter alias (`-h`). */
  readonly short?: string;
  /** For --help: wrapped by hand, continuation lines are indented to the description's column. */
  readonly description: string;
}

/** Options by long name, without the dashes. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** What parsing gives for a table: booleans are always set, values with a default too. */
export type OptionValues<O extends OptionTable> = {
  readonly [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K]['multiple'] extends true
      ? string[] | undefined
      : (O[K] extends { readonly allowed: readonly (infer V)[] } ? V : string) | (O[K] extends { readonly default: string } ? never : undefined);
};

/** A parsed command line, after the global options were checked. */
export interface Invocation<O extends OptionTable = OptionTable> {
  /** The repository root: holds environments/. */
  readonly root: string;
  /** --env as given, repeats kept: commands on one environment check there is exactly one. */
  readonly env: readonly string[];
  /** --env once each, sorted; undefined: every environment. */
  readonly envs?: string[];
  readonly values: OptionValues<O>;
  readonly positionals: readonly string[];
}

export interface Command<O extends OptionTable = OptionTable> {
  readonly name: string;
  /** Its line in `tritonops --help`. */
  readonly summary: string;
  /** The synopsis, one form per entry, each following "tritonops ". */
  readonly usage: readonly string[];
  /** Whether it takes positional arguments; without, parsing refuses them. */
  readonly positionals: boolean;
  /** The body of its --help, wrapped by hand at 100 columns. */
  readonly description: string;
  /** Its own options; --env, --root and --help are every command's (cli.ts). */
  readonly options: O;
  /** The exit codes it uses and what each means here, in the order its help lists them. */
  readonly exits: readonly (readonly [ExitName, string])[];
  run(invocation: Invocation<O>, io: Io): Promise<number>;
}

/** Types `run`'s option values from the table written in place. */
export function defineCommand<const O extends OptionTable>(command: Command<O>): Command<O> {
  return command;
}

/** A command line the command cannot run: cli.ts prints it with a hint and exits with EXIT.usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** What the user could have meant: a did-you-mean when one is close, else the list. */
    readonly candidates: readonly string[] = [],
    /** The word to match against `candidates`. */
    readonly input?: string,
  ) {
    super(message);
  }
}

/** What the commands on all or some environments take. */
export interface CommonOptions {
  readonly root: string;
  readonly envs?: string[];
}
