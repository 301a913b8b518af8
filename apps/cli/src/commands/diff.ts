/**
 * `tritonops diff`: what a change does to each environment. The specs at the base revision and in
 * the working tree are both rendered; the reviewer's summary comes first (releases, canary traffic,
 * scaling, GPU demand, auth, models and pipelines), then every object added, removed or changed,
 * with a compact YAML diff. Text for terminals, Markdown for a PR comment, JSON for tools.
 */
import { structuredPatch } from 'diff';
import { classifyTransitions, renderEnvironment, toYaml, type RenderedFile, type Transition, type TransitionOptions } from '@tritonops/charts';
import { changedPipelines, compareStrings, pipelineMermaid, summarizeChange, type EnvironmentPlan, type SummaryItem } from '@tritonops/planner';
import { EXIT, type Io } from '../io.ts';
import { unrenderedChanges, type UnrenderedChange } from '../git.ts';
import { loadBasePlans } from '../base-plans.ts';
import { isRendered } from '../output-tree.ts';
import { code, fenced, summaryTable, transitionTable, TRANSITION_LABELS } from '../markdown.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand } from './command.ts';

/** The formats `diff` writes (text for people, markdown for a PR comment, json for tools). */
export const DIFF_FORMATS = ['text', 'markdown', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

export const command = defineCommand({
  name: 'diff',
  summary: 'What a change does to each environment, against a Git revision',
  usage: ['diff [--base <git-ref>] [--env <name>]... [--format text|markdown|json] [--root <dir>]'],
  positionals: false,
  description: `Renders the specs at <git-ref> (read from Git objects: the working tree and the index are not
touched) and in the working tree, and reports per environment first what each change does to the
live cluster (safe; disruptive, saying what happens; or needs two steps, naming the first one to
merge), then what matters to a reviewer (releases, canary traffic, replicas and autoscaling
bounds, GPU demand per pool, auth, models and pipelines added or removed), then every Kubernetes
object added, removed or changed, with a compact YAML diff.`,
  options: {
    base: { type: 'string', value: 'git-ref', description: 'The revision to compare with; default: the merge base of HEAD with\norigin/main (or main)' },
    format: { type: 'string', allowed: DIFF_FORMATS, default: 'text', description: 'Text for a terminal, Markdown for a PR comment,\nJSON for tools' },
  },
  exits: [
    ['ok', 'no changes'],
    ['changes', 'changes present'],
    ['problems', 'spec errors or a change that needs two steps'],
    ['usage', 'usage error (e.g. unknown ref)'],
  ],
  run: ({ root, envs, values }, io) =>
    diffCommand({ root, ...(envs ? { envs } : {}), ...(values.base !== undefined ? { base: values.base } : {}), format: values.format }, io),
});

interface ObjectChange {
  readonly key: string;
  readonly file: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly diff: string;
}

export interface EnvironmentDiff {
  readonly environment: string;
  readonly summary: readonly SummaryItem[];
  readonly objects: readonly ObjectChange[];
  readonly pipelines: readonly { name: string; mermaid: string }[];
  /** What each change does to the live cluster: safe, disruptive, or two steps (refused). */
  readonly transitions: readonly Transition[];
}

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
    objects,
    pipelines: after ? changedPipelines(before, after).map((p) => ({ name: p.graph.name, mermaid: pipelineMermaid(after, p) })) : [],
    transitions: classifyTransitions(before && { plan: before, files: fb }, after && { plan: after, files: fa }, options),
  };
}

const UNRENDERED_NOTE = 'files under flux/ that tritonops did not render changed; no spec describes them, so read them yourself';

const CLASS_ORDER = { 'two-steps': 0, disruptive: 1, safe: 2 } as const;
/** Worst first; within a class, in the order the rules found them (environment, then by name). */
const worstFirst = (ts: readonly Transition[]) =>
  ts
    .map((t, i) => [t, i] as const)
    .sort(([a, i], [b, j]) => CLASS_ORDER[a.class] - CLASS_ORDER[b.class] || i - j)
    .map(([t]) => t);
const REFUSED_NOTE = 'this change needs two steps: merge the first step named below on its own, then the rest';

