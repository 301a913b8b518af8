/**
 * `diff --format markdown`: the pull-request comment, made to fit the host's limit. GitHub refuses
 * a comment longer than 65,536 characters; GitLab a note longer than 1,000,000. The comment is
 * built from whole blocks, most important first: the title, a refusal, a table with one row per
 * environment, the warnings, then per environment what each change does to the cluster, the
 * reviewer's summary, and (folded) pipelines and every object's YAML diff.
 *
 * When the whole does not fit, parts are left out in a fixed order until it does, never text cut
 * in the middle (so no code fence or `<details>` is left open):
 *   1. object diffs, the largest first (then in environment order, then by object);
 *   2. the details of environments (summary, pipelines, object list), the last environment first;
 *   3. the safe transitions (refusals and disruptive ones stay);
 *   4. the environment sections, but for their refusals;
 *   5. the warnings' diagnostics and the per-environment table: the headlines stay.
 * A note at the end says what was left out and where the whole diff is. Lengths are counted in
 * UTF-16 code units (JavaScript's `length`), never fewer than the characters the hosts count, on
 * the text as printed (hidden characters escaped).
 */
import type { Transition } from '@tritonops/charts';
import type { SummaryItem } from '@tritonops/planner';
import type { UnrenderedChange } from './git.ts';
import { inertText } from './inert-output.ts';
import { moreDiagnostics, warningHeadline, type DiffWarning } from './diff-warnings.ts';
import { code, fenced, htmlCode, link, proseList, summaryTable, transitionTable, TRANSITION_LABELS } from './markdown.ts';

export interface ObjectChange {
  /** `Kind namespace/name`. */
  readonly key: string;
  /** The rendered file under flux/ that holds it. */
  readonly file: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** A compact unified diff of its YAML (hunks only). */
  readonly diff: string;
}

export interface EnvironmentDiff {
  readonly environment: string;
  readonly summary: readonly SummaryItem[];
  /** What must be done outside Git before the change merges (a Secret to create), from `changeNotes`. */
  readonly notes: readonly string[];
  readonly objects: readonly ObjectChange[];
  readonly pipelines: readonly { name: string; mermaid: string }[];
  /** What each change does to the live cluster: safe, disruptive, or two steps (refused). */
  readonly transitions: readonly Transition[];
}

export interface DiffReport {
  readonly diffs: readonly EnvironmentDiff[];
  readonly unrendered: readonly UnrenderedChange[];
  readonly warnings: readonly DiffWarning[];
}

export interface CommentOptions {
  /** The base as named to people: `HEAD~1 (0123456789ab)`. */
  readonly base: string;
  /** `--base` as given, for the command that shows the whole diff; absent: the default base. */
  readonly ref?: string;
  /** The longest comment in characters; 0: no limit. */
  readonly maxLength: number;
  /** Where the whole diff is (an http(s) URL checked by `httpUrl`), e.g. the CI job's artifact. */
  readonly fullDiffUrl?: string;
}

/** The default `--max-length`: under GitHub's 65,536 with room for the marker line a workflow adds. */
export const DEFAULT_MAX_LENGTH = 60_000;
/** The shortest limit the last cut (step 5, with a long base name and URL) always fits in. */
export const MIN_MAX_LENGTH = 4_000;
/**
 * Added and removed objects up to this many lines of YAML are shown whole (a ScaledObject, a
 * Service); longer ones (a Deployment) by their first WHOLE_OBJECT_LINES: the summary says what
 * they are, the full diff has the rest.
 */
export const SHORT_OBJECT_LINES = 60;
export const WHOLE_OBJECT_LINES = 20;
/** Unrendered files listed by name; the rest are counted. */
const LISTED_UNRENDERED = 50;
/** The longest base name shown (a ref is user input). */
const MAX_BASE_CHARS = 120;

export const UNRENDERED_NOTE = 'files under flux/ that tritonops did not render changed; no spec describes them, so read them yourself';
export const REFUSED_NOTE = 'this change needs two steps: merge the first step named below on its own, then the rest';

