/**
 * `tritonops canary promote|weight`: edit a model's spec in place, keeping its comments and
 * formatting, check the whole environment with the edit before writing, then write atomically.
 * Rendering stays a separate, reviewable step (`tritonops synth`).
 */
import { join, relative, sep } from 'node:path';
import { didYouMean, promoteCanary, RepositoryFs, setCanaryWeight, type EditResult } from '@tritonops/planner';
import { withRepositoryLock } from '../repository-lock.ts';
import { modelFile, modelNames, readSpecText } from '../spec-files.ts';
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
  return withRepositoryLock(options.root, io, () => editCanary(options, io));
}

async function editCanary(options: CanaryOptions, io: Io): Promise<number> {
  const fs = new RepositoryFs(options.root);
  const rel = modelFile(fs, options.env, options.model);
  const shown = (path: string) => relative(io.cwd, join(options.root, path)).split(sep).join('/');
  if (!rel) {
    const models = modelNames(fs, options.env);
    const guess = didYouMean(options.model, models);
    io.err(`error: environment "${options.env}" has no model "${options.model}"\n  = hint: ${guess ? `did you mean "${guess}"?` : `models: ${models.join(', ') || '(none)'}`}`);
    return EXIT.usage;
  }

  const before = readSpecText(fs, rel);
  const edit: EditResult = options.action === 'promote' ? promoteCanary(before) : setCanaryWeight(before, options.weight!);
  if (!edit.ok) {
    io.err(`${shown(rel)}: error: ${edit.problem}\n  = hint: ${edit.hint}\nNothing was written.`);
    return EXIT.problems;
  }

  // The edited file must leave the environment valid, or it is not written.
  const check = loadRepository(options.root, io, { only: [options.env], overrides: new Map([[join(options.root, rel), Buffer.from(edit.text)]]) });
  if (check.hasErrors) {
    await reportDiagnostics(io, check.diagnostics, check.sources);
    io.err(`the edit would leave the specs invalid (${tally(check.diagnostics)}); nothing was written`);
    return EXIT.problems;
  }
  fs.replaceFile(rel, Buffer.from(edit.text));

  const what = options.action === 'promote' ? `promoted the canary of ${options.model}: it is now the stable release` : `set the canary weight of ${options.model}`;
  io.out(`${what} in ${shown(rel)}`);
  for (const change of edit.changes) io.out(`  ${change}`);
  io.out(`next: tritonops synth --env ${options.env}, then commit ${shown(rel)} and flux/ in one pull request`);
  return EXIT.ok;
}
