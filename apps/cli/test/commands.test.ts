/**
 * The command tables (commands/<verb>.ts) are what the command line is parsed with and what
 * --help is written from; these checks keep the hand-written parts of them (synopsis, prose)
 * in step with the data, and pin the generated help text (golden/help.txt).
 */
import { describe, expect, it } from 'vitest';
import { allCommands, GLOBAL_OPTIONS } from '../src/cli.ts';
import type { OptionTable } from '../src/commands/command.ts';
import { EXIT_CODES } from '../src/io.ts';
import { expectGolden, BUNDLED } from './support.ts';
import { runCli } from './run-cli.ts';

const commands = await allCommands();

describe('the command tables', () => {
  it('give every option one meaning across commands, none shadowing a global one', () => {
    const seen = new Map<string, string>();
    for (const command of commands) {
      for (const [name, option] of Object.entries(command.options)) {
        expect(Object.hasOwn(GLOBAL_OPTIONS, name), `${command.name} --${name}`).toBe(false);
        const kind = JSON.stringify([option.type, option.multiple ?? false, option.short ?? '']);
        expect(seen.get(name) ?? kind, `${command.name} --${name}`).toBe(kind);
        seen.set(name, kind);
        if (option.allowed) expect(option.allowed, `${command.name} --${name}`).toContain(option.default);
      }
    }
  });

  it('mention in synopsis and prose only options the command has, with the values it accepts', () => {
    for (const command of commands) {
      const options: OptionTable = { ...GLOBAL_OPTIONS, ...command.options };
      const text = [...command.usage, command.description, ...Object.values(command.options).map((o) => o.description)].join('\n');
      for (const [, name] of text.matchAll(/--([a-z][a-z0-9-]*)/g)) expect(Object.hasOwn(options, name!), `${command.name} mentions --${name}`).toBe(true);
      for (const [, name, values] of command.usage.join('\n').matchAll(/--([a-z-]+) ([a-z]+(?:\|[a-z]+)+)/g)) {
        expect(values, `${command.name} --${name}`).toBe(options[name!]?.allowed?.join('|'));
      }
    }
  });

  it('give every exit code its own number', () => {
    const codes = Object.values(EXIT_CODES).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('write the help text in golden/help.txt', async () => {
    const pages = [];
    for (const args of [['--help'], ...commands.map((c) => [c.name, '--help'])]) {
      const result = await runCli(args, BUNDLED);
      expect(result.code, args.join(' ')).toBe(0);
      pages.push(`$ tritonops ${args.join(' ')}\n${result.stdout}\n`);
    }
    await expectGolden('help.txt', pages.join('\n'));
  });
});