const CLASS_ORDER = { 'two-steps': 0, disruptive: 1, safe: 2 } as const;
/** Worst first; within a class, in the order the rules found them (environment, then by name). */
export const worstFirst = (ts: readonly Transition[]): Transition[] =>
  ts
    .map((t, i) => [t, i] as const)
    .sort(([a, i], [b, j]) => CLASS_ORDER[a.class] - CLASS_ORDER[b.class] || i - j)
    .map(([t]) => t);

export const isRefused = (d: EnvironmentDiff): boolean => d.transitions.some((t) => t.class === 'two-steps');

/** What is left out, cumulatively: each step of the order above keeps the cuts before it. */
interface Cuts {
  /** Objects whose YAML diff is left out. */
  readonly diffs: ReadonlySet<ObjectChange>;
  /** Environments whose details are left out. */
  readonly details: ReadonlySet<string>;
  readonly safe: boolean;
  readonly sections: boolean;
  readonly headlinesOnly: boolean;
}

const NO_CUTS: Cuts = { diffs: new Set(), details: new Set(), safe: false, sections: false, headlinesOnly: false };

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;
const counts = (d: EnvironmentDiff) =>
  (['added', 'changed', 'removed'] as const).map((c) => `${d.objects.filter((o) => o.change === c).length} ${c}`).join(', ');

function baseName(base: string): string {
  return base.length <= MAX_BASE_CHARS ? base : `${base.slice(0, MAX_BASE_CHARS - 1)}…`;
}

/** One row per environment: how much changes, what it does to the cluster, whether it is refused. */
function environmentTable(diffs: readonly EnvironmentDiff[]): string {
  const classes = (d: EnvironmentDiff) =>
    (['two-steps', 'disruptive', 'safe'] as const)
      .map((c) => [c, d.transitions.filter((t) => t.class === c).length] as const)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${TRANSITION_LABELS[c]}: ${n}`)
      .join('<br>') || 'none';
  return [
    '<table>',
    '<tr><th>Environment</th><th>Changes</th><th>Objects</th><th>What it does to the cluster</th><th>Refused</th></tr>',
    ...diffs.map(
      (d) =>
        `<tr><td>${htmlCode(d.environment)}</td><td>${d.summary.length}</td><td>${counts(d)}</td><td>${classes(d)}</td><td>${isRefused(d) ? '<b>yes</b>' : 'no'}</td></tr>`,
    ),
    '</table>',
  ].join('\n');
}

const diagnosticsBlock = (w: DiffWarning) => {
  const more = moreDiagnostics(w);
  return fenced([...w.diagnostics, ...(more ? [more] : [])].join('\n\n'), 'text');
};

/**
 * The warnings this change brings, each with its diagnostics; then, folded, those the base has
 * too: the reviewer of a hotfix need not read the same capacity warning again.
 */
function warningsSection(warnings: readonly DiffWarning[], headlinesOnly: boolean): string[] {
  if (warnings.length === 0) return [];
  const out = ['', '### Warnings'];
  for (const w of warnings.filter((w) => w.new)) {
    const headline = warningHeadline(w, (revision) => code(baseName(revision)));
    out.push('', `**Warning**: ${headline.charAt(0).toUpperCase()}${headline.slice(1)}.`);
    if (!headlinesOnly) out.push('', diagnosticsBlock(w));
  }
  const old = warnings.filter((w) => !w.new);
  if (old.length === 0) return out;
  const title = `${plural(
    old.reduce((n, w) => n + w.warnings, 0),
    'warning',
  )} also at the base`;
  if (headlinesOnly) return [...out, '', `${title} (not brought by this change).`];
  return [...out, '', `<details><summary>${title}</summary>`, '', ...old.flatMap((w) => [diagnosticsBlock(w), '']), '</details>'];
}

function unrenderedSection(unrendered: readonly UnrenderedChange[], listed: number): string[] {
  if (unrendered.length === 0) return [];
  const shown = unrendered.slice(0, listed);
  const rest = unrendered.length - shown.length;
  return [
    '',
    `**Read these yourself**: ${UNRENDERED_NOTE}.`,
    '',
    ...shown.map((u) => `- ${u.change} ${code(u.path)}`),
    ...(rest > 0 ? [`- … and ${plural(rest, 'more file')} (in the full diff)`] : []),
  ];
}

/** An object's YAML diff as the comment shows it: added and removed objects only begin. */
function objectDiff(o: ObjectChange): string {
  const lines = o.diff.split('\n');
  // The first line is the hunk header; a whole object is one hunk.
  if (o.change === 'changed' || lines.length <= SHORT_OBJECT_LINES + 1) return fenced(o.diff, 'diff');
  const rest = lines.length - 1 - WHOLE_OBJECT_LINES;
  return `${fenced(lines.slice(0, WHOLE_OBJECT_LINES + 1).join('\n'), 'diff')}\n\n… and ${plural(rest, 'more line')} of the ${o.change} object (in the full diff).`;
}

function objectEntry(o: ObjectChange, cut: boolean): string[] {
  const title = `<b>${o.change}</b> ${htmlCode(o.key)} in ${htmlCode(o.file)}`;
  if (cut) return [`- ${title}: YAML diff left out`, ''];
  return [`<details><summary>${title}</summary>`, '', objectDiff(o), '', '</details>', ''];
}

function environmentSection(d: EnvironmentDiff, cuts: Cuts): string[] {
  const refusals = d.transitions.filter((t) => t.class === 'two-steps');
  // What must be done outside Git before the merge is kept as long as refusals are.
  const notes = d.notes.length > 0 ? ['', '**Before merging**:', '', proseList(d.notes)] : [];
  if (cuts.sections) {
    if (refusals.length === 0 && notes.length === 0) return [];
    return ['', `### ${d.environment}`, ...(refusals.length > 0 ? ['', 'Refused:', '', transitionTable(refusals)] : []), ...notes];
  }
  const out = ['', `### ${d.environment}`, ...notes];
  const shown = worstFirst(d.transitions).filter((t) => !cuts.safe || t.class !== 'safe');
  const safeLeftOut = d.transitions.length - shown.length;
  if (shown.length > 0) out.push('', 'What this does to the cluster:', '', transitionTable(shown));
  if (safeLeftOut > 0) out.push('', `${plural(safeLeftOut, 'safe change')} left out.`);
  if (cuts.details.has(d.environment)) {
    out.push('', `Details left out: ${plural(d.summary.length, 'change')}, objects ${counts(d)}.`);
    return out;
  }
  if (d.summary.length > 0) out.push('', summaryTable(d.summary));
  for (const p of d.pipelines) out.push('', `<details><summary>Pipeline ${htmlCode(p.name)}</summary>`, '', fenced(p.mermaid, 'mermaid'), '', '</details>');
  if (d.objects.length > 0) {
    out.push('', `<details><summary>Objects: ${counts(d)}</summary>`, '');
    for (const o of d.objects) out.push(...objectEntry(o, cuts.diffs.has(o)));
    out.push('</details>');
  }
  return out;
}

