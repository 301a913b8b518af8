/**
 * `tritonops canary promote|weight`: edit a model's spec in place, keeping its comments and
 * formatting, check the whole environment with the edit before writing, then write atomically.
 * Rendering stays a separate, reviewable step (`tritonops synth`).
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { didYouMean, ENVIRONMENTS_DIR, MODELS_DIR, promoteCanary, setCanaryWeight, type EditResult } from '@tritonops/spec';
import { EXIT, type Io } from '../cli.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';

export interface CanaryOptions {
  readonly root: string;
  readonly env: string;
  readonly action: 'promote' | 'weight';
  readonly model: string;
  readonly weight?: number;
}

export async function canaryCommand(options: CanaryOptions, io: Io): Promise<number> {
  const modelsDir = join(options.root, ENVIRONMENTS_DIR, options.env, MODELS_DIR);
  const file = [`${options.model}.yaml`, `${options.model}.yml`].map((f) => join(modelsDir, f)).find((f) => existsSync(f));
  const shown = (path: string) => relative(io.cwd, path).split(sep).join('/');
  if (!file) {
    const models = existsSync(modelsDir) ? readdirSync(modelsDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')).sort() : [];
    const guess = didYouMean(options.model, models);
    io.err(`error: environment "${options.env}" has no model "${options.model}"\n  = hint: ${guess ? `did you mean "${guess}"?` : `models: ${models.join(', ') || '(none)'}`}`);
    return EXIT.usage;
  }

  const before = readFileSync(file, 'utf8');
  const edit: EditResult = options.action === 'promote' ? promoteCanary(before) : setCanaryWeight(before, options.weight!);
  if (!edit.ok) {
    io.err(`${shown(file)}: error: ${edit.problem}\n  = hint: ${edit.hint}\nNothing was written.`);
    return EXIT.problems;
  }

  // The edited file must leave the environment valid, or it is not written.
  const check = loadRepository(options.root, io, { only: [options.env], overrides: new Map([[file, Buffer.from(edit.text)]]) });
  if (check.hasErrors) {
    await reportDiagnostics(io, check.diagnostics, check.sources);
    io.err(`the edit would leave the specs invalid (${tally(check.diagnostics)}); nothing was written`);
    return EXIT.problems;
  }
  const temporary = `${file}.tritonops-tmp`;
  writeFileSync(temporary, edit.text);
  renameSync(temporary, file);

  const what = options.action === 'promote' ? `promoted the canary of ${options.model}: it is now the stable release` : `set the canary weight of ${options.model}`;
  io.out(`${what} in ${shown(file)}`);
  for (const change of edit.changes) io.out(`  ${change}`);
  io.out(`next: tritonops synth --env ${options.env}, then commit ${shown(file)} and flux/ in one pull request`);
  return EXIT.ok;
}
