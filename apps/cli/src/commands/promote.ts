/**
 * `tritonops promote`: moves releases one step along the promotion chain (dev → staging →
 * production). For each model or pipeline it copies the release fields of the source
 * environment's spec (MODEL_PROMOTED_FIELDS / PIPELINE_PROMOTED_FIELDS of @tritonops/spec) into
 * the target's, keeping everything the target decides itself (placement, scale, its canary,
 * traffic, auth, …) and every comment. One missing in the target is created from the source's
 * spec without its canary and without the comments inside spec except the release's. The PR body
 * names what changed, and carries the target's warnings (a static canary left under a new stable
 * release among them). A promotion-override annotation the promotion makes obsolete goes.
 * The edited target must validate — the promotion gate compares with the source as the base
 * branch has it — then the specs are written, the target is rendered, and a PR title and body
 * are printed. docs/promotion.md says why each field is where it is.
 */
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import {
  copyRelease,
  didYouMeanHint,
  dropSpecComments,
  ENVIRONMENTS_DIR,
  formatDiagnostic,
  FsProblem,
  listEnvironments,
  MODELS_DIR,
  PIPELINES_DIR,
  PROMOTION_OVERRIDE,
  releasesOf,
  removeEntry,
  RepositoryFs,
  specFileNames,
  summarizeChange,
  type Diagnostic,
  type EnvironmentPlan,
} from '@tritonops/planner';
import { MODEL_PROMOTED_FIELDS, PIPELINE_PROMOTED_FIELDS, RELEASE_FIELDS } from '@tritonops/spec';
import { code, fenced, summaryTable } from '../markdown.ts';
import { withRepositoryLock } from '../repository-lock.ts';
import { readSpecText } from '../spec-files.ts';
import { EXIT, type Io } from '../io.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';
import { synthCommand } from './synth.ts';

export const command = defineCommand({
  name: 'promote',
  summary: 'Copy releases of models and pipelines to the next environment, and render it',
  usage: ['promote <name>... --from <env> --to <env> [--root <dir>]', 'promote --all --from <env> --to <env>'],
  positionals: true,
  description: `Copies the release of each named model or pipeline from the --from environment's spec
into the --to environment's: for a model image, repository, models, args and signatures; for a
pipeline image, localRepository, signatures, inputs, outputs and steps. Everything else in --to
stays as it is - GPU pool, replicas, autoscaling, resources, cache, env, its canary (weight,
header, mirror, analysis), traffic, auth, callers, slo - and so does every comment. One missing
in --to is created from the --from spec without its canary, and without the comments inside
spec except the release's (review its placement). A
promotion-override annotation the promotion makes obsolete is removed. --to must be promoted
from --from (promotedFrom), and the release must be on the base branch in --from (the promotion
gate): merge the --from change first. Writes nothing unless the result validates; then renders
--to and prints a pull-request title and body. See docs/promotion.md.`,
  options: {
    from: { type: 'string', value: 'env', description: 'The environment whose releases are copied' },
    to: { type: 'string', value: 'env', description: 'The environment that receives them' },
    all: { type: 'boolean', description: 'Every model and pipeline both environments have, instead of naming them' },
  },
  exits: [
    ['ok', 'promoted'],
    ['problems', 'spec errors or invalid result'],
    ['usage', 'usage error (unknown name or environment)'],
  ],
  run: ({ root, values, positionals }, io) => {
    if (!values.from || !values.to) throw new UsageError('promote needs --from <env> and --to <env>');
    if (values.all === positionals.length > 0) throw new UsageError('name the models and pipelines to promote, or pass --all (not both)');
    return promoteCommand({ root, from: values.from, to: values.to, names: positionals, all: values.all }, io);
  },
});

export interface PromoteOptions {
  readonly root: string;
  readonly from: string;
  readonly to: string;
  /** Models and pipelines of `from`, by name. */
  readonly names: readonly string[];
  readonly all: boolean;
}

type Kind = 'model' | 'pipeline';

/** One spec the promotion writes. */
interface Edit {
  readonly kind: Kind;
  readonly name: string;
  /** Repository-relative path of the target's spec. */
  readonly rel: string;
  readonly text: string;
  /** The target had no such spec: it is created from the source's. */
  readonly created: boolean;
  /** The target's promotion-override reason that the promotion removed. */
  readonly overrideRemoved?: string;
  /** The promotion changes the target's spec (false: it already runs this release). */
  readonly changed: boolean;
  /** The target's static canary, left as it was under a new stable release (see `canaryLeftBehind`). */
  readonly canaryWarning?: { readonly message: string; readonly hint: string };
}

