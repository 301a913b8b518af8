/**
 * `--help` text, written from the same tables the command line is parsed with (each command's
 * options, commands/command.ts) and from the exit codes (io.ts): help cannot promise an option
 * or a code that does not exist.
 */
import type { Command, OptionSpec, OptionTable } from './commands/command.ts';
import { EXIT_CODES } from './io.ts';

/** Where generated lines wrap; descriptions are wrapped by hand to the same width. */
const WIDTH = 100;

/** Two columns: labels padded to the longest plus `gap`; the text's own line breaks keep its column. */
function columns(rows: readonly (readonly [string, string])[], gap: number): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + gap;
  return rows.map(([label, text]) => `  ${label.padEnd(width)}${text.split('\n').join(`\n  ${' '.repeat(width)}`)}`);
}

function optionLabel(name: string, option: OptionSpec): string {
  const value = option.allowed ? ` ${option.allowed.join('|')}` : option.value ? ` <${option.value}>` : '';
  return `${option.short ? `-${option.short}, ` : ''}--${name}${value}`;
}

function optionRows(options: OptionTable): [string, string][] {
  return Object.entries(options).map(([name, option]) => [
    optionLabel(name, option),
    `${option.description}${option.default !== undefined ? `; default: ${option.default}` : ''}`,
  ]);
}

/** `Exit codes: 0 …, 1 ….`, wrapped at WIDTH between codes, never inside one. */
function exitCodes(exits: Command['exits']): string {
  const lines = ['Exit codes:'];
  exits.forEach(([name, meaning], i) => {
    const item = `${EXIT_CODES[name].code} ${meaning}${i === exits.length - 1 ? '.' : ','}`;
    if (lines.at(-1)!.length + 1 + item.length > WIDTH) lines.push(item);
    else lines[lines.length - 1] += ` ${item}`;
  });
  return lines.join('\n');
}

/** `tritonops <command> --help`: synopsis, description, its own options, its exit codes. */
export function commandHelp(command: Command): string {
  const [first, ...more] = command.usage;
  const sections = [[`Usage: tritonops ${first}`, ...more.map((form) => `       tritonops ${form}`)].join('\n')];
  if (command.description) sections.push(command.description);
  if (Object.keys(command.options).length > 0) sections.push(columns(optionRows(command.options), 2).join('\n'));
  if (command.exits.length > 0) sections.push(exitCodes(command.exits));
  return sections.join('\n\n');
}

/** `tritonops --help`: every command, the options every command takes, every exit code. */
export function mainHelp(version: string, commands: readonly Command[], globalOptions: OptionTable): string {
  return [
    `tritonops ${version} — model specs in, Flux-synced Kubernetes YAML out.`,
    'Usage: tritonops <command> [options]',
    [
      'Commands:',
      ...columns(
        commands.map((c) => [c.name, c.summary]),
        3,
      ),
    ].join('\n'),
    ['Options for every command:', ...columns(optionRows(globalOptions), 3)].join('\n'),
    [
      'Exit codes:',
      ...columns(
        Object.values(EXIT_CODES).map(({ code, meaning }) => [String(code), meaning]),
        2,
      ),
    ].join('\n'),
    'Docs: README.md, docs/spec-reference.md',
  ].join('\n\n');
}
