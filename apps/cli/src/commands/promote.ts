/**
 * `tritonops promote`: moves releases one step along the promotion chain (dev → staging →
 * production). For each model it copies the release fields of the source environment's spec
 * (image, repository, models, args, signatures, canary) into the target's, keeping the target's
 * placement (pool, replicas, autoscaling, resources, auth, …) and every comment. The edited target
 * environment must validate; then the specs are written, the target is rendered, and a PR title
 * and body are printed.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { copyRelease, didYouMean, listEnvironments, PROMOTED_FIELDS, summarizeChange } from '@tritonops/spec';
import { EXIT, type Io } from '../cli.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { synthCommand } from './synth.ts';

export interface PromoteOptions {
  readonly root: string;
  readonly from: string;
  readonly to: string;
  readonly models: readonly string[];
  readonly all: boolean;
}

const modelFile = (root: string, env: string, model: string) =>
  ['yaml', 'yml'].map((ext) => join(root, 'environments', env, 'models', `${model}.${ext}`)).find((p) => existsSync(p));

export async function promoteCommand(options: PromoteOptions, io: Io): Promise<number> {
  const envs = listEnvironments(options.root);
  for (const env of [options.from, options.to]) {
    if (!envs.includes(env)) {
      const guess = didYouMean(env, envs);
      io.err(`error: unknown environment "${env}"\n  = hint: ${guess ? `did you mean "${guess}"?` : `environments: ${envs.join(', ')}`}`);
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
    io.err(`error: environment "${options.to}" is promoted from ${target.promotedFrom ? `"${target.promotedFrom}"` : 'no environment'}, not from "${options.from}"\n  = hint: ${target.promotedFrom ? `use --from ${target.promotedFrom}` : `set promotedFrom: ${options.from} in environments/${options.to}/environment.yaml`}`);
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
    const [from, to] = [modelFile(options.root, options.from, name), modelFile(options.root, options.to, name)];
    if (!from || !to) {
      const pool = (from ? target : source).models.map((m) => m.name);
      const guess = didYouMean(name, pool);
      io.err(`error: model "${name}" does not exist in "${from ? options.to : options.from}"\n  = hint: ${guess ? `did you mean "${guess}"?` : from ? `create environments/${options.to}/models/${name}.yaml first (tritonops new model ${name} --env ${options.to}); promotion copies releases, not placement` : `models of ${options.from}: ${source.models.map((m) => m.name).join(', ')}`}`);
      return EXIT.usage;
    }
    const edit = copyRelease(readFileSync(to, 'utf8'), readFileSync(from, 'utf8'));
    if (!edit.ok) {
      io.err(`${relative(io.cwd, to)}: error: ${edit.problem}\n  = hint: ${edit.hint}`);
      return EXIT.problems;
    }
    edits.set(to, edit);
  }
  const overrides = new Map([...edits].map(([path, e]) => [path, Buffer.from(e.text)]));
  const after = loadRepository(options.root, io, { only: [options.from, options.to], overrides });
  if (after.hasErrors) {
    await reportDiagnostics(io, after.diagnostics, after.sources);
    io.err(`the promotion would leave the specs invalid (${tally(after.diagnostics)}); nothing was written`);
    return EXIT.problems;
  }
  for (const [path, edit] of edits) {
    writeFileSync(`${path}.tritonops-tmp`, edit.text);
    renameSync(`${path}.tritonops-tmp`, path);
  }
  const rendered = await synthCommand({ root: options.root, envs: [options.to], check: false }, { ...io, out: () => undefined });
  if (rendered !== EXIT.ok) return rendered;

  const summary = summarizeChange(target, after.plans.find((p) => p.name === options.to));
  const show = (p: string) => relative(options.root, p).split(sep).join('/');
  io.out(`Promote ${names.join(', ')} from ${options.from} to ${options.to}`);
  io.out('');
  io.out(`Copies the release (${PROMOTED_FIELDS.join(', ')}) of ${names.length === 1 ? 'this model' : 'these models'} from \`${options.from}\` to \`${options.to}\`; placement and scale in \`${options.to}\` are unchanged.`);
  io.out('');
  if (summary.length === 0) io.out(`No change: ${options.to} already runs these releases.`);
  else {
    io.out('| Subject | Change | Before | After |');
    io.out('| --- | --- | --- | --- |');
    for (const s of summary) io.out(`| ${s.subject} | ${s.what} | ${s.before.replace(/\|/g, '\\|')} | ${s.after.replace(/\|/g, '\\|')} |`);
  }
  io.out('');
  io.out(`Files: ${[...edits.keys()].map(show).map((p) => `\`${p}\``).join(', ')} and \`flux/*/${options.to}/\` (rendered).`);
  return EXIT.ok;
}
