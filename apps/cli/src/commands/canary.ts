/**
 * `tritonops canary promote|weight`: edit a model's spec in place, keeping its comments and
 * formatting, check the whole environment with the edit before writing, then write atomically.
 * Rendering stays a separate, reviewable step (`tritonops synth`).
 */
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { didYouMeanHint, promoteCanary, releasesOf, RepositoryFs, setCanaryWeight, type EditResult } from '@tritonops/planner';
import { releaseHistory } from '../git.ts';
import { withRepositoryLock } from '../repository-lock.ts';
import { modelFile, modelNames, readSpecText } from '../spec-files.ts';
import { EXIT, type Io } from '../io.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';

export const command = defineCommand({
  name: 'canary',
  summary: "Promote a model's canary, or set its traffic weight (edits the spec in place)",
  usage: ['canary promote <model> --env <name> [--allow-older] [--root <dir>]', 'canary weight <model> <percent> --env <name> [--root <dir>]'],
  positionals: true,
  description: `promote  Makes the canary's release (image, repository, models, args) the stable release of the
         model and removes the canary block. The stable Deployment keeps its name, so applying
         the result is a rolling update, never a delete-and-create. Refused when the
         model's Git history says the canary's release may be older than the stable one: it
         ran as the stable release before, or the stable release changed under the canary
         (e.g. \`tritonops promote\` moved it on); --allow-older promotes it anyway.
weight   Sets the percent of traffic the canary receives (0-100); the stable track gets the rest.

Both edit environments/<env>/models/<model>.yaml in place, keeping comments and formatting, and
write nothing if the edited specs would not validate. Render and commit afterwards:
  tritonops synth --env <name>`,
  options: {
    'allow-older': {
      type: 'boolean',
      description: 'canary promote: promote a canary whose release may be older than the stable one (a rollback)',
    },
  },
  exits: [
    ['ok', 'edited'],
    ['problems', 'the edit is not possible or would be invalid'],
    ['usage', 'usage error'],
  ],
  run: async ({ root, env, positionals, values }, io) => {
    const [action, model, weightText, ...extra] = positionals;
    if (action !== 'promote' && action !== 'weight') {
      throw new UsageError(action === undefined ? 'canary needs an action' : `unknown canary action "${action}"`, ['promote', 'weight'], action);
    }
    if (model === undefined) throw new UsageError(`canary ${action} needs a model name`);
    if (env.length !== 1) throw new UsageError(`canary ${action} needs exactly one --env`);
    let weight: number | undefined;
    if (action === 'weight') {
      if (weightText === undefined || !/^\d+$/.test(weightText) || Number(weightText) > 100) {
        throw new UsageError(`canary weight needs a percent from 0 to 100${weightText === undefined ? '' : `, not "${weightText}"`}`);
      }
      weight = Number(weightText);
    }
    if (extra.length > 0 || (action === 'promote' && weightText !== undefined)) {
      throw new UsageError(`unexpected argument "${action === 'promote' ? weightText : extra[0]}"`);
    }
    if (values['allow-older'] && action !== 'promote') throw new UsageError('--allow-older applies to `canary promote` only');
    return canaryCommand(
      { root, env: env[0]!, action, model, ...(weight !== undefined ? { weight } : {}), ...(values['allow-older'] ? { allowOlder: true } : {}) },
      io,
    );
  },
});

export interface CanaryOptions {
  readonly root: string;
  readonly env: string;
  readonly action: 'promote' | 'weight';
  readonly model: string;
  readonly weight?: number;
  /** Promote a canary whose release may be older than the stable one (see `olderCanary`). */
  readonly allowOlder?: boolean;
}

type Releases = ReturnType<typeof releasesOf>;
const releasesIn = (text: string): Releases => {
  try {
    const spec = (parse(text, { logLevel: 'error' }) as { spec?: Parameters<typeof releasesOf>[0] } | null)?.spec;
    return spec ? releasesOf(spec) : [];
  } catch {
    return [];
  }
};

/** A release key of \`releasesOf\` as people read it: repository, image, models, args. */
function describeRelease(key: string): string {
  const [image, repository, models, args] = JSON.parse(key) as [unknown, unknown, string[] | null, string[]];
  return [repository, image, models && `models ${models.join(', ')}`, args.length > 0 && `args ${args.join(' ')}`].filter(Boolean).join(', ');
}

/**
 * Why promoting the canary of \`text\` may go back to an older release, from the committed versions
 * of its spec (newest first): the canary's release ran as the stable one before, or the canary was
 * already there, with this release, before the stable release last changed — it was the next
 * release after an older stable one. Undefined when neither (or outside Git).
 */
function olderCanary(text: string, versions: readonly string[]): string | undefined {
  const [stable, canary] = releasesIn(text);
  if (stable === undefined || canary === undefined || canary === stable) return undefined;
  const past = versions.map(releasesIn);
  if (past.some(([s]) => s === canary)) return `its release (${describeRelease(canary)}) ran as the stable release before`;
  const previous = past.find(([s]) => s !== undefined && s !== stable);
  if (previous?.[1] === canary) {
    return `it was set up when the stable release was ${describeRelease(previous[0]!)}; the stable release has since moved to ${describeRelease(stable)}, so the canary's (${describeRelease(canary)}) may be the older one`;
  }
  return undefined;
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
    io.err(
      `error: environment "${options.env}" has no model "${options.model}"\n  = hint: ${didYouMeanHint(options.model, models, `models: ${models.join(', ') || '(none)'}`)}`,
    );
    return EXIT.usage;
  }

  const before = readSpecText(fs, rel);
  if (options.action === 'promote' && !options.allowOlder) {
    const older = olderCanary(before, releaseHistory(options.root).versions(rel));
    if (older) {
      io.err(
        `${shown(rel)}: error: promoting the canary of "${options.model}" may go back to an earlier release: ${older}\n  = hint: update the canary's release to the next one, or remove the canary (\`tritonops canary weight ${options.model} 0 --env ${options.env}\`, then delete its \`canary:\` block); to roll back on purpose, run again with --allow-older\nNothing was written.`,
      );
      return EXIT.problems;
    }
  }
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

  const what =
    options.action === 'promote' ? `promoted the canary of ${options.model}: it is now the stable release` : `set the canary weight of ${options.model}`;
  io.out(`${what} in ${shown(rel)}`);
  for (const change of edit.changes) io.out(`  ${change}`);
  io.out(`next: tritonops synth --env ${options.env}, then commit ${shown(rel)} and flux/ in one pull request`);
  return EXIT.ok;
}
