/**
 * `tritonops diff`: what a change does to each environment. The specs at the base revision and in
 * the working tree are both rendered; the reviewer's summary comes first (releases, canary traffic,
 * scaling, GPU demand, auth, models and pipelines), then every object added, removed or changed,
 * with a compact YAML diff. Text for terminals, Markdown for a PR comment (fitted to a length:
 * diff-comment.ts), JSON for tools. What the reviewer must know that is not a change — a base
 * whose specs do not validate, the working tree's warnings (those new in this change apart from
 * those the base has too) — is in every format, and on stderr. Transitions include synth's prune
 * guard run on the base render and the new one, so that what synth would refuse is refused here.
 */
import { relative, resolve, sep } from 'node:path';
import { structuredPatch } from 'diff';
import { classifyTransitions, renderEnvironment, toYaml, type RenderedFile, type TransitionOptions } from '@tritonops/charts';
import {
  changedPipelines,
  changeNotes,
  compareStrings,
  pipelineMermaid,
  summarizeChange,
  type Diagnostic,
  type EnvironmentPlan,
  type SourceFile,
} from '@tritonops/planner';
import { EXIT, type Io } from '../io.ts';
import { unrenderedChanges } from '../git.ts';
import { loadBasePlans } from '../base-plans.ts';
import { isRendered } from '../output-tree.ts';
import { httpUrl, TRANSITION_LABELS } from '../markdown.ts';
import {
  DEFAULT_MAX_LENGTH,
  formatMarkdown,
  SHORT_OBJECT_LINES,
  WHOLE_OBJECT_LINES,
  isRefused,
  MIN_MAX_LENGTH,
  REFUSED_NOTE,
  UNRENDERED_NOTE,
  worstFirst,
  type DiffReport,
  type EnvironmentDiff,
  type ObjectChange,
} from '../diff-comment.ts';
import { diffWarning, moreDiagnostics, warningHeadline, warningKey, type DiffWarning } from '../diff-warnings.ts';
import { checkRenderRemovals, removalTransitions } from '../prune-guard.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';

export type { EnvironmentDiff } from '../diff-comment.ts';

