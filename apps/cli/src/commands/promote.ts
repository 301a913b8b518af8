/**
 * `tritonops promote`: moves releases one step along the promotion chain (dev → staging →
 * production). For each model or pipeline it copies the release fields of the source
 * environment's spec (MODEL_PROMOTED_FIELDS / PIPELINE_PROMOTED_FIELDS of @tritonops/spec) into
 * the target's, keeping everything the target decides itself (placement, scale, its canary,
 * traffic, auth, …) and every comment. One missing in the target is created from the source's
 * spec without its canary. A promotion-override annotation the promotion makes obsolete goes.
 * The edited target must validate — the promotion gate compares with the source as the base
 * branch has it — then the specs are written, the target is rendered, and a PR title and body
 * are printed. docs/promotion.md says why each field is where it is.
 */
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import {
  copyRelease,
  didYouMeanHint,
  ENVIRONMENTS_DIR,
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
  type EnvironmentPlan,
} from '@tritonops/planner';
import { MODEL_PROMOTED_FIELDS, PIPELINE_PROMOTED_FIELDS } from '@tritonops/spec';
import { code, summaryTable } from '../markdown.ts';
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
in --to is created from the --from spec without its canary (review its placement). A
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
      const withoutCanary = removeEntry(sourceText, ['spec', 'canary']).text;
      const text = removeEntry(withoutCanary, ['metadata', 'annotations', PROMOTION_OVERRIDE]).text;
      edits.push({ kind, name, rel: `${ENVIRONMENTS_DIR}/${options.to}/${from.split('/').slice(-2).join('/')}`, text, created: true });
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
    edits.push({ kind, name, rel: to, text, created: false, ...(obsolete ? { overrideRemoved: override } : {}) });
  }

  const overrides = new Map(edits.map((e) => [join(options.root, e.rel), Buffer.from(e.text)]));
  const after = loadRepository(options.root, io, { only: [options.from, options.to], overrides });
  if (after.hasErrors) {
    await reportDiagnostics(io, after.diagnostics, after.sources);
    io.err(`the promotion would leave the specs invalid (${tally(after.diagnostics)}); nothing was written`);
    for (const e of edits.filter((e) => e.created)) {
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
    for (const e of edits) {
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

  printPullRequest(
    options,
    edits,
    summarizeChange(
      target,
      after.plans.find((p) => p.name === options.to),
    ),
    io,
  );
  return EXIT.ok;
}

function printPullRequest(options: PromoteOptions, edits: readonly Edit[], summary: ReturnType<typeof summarizeChange>, io: Io): void {
  const { from, to } = options;
  io.out(`Promote ${edits.map((e) => e.name).join(', ')} from ${from} to ${to}`);
  io.out('');
  const kinds = new Set(edits.map((e) => e.kind));
  const fields = [
    ...(kinds.has('model') ? [`models: ${MODEL_PROMOTED_FIELDS.join(', ')}`] : []),
    ...(kinds.has('pipeline') ? [`pipelines: ${PIPELINE_PROMOTED_FIELDS.join(', ')}`] : []),
  ];
  io.out(
    `Copies the release (${fields.join('; ')}) from \`${from}\` to \`${to}\`. Everything else in \`${to}\` - placement, scale, its canary, traffic, auth - is unchanged (docs/promotion.md).`,
  );
  const notes = [
    ...edits
      .filter((e) => e.created)
      .map((e) => `New in ${to}: ${e.kind} \`${e.name}\`, placement copied from ${from}; review gpuPool, replicas, autoscaling.`),
    ...edits
      .filter((e) => e.overrideRemoved !== undefined)
      .map((e) => `Removed the promotion override of \`${e.name}\` (${code(e.overrideRemoved!)}): ${to} now runs releases ${from} runs.`),
  ];
  if (notes.length > 0) {
    io.out('');
    for (const note of notes) io.out(`- ${note}`);
  }
  io.out('');
  if (summary.length === 0) io.out(`No change: ${to} already runs these releases.`);
  else io.out(summaryTable(summary));
  io.out('');
  io.out(`Files: ${edits.map((e) => code(e.rel)).join(', ')} and \`flux/*/${to}/\` (rendered).`);
}