/** A ref as one shell word, quoted unless plainly safe: a branch name may hold `$(…)`, and the command is meant to be pasted. */
function shellWord(ref: string): string {
  if (ref.length > MAX_BASE_CHARS) return '<ref>';
  return /^[\w./^@-][\w./~^@-]*$/.test(ref) ? ref : `'${ref.replace(/'/g, `'\\''`)}'`;
}

/** What was left out, in words; undefined when nothing was. */
function leftOut(report: DiffReport, cuts: Cuts): string | undefined {
  const parts: string[] = [];
  if (cuts.diffs.size > 0) parts.push(`the YAML diffs of ${plural(cuts.diffs.size, 'object')}`);
  if (cuts.details.size > 0 && !cuts.sections) {
    const names = report.diffs.filter((d) => cuts.details.has(d.environment)).map((d) => code(d.environment));
    parts.push(`the details of ${names.length === 1 ? 'environment' : 'environments'} ${names.join(', ')}`);
  }
  if (cuts.safe && !cuts.sections) parts.push('the safe changes');
  if (cuts.sections) parts.push('the environment sections (their refusals are kept)');
  if (cuts.headlinesOnly) parts.push("the per-environment table and the warnings' diagnostics");
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function truncationNote(report: DiffReport, options: CommentOptions, cuts: Cuts): string[] {
  const what = leftOut(report, cuts);
  if (what === undefined) return [];
  const where = options.fullDiffUrl
    ? `The full diff: ${link(options.fullDiffUrl, 'the untruncated diff')}.`
    : `For the full diff, run ${code(`npx tritonops diff${options.ref !== undefined ? ` --base ${shellWord(options.ref)}` : ''}`)} locally or see the job's artifact.`;
  return ['', '---', '', `**Truncated** to fit a comment of ${options.maxLength} characters: left out ${what}. ${where}`];
}