/** The formats `diff` writes (text for people, markdown for a PR comment, json for tools). */
export const DIFF_FORMATS = ['text', 'markdown', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export const command = defineCommand({
  name: 'diff',
  summary: 'What a change does to each environment, against a Git revision',
  usage: [
    'diff [--base <git-ref>] [--env <name>]... [--format text|markdown|json] [--root <dir>]',
    'diff [--base <git-ref>] --format markdown [--max-length <chars>] [--full-diff-url <url>]',
  ],
  positionals: false,
  description: `Renders the specs at <git-ref> (read from Git objects, with the release history as of that
revision: the working tree and the index are not touched) and in the working tree, and reports
first what the reviewer must know that is not a change (a base whose specs do not validate, so
that every object shows as added; the working tree's warnings), then per environment what each
change does to the live cluster (safe; disruptive, saying what happens; or needs two steps,
naming the first one to merge), then what matters to a reviewer (releases, canary traffic,
replicas and autoscaling bounds, GPU demand per pool, auth, models and pipelines added or
removed), then every Kubernetes object added, removed or changed, with a compact YAML diff.

Markdown is a pull-request comment: a table with one row per environment first, object diffs
folded, added and removed objects over ${SHORT_OBJECT_LINES} lines shown by their first ${WHOLE_OBJECT_LINES}. Over --max-length,
object diffs are left out (the largest first), then environments' details (the last first),
then safe changes; the table, refusals and warnings stay, and a last line says what was left
out and where the full diff is (--full-diff-url, else the command to run).
Text and JSON are never shortened.`,
  options: {
    base: { type: 'string', value: 'git-ref', description: 'The revision to compare with; default: the merge base of HEAD with\norigin/main (or main)' },
    format: { type: 'string', allowed: DIFF_FORMATS, default: 'text', description: 'Text for a terminal, Markdown for a PR comment,\nJSON for tools' },
    'max-length': {
      type: 'string',
      value: 'chars',
      default: String(DEFAULT_MAX_LENGTH),
      description: `Markdown only: the longest comment, 0 for no limit, else at least\n${MIN_MAX_LENGTH} (GitHub takes 65536, GitLab 1000000)`,
    },
    'full-diff-url': {
      type: 'string',
      value: 'url',
      description: "Markdown only: an http(s) link to the whole diff (e.g. the CI\njob's artifact), named where the comment is shortened;\nempty: none",
    },
  },
  exits: [
    ['ok', 'no changes'],
    ['changes', 'changes present'],
    ['problems', 'spec errors or a change that needs two steps'],
    ['usage', 'usage error (e.g. unknown ref, a bad --max-length or --full-diff-url)'],
  ],
  run: ({ root, envs, values }, io) => {
    const maxLength = values['max-length'];
    if (!/^\d{1,9}$/.test(maxLength) || (Number(maxLength) !== 0 && Number(maxLength) < MIN_MAX_LENGTH)) {
      throw new UsageError(`--max-length takes 0 (no limit) or a number of characters from ${MIN_MAX_LENGTH}, not "${maxLength}"`);
    }
    // Empty is "none": a CI variable that did not get set still yields a comment (pointing to the command).
    const url = values['full-diff-url'] ? httpUrl(values['full-diff-url']) : undefined;
    if (url instanceof Error) throw new UsageError(`--full-diff-url: ${url.message}`);
    return diffCommand(
      {
        root,
        ...(envs ? { envs } : {}),
        ...(values.base !== undefined ? { base: values.base } : {}),
        format: values.format,
        maxLength: Number(maxLength),
        ...(url !== undefined ? { fullDiffUrl: url } : {}),
      },
      io,
    );
  },
});

function objectsOf(files: readonly RenderedFile[]): Map<string, { file: string; text: string }> {
  const out = new Map<string, { file: string; text: string }>();
  for (const f of files) {
    for (const o of f.objects) {
      const meta = o.metadata as { name: string; namespace?: string };
      out.set(`${String(o.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}`, { file: f.path, text: toYaml(o) });
    }
  }
  return out;
}

function compactDiff(before: string, after: string): string {
  const patch = structuredPatch('before', 'after', before, after, '', '', { context: 2 });
  return patch.hunks.map((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines].join('\n')).join('\n');
}

export function diffEnvironment(
  name: string,
  before: EnvironmentPlan | undefined,
  after: EnvironmentPlan | undefined,
  options: TransitionOptions = {},
): EnvironmentDiff {
  const [fb, fa] = [before ? renderEnvironment(before) : [], after ? renderEnvironment(after) : []];
  const [ob, oa] = [objectsOf(fb), objectsOf(fa)];
  const objects: ObjectChange[] = [];
  for (const key of [...new Set([...ob.keys(), ...oa.keys()])].sort(compareStrings)) {
    const [b, a] = [ob.get(key), oa.get(key)];
    if (b && a && b.text === a.text) continue;
    objects.push({ key, file: (a ?? b)!.file, change: !b ? 'added' : !a ? 'removed' : 'changed', diff: compactDiff(b?.text ?? '', a?.text ?? '') });
  }
  return {
    environment: name,
    summary: summarizeChange(before, after),
    notes: changeNotes(before, after),
    objects,
    pipelines: after ? changedPipelines(before, after).map((p) => ({ name: p.graph.name, mermaid: pipelineMermaid(after, p) })) : [],
    transitions: [
      ...classifyTransitions(before && { plan: before, files: fb }, after && { plan: after, files: fa }, options),
      // What synth's prune guard would stop, said before the merge rather than at the next synth.
      ...removalTransitions(checkRenderRemovals(fb, fa), before, after),
    ],
  };
}

/** The warnings as text: each headline, then its diagnostics indented. */
function warningLines(warnings: readonly DiffWarning[]): string[] {
  return warnings.flatMap((w) => {
    const more = moreDiagnostics(w);
    const blocks = [...w.diagnostics, ...(more ? [more] : [])].map((d) => d.split('\n').map((l) => `    ${l}`));
    return ['', `warning${w.new ? '' : ' (not new)'}: ${warningHeadline(w, (revision) => revision)}`, ...blocks.flatMap((b, i) => (i === 0 ? b : ['', ...b]))];
  });
}

export function formatText(report: DiffReport, base: string): string {
  const { diffs, unrendered, warnings } = report;
  const lines = [`tritonops diff against ${base}`];
  if (diffs.some(isRefused)) lines.push('', `refused: ${REFUSED_NOTE}`);
  // New warnings first: those the base has too are not this change's doing.
  lines.push(...warningLines(warnings.filter((w) => w.new)), ...warningLines(warnings.filter((w) => !w.new)));
  if (unrendered.length > 0) lines.push('', `${UNRENDERED_NOTE}:`, ...unrendered.map((u) => `  ${u.change} ${u.path}`));
  for (const d of diffs) {
    lines.push('', `environment ${d.environment}: ${d.summary.length} change(s), ${d.objects.length} object(s)`);
    if (d.transitions.length > 0) lines.push('  what this does to the cluster:');
    for (const t of worstFirst(d.transitions)) {
      lines.push(`    [${TRANSITION_LABELS[t.class].replace(/^\S+ /, '')}] ${t.subject}: ${t.change}`, `        ${t.effect}`);
      if (t.step) lines.push(`        ${t.class === 'two-steps' ? 'first' : 'next'}: ${t.step}`);
    }
    for (const n of d.notes) lines.push(`  before merging: ${n}`);
    for (const s of d.summary) lines.push(`  ${s.subject}: ${s.what}: ${s.before} -> ${s.after}`);
    for (const o of d.objects) {
      lines.push(`  ${o.change === 'added' ? '+' : o.change === 'removed' ? '-' : '~'} ${o.key} (${o.file})`);
      lines.push(...o.diff.split('\n').map((l) => `      ${l}`));
    }
  }
  if (diffs.length === 0 && unrendered.length === 0) lines.push('', 'no changes');
  return lines.join('\n');
}

/**
 * The working tree's warnings, those this change brings apart from those the base has too (same
 * code, file and message): a capacity warning or a stale override should not fill every PR.
 */
function workingTreeWarnings(
  warnings: readonly Diagnostic[],
  atBase: readonly Diagnostic[],
  sources: ReadonlyMap<string, SourceFile>,
  root: string,
  cwd: string,
): DiffWarning[] {
  // The working tree's files are named from the working directory, the base's from the root.
  const fromRoot = (file: string) => relative(root, resolve(cwd, file)).split(sep).join('/');
  const old = new Set(atBase.map((d) => warningKey(d)));
  const known = warnings.filter((d) => old.has(warningKey(d, fromRoot(d.file))));
  const fresh = warnings.filter((d) => !known.includes(d));
  return [
    ...(fresh.length > 0 ? [diffWarning('working-tree', fresh, sources)] : []),
    ...(known.length > 0 ? [diffWarning('working-tree', known, sources, undefined, false)] : []),
  ];
}

export interface DiffOptions {
  readonly root: string;
  readonly envs?: string[];
  readonly base?: string;
  readonly format: DiffFormat;
  /** Markdown only: the longest comment (0: no limit); default DEFAULT_MAX_LENGTH. */
  readonly maxLength?: number;
  /** Markdown only: where the whole diff is, an http(s) URL checked by `httpUrl`. */
  readonly fullDiffUrl?: string;
}

export async function diffCommand(options: DiffOptions, io: Io): Promise<number> {
  const after = loadRepository(options.root, io, { ...(options.envs ? { only: options.envs } : {}) });
  if (after.hasErrors) {
    await reportDiagnostics(io, after.diagnostics, after.sources);
    io.err(`diff needs valid specs in the working tree: ${tally(after.diagnostics)}`);
    return EXIT.problems;
  }
  // Valid specs can still warn (validate shows them and passes): the reviewer should see them too.
  const afterWarnings = after.diagnostics.filter((d) => d.severity === 'warning');
  await reportDiagnostics(io, afterWarnings, after.sources);
  const base = loadBasePlans(options, io);
  if (typeof base === 'number') return base;
  const afterPlans = new Map(after.plans.map((p) => [p.name, p] as const));
  const names = [...new Set([...base.plans.keys(), ...afterPlans.keys()])].sort(compareStrings);
  const diffs = names
    .map((n) => diffEnvironment(n, base.plans.get(n), afterPlans.get(n), { firstPerModelSync: base.firstPerModelSync.has(n) }))
    .filter((d) => d.summary.length > 0 || d.notes.length > 0 || d.objects.length > 0 || d.transitions.length > 0);
  const unrendered = unrenderedChanges(options.root, base.commit, isRendered);
  const warnings = [...(base.problems ? [base.problems] : []), ...workingTreeWarnings(afterWarnings, base.warnings, after.sources, options.root, io.cwd)];
  const report: DiffReport = { diffs, unrendered, warnings };
  const changes = diffs.length > 0 || unrendered.length > 0;
  const refused = diffs.some(isRefused);
  if (options.format === 'json')
    io.out(JSON.stringify({ base: { ref: base.label, commit: base.commit }, changes, refused, warnings, unrendered, environments: diffs }, null, 2));
  else if (options.format === 'markdown') {
    const comment = formatMarkdown(report, {
      base: base.label,
      ...(options.base !== undefined ? { ref: options.base } : {}),
      maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH,
      ...(options.fullDiffUrl !== undefined ? { fullDiffUrl: options.fullDiffUrl } : {}),
    });
    io.out(comment.trimEnd());
  } else io.out(formatText(report, base.label));
  return refused ? EXIT.problems : changes ? EXIT.changes : EXIT.ok;
}
