/**
 * The `tritonops` command line: the registry of commands, the options every command takes, and
 * parsing and --help from the commands' own tables (commands/command.ts). Each command module is
 * imported when its command runs (synth, diff and promote load cdk8s); the commands do the work.
 * Commands never import this module: it imports them.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMeanHint, listEnvironments } from '@tritonops/planner';
import { defineCommand, UsageError, type Command, type Invocation, type OptionTable } from './commands/command.ts';
import { reportFailure } from './failures.ts';
import { commandHelp, mainHelp } from './help.ts';
import { inertIo } from './inert-output.ts';
import { EXIT, type Io } from './io.ts';

const VERSION = '0.1.0';

type CommandModule = () => Promise<{ readonly command: Command }>;

/** In the order `tritonops --help` lists them; a module is imported when its command runs. */
const COMMANDS: ReadonlyMap<string, CommandModule> = new Map<string, CommandModule>([
  ['validate', () => import('./commands/validate.ts')],
  ['synth', () => import('./commands/synth.ts')],
  ['canary', () => import('./commands/canary.ts')],
  ['capacity', () => import('./commands/capacity.ts')],
  ['graph', () => import('./commands/graph.ts')],
  ['diff', () => import('./commands/diff.ts')],
  ['promote', () => import('./commands/promote.ts')],
  ['new', () => import('./commands/new.ts')],
  ['ui', () => import('./commands/ui.ts')],
]);

export const GLOBAL_OPTIONS = {
  env: { type: 'string', multiple: true, value: 'name', description: 'Only this environment (repeatable); default: all' },
  root: { type: 'string', value: 'dir', description: 'Repository root (the folder holding environments/); default: found upwards' },
  help: { type: 'boolean', short: 'h', description: 'Show help' },
} as const satisfies OptionTable;

/** Built in, since it needs the registry; it takes any words, so parseArgs never sees them. */
const HELP: Command = defineCommand({
  name: 'help',
  summary: 'Show help for a command',
  usage: ['help [command]'],
  positionals: true,
  description: '',
  options: {},
  exits: [],
  run: async ({ positionals: [topic] }, io): Promise<number> => {
    if (topic === undefined) io.out(mainHelp(VERSION, await allCommands(), GLOBAL_OPTIONS));
    else if (topic === '--help' || topic === '-h' || topic === 'help') io.out(commandHelp(HELP));
    else if (COMMANDS.has(topic)) io.out(commandHelp(await load(topic)));
    else return usage(io, new UsageError(`unknown command "${topic}"`, NAMES, topic));
    return EXIT.ok;
  },
});

const NAMES: readonly string[] = [...COMMANDS.keys(), HELP.name];

async function load(name: string): Promise<Command> {
  const { command } = await COMMANDS.get(name)!();
  if (command.name !== name) throw new Error(`commands/${name}.ts describes a command named "${command.name}"`);
  return command;
}

/** Every command, `help` last: loads every command module. */
export async function allCommands(): Promise<Command[]> {
  return [...(await Promise.all([...COMMANDS.keys()].map(load))), HELP];
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const inert = inertIo(io);
  let root: string | undefined;
  try {
    return await dispatch(argv, inert, (r) => (root = r));
  } catch (error) {
    const code = reportFailure(inert, root ?? io.cwd, error);
    if (code === undefined) throw error;
    return code;
  }
}

async function dispatch(argv: readonly string[], io: Io, setRoot: (root: string) => void): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '-h' || verb === '--help') {
    io.out(mainHelp(VERSION, await allCommands(), GLOBAL_OPTIONS));
    return verb === undefined ? EXIT.usage : EXIT.ok;
  }
  if (verb === '--version' || verb === '-v') {
    io.out(VERSION);
    return EXIT.ok;
  }
  if (verb === HELP.name) return HELP.run({ root: io.cwd, env: [], values: {}, positionals: rest }, io);
  if (!COMMANDS.has(verb)) return usage(io, new UsageError(`unknown command "${verb}"`, NAMES, verb));
  const command = await load(verb);
  try {
    const { values, positionals } = await parse(command, rest);
    if (values.help) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    // parseArgs knows types, not values: `--format jsn` is refused here, with a did-you-mean.
    for (const [name, option] of Object.entries(command.options)) {
      const value = values[name];
      if (option.allowed && typeof value === 'string' && !option.allowed.includes(value))
        throw new UsageError(`unknown ${name} "${value}"`, option.allowed, value);
    }

    const root = values.root ? resolve(io.cwd, String(values.root)) : findRoot(io.cwd);
    setRoot(root);
    if (!existsSync(join(root, 'environments'))) {
      io.err(`error: no environments/ folder in ${root}\n  = hint: run tritonops from the repository root, or pass --root <dir>`);
      return EXIT.usage;
    }
    const known = listEnvironments(root);
    const env = (values.env ?? []) as string[];
    for (const name of env) {
      if (!known.includes(name)) throw new UsageError(`unknown environment "${name}"`, known, name);
    }
    const own = Object.fromEntries(Object.keys(command.options).map((name) => [name, values[name]])) as Invocation['values'];
    return await command.run({ root, env, ...(values.env ? { envs: [...new Set(env)].sort() } : {}), values: own, positionals }, io);
  } catch (error) {
    if (error instanceof UsageError) return usage(io, error, verb);
    throw error;
  }
}

interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: string[];
}

/**
 * Parses with the command's options and the global ones. An option it does not know may be
 * another command's: then the error says whose (every command's table is loaded for that only).
 */
async function parse(command: Command, args: string[]): Promise<Parsed> {
  const config = (options: OptionTable, defaults: boolean) =>
    ({ args, strict: true, allowPositionals: command.positionals, options: parserOptions(options, defaults) }) as const;
  const mine: OptionTable = { ...GLOBAL_OPTIONS, ...command.options };
  try {
    return parseArgs(config(mine, true));
  } catch (error) {
    if (!isParseError(error)) throw error;
    const commands = await allCommands();
    let all: Parsed;
    try {
      all = parseArgs(config(everyOption(commands), false));
    } catch (again) {
      throw isParseError(again) ? new UsageError(again.message) : again;
    }
    if (all.values.help) return all; // help wins, as with options of its own
    const foreign = Object.keys(all.values).filter((name) => !Object.hasOwn(mine, name));
    if (foreign.length === 0) throw new UsageError(error.message);
    throw misplaced(foreign, commands, command.name);
  }
}

function parserOptions(options: OptionTable, defaults: boolean): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, o]) => {
      const initial = !defaults ? {} : o.type === 'boolean' ? { default: false } : o.default !== undefined ? { default: o.default } : {};
      return [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}), ...initial }];
    }),
  );
}

/** The union of every command's options; one name must mean one kind of option everywhere. */
function everyOption(commands: readonly Command[]): OptionTable {
  const all: Record<string, Command['options'][string]> = { ...GLOBAL_OPTIONS };
  for (const command of commands) {
    for (const [name, option] of Object.entries(command.options)) {
      const seen = all[name];
      if (seen && (seen.type !== option.type || seen.multiple !== option.multiple || seen.short !== option.short)) {
        throw new Error(`option --${name} of ${command.name} is parsed differently from another command's --${name}`);
      }
      all[name] = option;
    }
  }
  return all;
}

/** `--from and --to are options of promote, not of synth`: the given options with the first one's owners. */
function misplaced(names: readonly string[], commands: readonly Command[], verb: string): UsageError {
  // Owners alphabetically: the messages read as they did before the tables ("synth and validate").
  const owners = (name: string) =>
    commands
      .filter((c) => Object.hasOwn(c.options, name))
      .map((c) => c.name)
      .sort();
  const first = owners(names[0]!);
  const same = names.filter((name) => owners(name).join() === first.join()).map((name) => `--${name}`);
  return new UsageError(`${list(same)} ${same.length === 1 ? 'is an option' : 'are options'} of ${list(first)}, not of ${verb}`);
}

const list = (words: readonly string[]) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);

function isParseError(error: unknown): error is Error {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');
}

function usage(io: Io, error: UsageError, verb?: string): number {
  const hint = didYouMeanHint(
    error.input ?? '',
    error.input !== undefined ? [...error.candidates] : [],
    error.candidates.length ? `one of: ${error.candidates.join(', ')}` : undefined,
  );
  const lines = [`error: ${error.message}`];
  if (hint) lines.push(`  = hint: ${hint}`);
  lines.push(`Run \`tritonops ${verb ? `${verb} ` : ''}--help\` for usage.`);
  io.err(lines.join('\n'));
  return EXIT.usage;
}

/** The nearest folder upwards from `start` that holds environments/; `start` itself otherwise. */
function findRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'environments'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}