function render(report: DiffReport, options: CommentOptions, cuts: Cuts): string {
  const { diffs, unrendered, warnings } = report;
  const refused = diffs.filter(isRefused);
  const lines = ['## tritonops diff', '', `Compared with ${code(baseName(options.base))}.`];
  if (refused.length > 0) lines.push('', `> **Refused**: ${REFUSED_NOTE}.`);
  if (diffs.length > 0 && !cuts.headlinesOnly) lines.push('', environmentTable(diffs));
  if (diffs.length > 0 && cuts.headlinesOnly)
    lines.push('', `${plural(diffs.length, 'environment changes', 'environments change')}; ${plural(refused.length, 'is', 'are')} refused.`);
  lines.push(...warningsSection(warnings, cuts.headlinesOnly));
  lines.push(...unrenderedSection(unrendered, cuts.headlinesOnly ? 0 : cuts.sections ? 10 : LISTED_UNRENDERED));
  if (diffs.length === 0) lines.push('', 'No environment changes.');
  if (!cuts.headlinesOnly) for (const d of diffs) lines.push(...environmentSection(d, cuts));
  lines.push(...truncationNote(report, options, cuts));
  return `${lines.join('\n')}\n`;
}

/** The smallest n in 1..max for which `fits(n)` holds, when it holds for max (found by bisection, each answer measured). */
function smallest(max: number, fits: (n: number) => string | undefined): string | undefined {
  let best = fits(max);
  if (best === undefined) return undefined;
  let [lo, hi] = [1, max];
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const text = fits(mid);
    if (text === undefined) lo = mid + 1;
    else [hi, best] = [mid, text];
  }
  return best;
}

/** The comment, whole when it fits in `options.maxLength`, else with parts left out as described above. */
export function formatMarkdown(report: DiffReport, options: CommentOptions): string {
  const limit = options.maxLength > 0 ? options.maxLength : Infinity;
  // Measured as printed: inertText escapes hidden characters (6 characters each), so a comment
  // measured before it could come out longer than the limit.
  const attempt = (cuts: Cuts) => {
    const text = inertText(render(report, options, cuts));
    return text.length <= limit ? text : undefined;
  };
  const whole = attempt(NO_CUTS);
  if (whole !== undefined) return whole;
  // 1. Object diffs, the largest first; ties in environment and object order (the order of `objects`).
  const objects = report.diffs.flatMap((d) => d.objects);
  const order = objects
    .map((o, i) => [o, objectDiff(o).length, i] as const)
    .sort(([, a, i], [, b, j]) => b - a || i - j)
    .map(([o]) => o);
  const withDiffs = smallest(order.length, (n) => attempt({ ...NO_CUTS, diffs: new Set(order.slice(0, n)) }));
  if (withDiffs !== undefined) return withDiffs;
  // 2. Environments' details, the last environment first.
  const allDiffs = new Set(objects);
  const names = report.diffs.map((d) => d.environment).reverse();
  const withDetails = smallest(names.length, (n) => attempt({ ...NO_CUTS, diffs: allDiffs, details: new Set(names.slice(0, n)) }));
  if (withDetails !== undefined) return withDetails;
  // 3.-5. Coarser cuts, each keeping the ones before.
  const noDetails = { ...NO_CUTS, diffs: allDiffs, details: new Set(names) };
  const safe = { ...noDetails, safe: true };
  const sections = { ...safe, sections: true };
  for (const cuts of [safe, sections]) {
    const text = attempt(cuts);
    if (text !== undefined) return text;
  }
  // Bounded by the base name, the URL and the counts: fits in MIN_MAX_LENGTH, which the command enforces.
  return inertText(render(report, options, { ...sections, headlinesOnly: true }));
}