export async function promoteCommand(options: PromoteOptions, io: Io): Promise<number> {
  return withRepositoryLock(options.root, io, () => promote(options, io));
}

/** `environments/<env>/<models|pipelines>/<name>.yaml` (or `.yml`), undefined when absent; a link or folder there is refused. */
function specFile(fs: RepositoryFs, env: string, kind: Kind, name: string): string | undefined {
  for (const rel of specFileNames(name).map((file) => `${ENVIRONMENTS_DIR}/${env}/${kind === 'model' ? MODELS_DIR : PIPELINES_DIR}/${file}`)) {
    const found = fs.kind(rel);
    if (found === 'file') return rel;
    if (found !== undefined) throw new FsProblem(rel, found === 'symlink' ? 'symlink' : found === 'folder' ? 'not-a-file' : 'special-file');
  }
  return undefined;
}

const namesOf = (plan: EnvironmentPlan) => ({ model: plan.models.map((m) => m.name), pipeline: plan.pipelines.map((p) => p.graph.name) });

const overrideOf = (text: string): string | undefined => {
  const data = parse(text, { logLevel: 'error' }) as { metadata?: { annotations?: Record<string, unknown> } } | null;
  const reason = data?.metadata?.annotations?.[PROMOTION_OVERRIDE];
  return typeof reason === 'string' ? reason : undefined;
};

type Spec = Record<string, unknown> & { canary?: Record<string, unknown> };
const specOf = (text: string): Spec => ((parse(text, { logLevel: 'error' }) as { spec?: Spec } | null)?.spec ?? {}) as Spec;
const fieldText = (value: unknown) => (Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : JSON.stringify(value ?? null));

/**
 * The target's static canary, when the promotion moved the stable release under it and the
 * canary runs something else: it was the next release after the old stable one, and may now be
 * an older one than the stable track runs, so \`canary promote\` would go back. Undefined otherwise
 * (no canary, Flagger's analysis, or the canary runs the new stable release).
 */
function canaryLeftBehind(name: string, to: string, before: string, after: string): Edit['canaryWarning'] {
  const [old, next] = [specOf(before), specOf(after)];
  const canary = next.canary;
  if (!canary || canary.analysis !== undefined) return undefined;
  const [oldStable] = releasesOf(old as Parameters<typeof releasesOf>[0]);
  const [stable, canaryRelease] = releasesOf(next as Parameters<typeof releasesOf>[0]);
  if (oldStable === stable || canaryRelease === stable) return undefined;
  const own = RELEASE_FIELDS.filter((f) => canary[f] !== undefined);
  const describe = (of: Spec) => own.map((f) => `${f} ${fieldText(of[f])}`).join(', ');
  return {
    message: `the canary of "${name}" in "${to}" still runs ${describe(canary)} (weight ${fieldText(canary.weight ?? 0)}), while the stable release is now ${describe(next)}: \`tritonops canary promote ${name} --env ${to}\` would replace the new stable release with the canary's, which may be the older one`,
    hint: `update or remove the canary: set its release fields to the release to try next, or \`tritonops canary weight ${name} 0 --env ${to}\` and then remove its \`canary:\` block`,
  };
}

/** The promoted fields of a spec, to tell whether two environments run the same release of a model. */
const releaseFields = (text: string, fields: readonly string[]) => {
  const spec = specOf(text);
  return JSON.stringify(fields.map((f) => spec[f] ?? null));
};

/** The models a pipeline spec's steps call. */
const stepModels = (text: string): string[] => {
  const steps = specOf(text).steps;
  return Array.isArray(steps) ? steps.flatMap((s: { model?: unknown }) => (typeof s?.model === 'string' ? [s.model] : [])) : [];
};

/** Whether every release a model spec runs (stable and canary) is one the source spec runs: then an override has nothing left to cover. */
function coveredBy(targetText: string, sourceText: string): boolean {
  const spec = (text: string) =>
    ((parse(text, { logLevel: 'error' }) as { spec?: Parameters<typeof releasesOf>[0] } | null)?.spec ?? {}) as Parameters<typeof releasesOf>[0];
  const source = releasesOf(spec(sourceText));
  return releasesOf(spec(targetText)).every((r) => source.includes(r));
}

