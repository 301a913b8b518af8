/**
 * `tritonops promote`: moves releases one step along the promotion chain (dev → staging →
 * production). For each model it copies the release fields of the source environment's spec
 * (image, repository, models, args, signatures, canary) into the target's, keeping the target's
 * placement (pool, replicas, autoscaling, resources, auth, …) and every comment. The edited target
 * environment must validate; then the specs are written, the target is rendered, and a PR title
 * and body are printed.
 */
import { join, relative } from 'node:path';
import { copyRelease, didYouMeanHint, listEnvironments, PROMOTED_FIELDS, RepositoryFs, summarizeChange } from '@tritonops/planner';
import { code, summaryTable } from '../markdown.ts';
import { withRepositoryLock } from '../repository-lock.ts';
import { modelFile, readSpecText } from '../spec-files.ts';
import { EXIT, type Io } from '../io.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';
import { synthCommand } from './synth.ts';

export const command = defineCommand({
  name: 'promote',
  summary: "Copy models' releases from one environment to the next, and render it",
  usage: ['promote <model>... --from <env> --to <env> [--root <dir>]', 'promote --all --from <env> --to <env>'],
  positionals: true,
  description: `Copies the release of each model - image, repository, models, args, signatures and the canary
block - from the --from environment's spec into the --to environment's, keeping everything else
there (GPU pool, gpus, replicas, autoscaling, resources, cache, env, traffic, auth, slo) and
every comment. --to must be promoted from --from (promotedFrom). Writes nothing unless the
result validates; then renders --to and prints a pull-request title and body.`,
  options: {
    from: { type: 'string', value: 'env', description: 'The environment whose releases are copied' },
    to: { type: 'string', value: 'env', description: 'The environment that receives them' },
    all: { type: 'boolean', description: 'Every model both environments have, instead of naming them' },
  },
  exits: [
    ['ok', 'promoted'],
    ['problems', 'spec errors or invalid result'],
    ['usage', 'usage error (unknown model or environment)'],
  ],
  run: ({ root, values, positionals }, io) => {
    if (!values.from || !values.to) throw new UsageError('promote needs --from <env> and --to <env>');
    if (values.all === positionals.length > 0) throw new UsageError('name the models to promote, or pass --all (not both)');
    return promoteCommand({ root, from: values.from, to: values.to, models: positionals, all: values.all }, io);
  },
});

export interface PromoteOptions {
  readonly root: string;
  readonly from: string;
  readonly to: string;
  readonly models: readonly string[];
  readonly all: boolean;
}

export async function promoteCommand(options: PromoteOptions, io: Io): Promise<number> {
  return withRepositoryLock(options.root, io, () => promote(options, io));
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
  const names = options.all ? source.models.map((m) => m.name).filter((n) => target.models.some((m) => m.name === n)) : [...options.models];
  if (names.length === 0) {
    io.err(`error: no model to promote\n  = hint: name models, or --all for every model both environments have`);
    return EXIT.usage;
  }
  const edits = new Map<string, { text: string; changes: string[] }>();
  for (const name of names) {
    const [from, to] = [modelFile(fs, options.from, name), modelFile(fs, options.to, name)];
    if (!from || !to) {
      const pool = (from ? target : source).models.map((m) => m.name);
      io.err(
        `error: model "${name}" does not exist in "${from ? options.to : options.from}"\n  = hint: ${didYouMeanHint(name, pool, from ? `create environments/${options.to}/models/${name}.yaml first (tritonops new model ${name} --env ${options.to}); promotion copies releases, not placement` : `models of ${options.from}: ${source.models.map((m) => m.name).join(', ')}`)}`,
      );
      return EXIT.usage;
    }
    const edit = copyRelease(readSpecText(fs, to), readSpecText(fs, from));
    if (!edit.ok) {
      io.err(`${relative(io.cwd, join(options.root, to))}: error: ${edit.problem}\n  = hint: ${edit.hint}`);
      return EXIT.problems;
    }
    edits.set(to, edit);
  }
  const overrides = new Map([...edits].map(([rel, e]) => [join(options.root, rel), Buffer.from(e.text)]));
  const after = loadRepository(options.root, io, { only: [options.from, options.to], overrides });
  if (after.hasErrors) {
    await reportDiagnostics(io, after.diagnostics, after.sources);
    io.err(`the promotion would leave the specs invalid (${tally(after.diagnostics)}); nothing was written`);
    return EXIT.problems;
  }
  const written: string[] = [];
  try {
    for (const [rel, edit] of edits) {
      fs.replaceFile(rel, Buffer.from(edit.text));
      written.push(rel);
    }
  } catch (error) {
    if (written.length > 0) io.err(`written before the failure below: ${written.join(', ')}; nothing else was changed`);
    throw error;
  }
  const rendered = await synthCommand({ root: options.root, envs: [options.to], check: false }, { ...io, out: () => undefined });
  if (rendered !== EXIT.ok) return rendered;

  const summary = summarizeChange(
    target,
    after.plans.find((p) => p.name === options.to),
  );
  io.out(`Promote ${names.join(', ')} from ${options.from} to ${options.to}`);
  io.out('');
  io.out(
    `Copies the release (${PROMOTED_FIELDS.join(', ')}) of ${names.length === 1 ? 'this model' : 'these models'} from \`${options.from}\` to \`${options.to}\`; placement and scale in \`${options.to}\` are unchanged.`,
  );
  io.out('');
  if (summary.length === 0) io.out(`No change: ${options.to} already runs these releases.`);
  else io.out(summaryTable(summary));
  io.out('');
  io.out(`Files: ${[...edits.keys()].map((p) => code(p)).join(', ')} and \`flux/*/${options.to}/\` (rendered).`);
  return EXIT.ok;
}