export function formatText(diffs: readonly EnvironmentDiff[], base: string, unrendered: readonly UnrenderedChange[] = []): string {
  const lines = [`tritonops diff against ${base}`];
  if (diffs.some((d) => d.transitions.some((t) => t.class === 'two-steps'))) lines.push('', `refused: ${REFUSED_NOTE}`);
  if (unrendered.length > 0) lines.push('', `${UNRENDERED_NOTE}:`, ...unrendered.map((u) => `  ${u.change} ${u.path}`));
  for (const d of diffs) {
    lines.push('', `environment ${d.environment}: ${d.summary.length} change(s), ${d.objects.length} object(s)`);
    if (d.transitions.length > 0) lines.push('  what this does to the cluster:');
    for (const t of worstFirst(d.transitions)) {
      lines.push(`    [${TRANSITION_LABELS[t.class].replace(/^\S+ /, '')}] ${t.subject}: ${t.change}`, `        ${t.effect}`);
      if (t.step) lines.push(`        ${t.class === 'two-steps' ? 'first' : 'next'}: ${t.step}`);
    }
    for (const s of d.summary) lines.push(`  ${s.subject}: ${s.what}: ${s.before} -> ${s.after}`);
    for (const o of d.objects) {
      lines.push(`  ${o.change === 'added' ? '+' : o.change === 'removed' ? '-' : '~'} ${o.key} (${o.file})`);
      lines.push(...o.diff.split('\n').map((l) => `      ${l}`));
    }
  }
  if (diffs.length === 0 && unrendered.length === 0) lines.push('', 'no changes');
  return lines.join('\n');
}

export function formatMarkdown(diffs: readonly EnvironmentDiff[], base: string, unrendered: readonly UnrenderedChange[] = []): string {
  const lines = ['## tritonops diff', '', `Compared with ${code(base)}.`];
  if (diffs.some((d) => d.transitions.some((t) => t.class === 'two-steps'))) lines.push('', `> **Refused**: ${REFUSED_NOTE}.`);
  if (unrendered.length > 0) lines.push('', `**Read these yourself**: ${UNRENDERED_NOTE}.`, '', ...unrendered.map((u) => `- ${u.change} ${code(u.path)}`));
  if (diffs.length === 0) lines.push('', 'No environment changes.');
  for (const d of diffs) {
    lines.push('', `### ${d.environment}`, '');
    if (d.transitions.length > 0) lines.push('What this does to the cluster:', '', transitionTable(worstFirst(d.transitions)), '');
    if (d.summary.length > 0) lines.push(summaryTable(d.summary), '');
    for (const p of d.pipelines) lines.push(`Pipeline ${code(p.name)}:`, '', fenced(p.mermaid, 'mermaid'), '');
    const counts = (['added', 'changed', 'removed'] as const).map((c) => `${d.objects.filter((o) => o.change === c).length} ${c}`).join(', ');
    lines.push(`<details><summary>Objects: ${counts}</summary>`, '');
    for (const o of d.objects) lines.push(`**${o.change}** ${code(o.key)} in ${code(o.file)}`, '', fenced(o.diff, 'diff'), '');
    lines.push('</details>');
  }
  return `${lines.join('\n')}\n`;
}

export async function diffCommand(options: { root: string; envs?: string[]; base?: string; format: DiffFormat }, io: Io): Promise<number> {
  const after = loadRepository(options.root, io, { ...(options.envs ? { only: options.envs } : {}) });
  if (after.hasErrors) {
    await reportDiagnostics(io, after.diagnostics, after.sources);
    io.err(`diff needs valid specs in the working tree: ${tally(after.diagnostics)}`);
    return EXIT.problems;
  }
  const base = loadBasePlans(options, io);
  if (typeof base === 'number') return base;
  const afterPlans = new Map(after.plans.map((p) => [p.name, p] as const));
  const names = [...new Set([...base.plans.keys(), ...afterPlans.keys()])].sort(compareStrings);
  const diffs = names
    .map((n) => diffEnvironment(n, base.plans.get(n), afterPlans.get(n), { firstPerModelSync: base.firstPerModelSync.has(n) }))
    .filter((d) => d.summary.length > 0 || d.objects.length > 0 || d.transitions.length > 0);
  const unrendered = unrenderedChanges(options.root, base.commit, isRendered);
  const changes = diffs.length > 0 || unrendered.length > 0;
  const refused = diffs.some((d) => d.transitions.some((t) => t.class === 'two-steps'));
  if (options.format === 'json')
    io.out(JSON.stringify({ base: { ref: base.label, commit: base.commit }, changes, refused, unrendered, environments: diffs }, null, 2));
  else if (options.format === 'markdown') io.out(formatMarkdown(diffs, base.label, unrendered).trimEnd());
  else io.out(formatText(diffs, base.label, unrendered));
  return refused ? EXIT.problems : changes ? EXIT.changes : EXIT.ok;
}
