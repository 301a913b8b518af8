/**
 * What `diff` warns a reviewer about, in its output and not on stderr alone (a PR comment's reader
 * never sees the job's log): a base whose specs do not validate, so that everything shows as added;
 * and the working tree's warnings, which validate reports but does not fail on. Each keeps a count
 * and the first few diagnostics as `validate` prints them; they quote spec text, so every format
 * shows them as code. The working tree's warnings that the base has too are a warning of their
 * own (`new: false`), which the comment folds.
 */
import { formatDiagnostic, type Diagnostic, type SourceFile } from '@tritonops/planner';

export interface DiffWarning {
  /** Whose specs: the base revision's (they do not validate) or the working tree's (warnings). */
  readonly about: 'base' | 'working-tree';
  /** The base as named to people (`HEAD~1 (0123456789ab)`); only for `base`. */
  readonly revision?: string;
  readonly errors: number;
  readonly warnings: number;
  /** The first diagnostics, formatted as `validate` prints them (each cut to a bounded length). */
  readonly diagnostics: readonly string[];
  /** How many diagnostics `diagnostics` leaves out. */
  readonly more: number;
  /**
   * Whether this change brings them: false for the working tree's warnings the base has too
   * (same code, file and message), which the comment folds away so that every PR does not repeat them.
   */
  readonly new: boolean;
}

/** Enough to see what is wrong; the rest is one `validate` away. */
export const SHOWN_DIAGNOSTICS = 5;
/** A diagnostic's text can quote a long spec line or value: each is cut to this many characters. */
const MAX_DIAGNOSTIC_CHARS = 800;

function clip(text: string): string {
  return text.length <= MAX_DIAGNOSTIC_CHARS ? text : `${text.slice(0, MAX_DIAGNOSTIC_CHARS - 1)}…`;
}

export function diffWarning(
  about: DiffWarning['about'],
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, SourceFile>,
  revision?: string,
  isNew = true,
): DiffWarning {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return {
    about,
    new: isNew,
    ...(revision !== undefined ? { revision } : {}),
    errors,
    warnings: diagnostics.length - errors,
    diagnostics: diagnostics.slice(0, SHOWN_DIAGNOSTICS).map((d) => clip(formatDiagnostic(d, sources.get(d.file)?.text))),
    more: Math.max(0, diagnostics.length - SHOWN_DIAGNOSTICS),
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The warning in one sentence, without a final period; `quote` shows the revision (as code in Markdown). */
export function warningHeadline(w: DiffWarning, quote: (text: string) => string): string {
  return w.about === 'base'
    ? `the specs at ${quote(w.revision ?? 'the base')} do not validate (${plural(w.errors, 'error')}, ${plural(w.warnings, 'warning')}): ` +
        'the diff compares with an empty base, so every object of the working tree shows as added'
    : w.new
      ? `the working tree's specs have ${plural(w.warnings, 'new warning')} (validate passes, but read them)`
      : `${plural(w.warnings, 'warning')} also at the base (not brought by this change)`;
}

/** What makes two warnings the same one, at the base and in the working tree: code, file (relative to the root) and message. */
export const warningKey = (d: Pick<Diagnostic, 'code' | 'file' | 'message'>, file = d.file): string => JSON.stringify([d.code, file, d.message]);

/** The line after the shown diagnostics, when some are left out. */
export function moreDiagnostics(w: DiffWarning): string | undefined {
  return w.more > 0 ? `… and ${plural(w.more, 'more diagnostic')}: run \`tritonops validate\`${w.about === 'base' ? ' at that revision' : ''}` : undefined;
}