async function promote(options: PromoteOptions, io: Io): Promise<number> {
  const fs = new RepositoryFs(options.root);
  const envs = listEnvironments(options.root);
  for (const env of [options.from, options.to]) {
    if (!envs.includes(env)) {
      io.err(`error: unknown environment "${env}"\n  = hint: ${didYouMeanHint(env, envs, `environments: ${envs.join(', ')}`)}`);
      return EXIT.usage;
    }
  }
  const before = loadRepository(options.root, io, { only: [options.from, options.to] });
  if (before.hasErrors) {
    await reportDiagnostics(io, before.diagnostics, before.sources);
    io.err(`promote needs valid specs first: ${tally(before.diagnostics)}`);
    return EXIT.problems;
  }
  const target = before.plans.find((p) => p.name === options.to)!;
  if (target.promotedFrom !== options.from) {
    io.err(
      `error: environment "${options.to}" is promoted from ${target.promotedFrom ? `"${target.promotedFrom}"` : 'no environment'}, not from "${options.from}"\n  = hint: ${target.promotedFrom ? `use --from ${target.promotedFrom}` : `set promotedFrom: ${options.from} in environments/${options.to}/environment.yaml`}`,
    );
    return EXIT.usage;
  }
  const source = before.plans.find((p) => p.name === options.from)!;
  const [inSource, inTarget] = [namesOf(source), namesOf(target)];
  const kindOf = (name: string): Kind | undefined => (inSource.model.includes(name) ? 'model' : inSource.pipeline.includes(name) ? 'pipeline' : undefined);
  const names = options.all
    ? [...inSource.model.filter((n) => inTarget.model.includes(n)), ...inSource.pipeline.filter((n) => inTarget.pipeline.includes(n))]
    : [...new Set(options.names)];
  if (names.length === 0) {
    io.err(`error: no model or pipeline to promote\n  = hint: name them, or --all for every model and pipeline both environments have`);
    return EXIT.usage;
  }

  const edits: Edit[] = [];
  for (const name of names) {
    const kind = kindOf(name);
    if (!kind) {
      const known = [...inSource.model, ...inSource.pipeline];
      io.err(
        `error: "${name}" is neither a model nor a pipeline of "${options.from}"\n  = hint: ${didYouMeanHint(name, known, `${options.from} has: ${known.join(', ') || '(nothing)'}`)}`,
      );
      return EXIT.usage;
    }
    const from = specFile(fs, options.from, kind, name)!;
    const sourceText = readSpecText(fs, from);
    const to = specFile(fs, options.to, kind, name);
    if (!to) {
      // New in the target: the source's spec as a starting point, without its canary (a
      // first release has no stable track to compare with) and without any override.
      // Comments on placement and scale describe the source's cluster: only the release's stay.
      const withoutCanary = removeEntry(sourceText, ['spec', 'canary']).text;
      const withoutOverride = removeEntry(withoutCanary, ['metadata', 'annotations', PROMOTION_OVERRIDE]).text;
      const text = dropSpecComments(withoutOverride, kind === 'model' ? MODEL_PROMOTED_FIELDS : PIPELINE_PROMOTED_FIELDS);
      edits.push({ kind, name, rel: `${ENVIRONMENTS_DIR}/${options.to}/${from.split('/').slice(-2).join('/')}`, text, created: true, changed: true });
      continue;
    }
    const targetText = readSpecText(fs, to);
    const copied = copyRelease(targetText, sourceText, kind === 'model' ? MODEL_PROMOTED_FIELDS : PIPELINE_PROMOTED_FIELDS);
    if (!copied.ok) {
      io.err(`${relative(io.cwd, join(options.root, to))}: error: ${copied.problem}\n  = hint: ${copied.hint}`);
      return EXIT.problems;
    }
    // The override let a release skip the source; once the target runs only what the source runs, it is obsolete.
    const override = overrideOf(targetText);
    const obsolete = override !== undefined && kind === 'model' && coveredBy(copied.text, sourceText);
    const text = obsolete ? removeEntry(copied.text, ['metadata', 'annotations', PROMOTION_OVERRIDE]).text : copied.text;
    const canaryWarning = kind === 'model' ? canaryLeftBehind(name, options.to, targetText, text) : undefined;
    edits.push({
      kind,
      name,
      rel: to,
      text,
      created: false,
      changed: text !== targetText,
      ...(obsolete ? { overrideRemoved: override } : {}),
      ...(canaryWarning ? { canaryWarning } : {}),
    });
  }

  const overrides = new Map(edits.map((e) => [join(options.root, e.rel), Buffer.from(e.text)]));
  const after = loadRepository(options.root, io, { only: [options.from, options.to], overrides });
  if (after.hasErrors) {
    await reportDiagnostics(io, after.diagnostics, after.sources);
    io.err(`the promotion would leave the specs invalid (${tally(after.diagnostics)}); nothing was written`);
    const shown = (rel: string) => relative(io.cwd, join(options.root, rel)).split(sep).join('/');
    const failed = new Set(after.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
    // A pipeline's steps check their tensors against the target's models: one whose release (its
    // signatures with it) differs from the source's is the usual cause, and promoting it along the fix.
    const together = new Map<string, string[]>();
    for (const e of edits.filter((e) => e.kind === 'pipeline' && failed.has(shown(e.rel)))) {
      const sourceText = readSpecText(fs, specFile(fs, options.from, 'pipeline', e.name)!);
      const differing = [...new Set(stepModels(sourceText))].filter((model) => {
        if (names.includes(model) || !inSource.model.includes(model) || !inTarget.model.includes(model)) return false;
        const [a, b] = [specFile(fs, options.from, 'model', model), specFile(fs, options.to, 'model', model)];
        return a && b && releaseFields(readSpecText(fs, a), MODEL_PROMOTED_FIELDS) !== releaseFields(readSpecText(fs, b), MODEL_PROMOTED_FIELDS);
      });
      if (differing.length > 0) together.set(e.name, differing);
    }
    if (together.size > 0) {
      const models = [...new Set([...together.values()].flat())];
      for (const [pipeline, differing] of together) {
        io.err(
          `  = note: pipeline "${pipeline}" calls ${differing.map((m) => `model "${m}"`).join(', ')}, whose release differs between ${options.from} and ${options.to}: promote ${differing.length === 1 ? 'it' : 'them'} together with the pipeline: \`tritonops promote ${[...models, ...names].join(' ')} --from ${options.from} --to ${options.to}\``,
        );
      }
    }
    for (const e of edits.filter((e) => e.created && !together.has(e.name))) {
      io.err(
        `  = note: ${e.kind} "${e.name}" is new in ${options.to}; its spec was copied from ${options.from}, placement included. ${
          e.kind === 'model'
            ? `Create it with \`tritonops new model ${e.name} --env ${options.to} --pool <gpu-pool>\` instead: it copies the release of ${options.from} and lets you choose the placement`
            : `Write ${e.rel} by hand from ${options.from}'s, with a placement that fits ${options.to}`
        }`,
      );
    }
    if (after.diagnostics.some((d) => d.code === 'promotion-gate') && 'base' in after.gate) {
      io.err(`  = note: the promotion gate compares with ${options.from} at ${after.gate.base}: merge the change to ${options.from} first`);
    }
    return EXIT.problems;
  }
  const written: string[] = [];
  try {
    for (const e of edits.filter((e) => e.changed)) {
      if (e.created) fs.createFile(e.rel, Buffer.from(e.text));
      else fs.replaceFile(e.rel, Buffer.from(e.text));
      written.push(e.rel);
    }
  } catch (error) {
    if (written.length > 0) io.err(`written before the failure below: ${written.join(', ')}; nothing else was changed`);
    throw error;
  }
  const rendered = await synthCommand({ root: options.root, envs: [options.to], check: false }, { ...io, out: () => undefined });
  if (rendered !== EXIT.ok) return rendered;

  // The rendering above reported the target's warnings on stderr; the pull request's body must carry them too.
  const targetFolder = `${relative(io.cwd, join(options.root, ENVIRONMENTS_DIR, options.to))
    .split(sep)
    .join('/')}/`;
  const warnings = after.diagnostics.filter((d) => d.severity === 'warning' && d.file.startsWith(targetFolder));
  for (const e of edits) {
    if (e.canaryWarning) io.err(`${relative(io.cwd, join(options.root, e.rel))}: warning: ${e.canaryWarning.message}\n  = hint: ${e.canaryWarning.hint}`);
  }
  printPullRequest(
    options,
    edits,
    summarizeChange(
      target,
      after.plans.find((p) => p.name === options.to),
    ),
    { warnings, notPromoted: options.all ? notInTarget(inSource, inTarget) : [] },
    io,
  );
  return EXIT.ok;
}

/** What `--all` leaves out: the source's models and pipelines the target lacks (promote creates them only by name). */
function notInTarget(inSource: ReturnType<typeof namesOf>, inTarget: ReturnType<typeof namesOf>): string[] {
  return [
    ...inSource.model.filter((n) => !inTarget.model.includes(n)).map((n) => `model ${n}`),
    ...inSource.pipeline.filter((n) => !inTarget.pipeline.includes(n)).map((n) => `pipeline ${n}`),
  ];
}

interface BodyExtras {
  /** Warnings of the target's specs after the promotion, as validate reports them. */
  readonly warnings: readonly Diagnostic[];
  /** `--all`: what the source has and the target lacks, which it did not create. */
  readonly notPromoted: readonly string[];
}

function printPullRequest(options: PromoteOptions, edits: readonly Edit[], summary: ReturnType<typeof summarizeChange>, extras: BodyExtras, io: Io): void {
  const { from, to } = options;
  const changed = edits.filter((e) => e.changed);
  const same = edits.filter((e) => !e.changed);
  // The title and the body name what changes; the rest is one line. Blocks are separated by a blank line.
  const blocks: string[] = [
    changed.length > 0 ? `Promote ${changed.map((e) => e.name).join(', ')} from ${from} to ${to}` : `Nothing to promote from ${from} to ${to}`,
  ];
  const kinds = new Set(changed.map((e) => e.kind));
  const fields = [
    ...(kinds.has('model') ? [`models: ${MODEL_PROMOTED_FIELDS.join(', ')}`] : []),
    ...(kinds.has('pipeline') ? [`pipelines: ${PIPELINE_PROMOTED_FIELDS.join(', ')}`] : []),
  ];
  if (changed.length > 0) {
    blocks.push(
      `Copies the release (${fields.join('; ')}) from \`${from}\` to \`${to}\`. Everything else in \`${to}\` - placement, scale, its canary, traffic, auth - is unchanged (docs/promotion.md).`,
    );
  }
  const notes = [
    ...edits
      .filter((e) => e.created)
      .map((e) => `New in ${to}: ${e.kind} \`${e.name}\`, placement copied from ${from}; review gpuPool, replicas, autoscaling.`),
    ...edits
      .filter((e) => e.overrideRemoved !== undefined)
      .map((e) => `Removed the promotion override of \`${e.name}\` (${code(e.overrideRemoved!)}): ${to} now runs releases ${from} runs.`),
    ...(same.length > 0 ? [`Already the same in ${to}: ${same.map((e) => code(e.name)).join(', ')}.`] : []),
    ...(extras.notPromoted.length > 0
      ? [
          `Not promoted: ${from} has ${extras.notPromoted.map(code).join(', ')}, which ${to} does not; \`--all\` creates nothing: promote ${extras.notPromoted.length === 1 ? 'it' : 'them'} by name.`,
        ]
      : []),
  ];
  if (notes.length > 0) blocks.push(notes.map((note) => `- ${note}`).join('\n'));
  blocks.push(summary.length === 0 ? `No change: ${to} already runs these releases.` : summaryTable(summary));
  const canaries = edits.flatMap((e) => (e.canaryWarning ? [`${e.rel}: warning: ${e.canaryWarning.message}\n  = hint: ${e.canaryWarning.hint}`] : []));
  const warnings = [...canaries, ...extras.warnings.map((d) => formatDiagnostic(d))];
  // Spec text is untrusted: the warnings quote it, so they go in as code.
  if (warnings.length > 0) blocks.push('### Warnings', fenced(warnings.join('\n')));
  if (changed.length > 0) blocks.push(`Files: ${changed.map((e) => code(e.rel)).join(', ')} and \`flux/*/${to}/\` (rendered).`);
  io.out(blocks.join('\n\n'));
}
