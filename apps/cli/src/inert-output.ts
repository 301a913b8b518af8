/**
 * Everything tritonops prints passes through here, whatever its origin, so that no spec, key,
 * folder or file name can act on the terminal or the CI runner that shows it:
 *
 * - hidden characters (ESC, CR, bidi overrides, zero-width …) are escaped as `\uXXXX`; newlines
 *   and tabs stay;
 * - what the GitHub Actions runner would take for a workflow command gets a backslash, which
 *   shows it as the text it is: a line starting with `::` (the runner trims leading spaces
 *   first) and `##[` or `##vso[` anywhere in a line (GitHub's old syntax and Azure Pipelines',
 *   matched anywhere). GitLab CI runs no commands from output; its section markers need ESC,
 *   which is escaped above.
 *
 * Messages escape and name such characters themselves (reveal.ts); this is the net under them.
 */
import { escapeHidden } from '@tritonops/planner';
import type { Io } from './io.ts';

const LINE_COMMAND = /^([ \t]*)::/gm;
/** `##[…]` (GitHub's old syntax) and `##vso[…]` (Azure Pipelines), both matched anywhere in a line. */
const OLD_COMMAND = /##(vso)?\[/gi;

export function inertText(text: string): string {
  return escapeHidden(text)
    .replace(LINE_COMMAND, '$1\\::')
    .replace(OLD_COMMAND, (m) => `#\\${m.slice(1)}`);
}

export function inertIo(io: Io): Io {
  return { ...io, out: (text) => io.out(inertText(text)), err: (text) => io.err(inertText(text)) };
}
