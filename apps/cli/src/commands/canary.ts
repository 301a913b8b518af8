/**
 * `tritonops canary start|weight|promote|remove`: edit a model's spec in place, keeping its
 * comments and formatting, check the whole environment with the edit before writing, then write
 * atomically. `planCanaryEdit` is all of it but the writing and the printing, for callers in the
 * same process (the control panel), so that they apply the same rules and refusals.
 * Rendering stays a separate, reviewable step (`tritonops synth`).
 */
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import {
  didYouMeanHint,
  promoteCanary,
  releasesOf,
  removeCanary,
  RepositoryFs,
  setCanaryWeight,
  startCanary,
  type Diagnostic,
  type EditResult,
  type RepositoryPlanResult,
  type SourceFile,
} from '@tritonops/planner';
import { releaseHistory } from '../git.ts';
import { withRepositoryLock } from '../repository-lock.ts';
import { modelFile, modelNames, readSpecText } from '../spec-files.ts';
import { EXIT, type Io } from '../io.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';

export const CANARY_ACTIONS = ['start', 'weight', 'promote', 'remove'] as const;
export type CanaryAction = (typeof CANARY_ACTIONS)[number];

/** The share of the traffic a canary starts with when `--weight` is not given. */
export const DEFAULT_CANARY_WEIGHT = 10;

/** Options that only `canary start` takes. */
const START_OPTIONS = ['image', 'repository', 'models', 'weight'] as const;

export const command = defineCommand({
  name: 'canary',
  summary: "Start, weight, promote or remove a model's canary (edits the spec in place)",
  usage: [
    // Wrapped by hand: help is 100 columns wide.
    'canary start <model> --env <name> [--image <ref>] [--repository <s3-uri>]\n                              [--models <a,b>] [--weight <percent>] [--root <dir>]',
    'canary weight <model> <percent> --env <name> [--root <dir>]',
    'canary promote <model> --env <name> [--allow-older] [--root <dir>]',
    'canary remove <model> --env <name> [--root <dir>]',
  ],
  positionals: true,
  description: `start    Adds a canary block running the next release (any of --image, --repository,
         --models; the rest is inherited from the stable release) on --weight percent of the
         traffic (default ${DEFAULT_CANARY_WEIGHT}). Refused when the model has a canary already or the release is
         the stable one.
weight   Sets the percent of traffic the canary receives (0-100); the stable track gets the rest.
promote  Makes the canary's release (image, repository, models, args) the stable release of the
         model and removes the canary block. The stable Deployment keeps its name, so applying
         the result is a rolling update, never a delete-and-create. Refused when the
         model's Git history says the canary's release may be older than the stable one: it
         ran as the stable release before, or the stable release changed under the canary
         (e.g. \`tritonops promote\` moved it on); --allow-older promotes it anyway.
remove   Removes the canary block without promoting it. Refused while the canary receives a
         share of the traffic (weight > 0), as synth's prune guard refuses that render, or keeps
         a header route or a mirror, which diff calls two steps: drain it first (canary weight
         <model> 0, drop header and mirror), let Flux apply it, then remove it. A canary under
         Flagger analysis is Flagger's: weight, promote and remove refuse it.

Each edits environments/<env>/models/<model>.yaml in place, keeping comments and formatting, and
writes nothing if the edited specs would not validate. Render and commit afterwards:
  tritonops synth --env <name>`,
  options: {
    image: { type: 'string', value: 'ref', description: "canary start: the canary's Triton server image" },
    repository: { type: 'string', value: 's3-uri', description: "canary start: the canary's Triton model repository in the environment's S3" },
    models: { type: 'string', value: 'a,b', description: 'canary start: the Triton models the canary loads, comma-separated' },
    weight: {
      type: 'string',
      value: 'percent',
      description: `canary start: the canary's percent of the traffic (0-100, default ${DEFAULT_CANARY_WEIGHT})`,
    },
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
    if (!(CANARY_ACTIONS as readonly (string | undefined)[]).includes(action)) {
      throw new UsageError(action === undefined ? 'canary needs an action' : `unknown canary action "${action}"`, CANARY_ACTIONS, action);
    }
    const act = action as CanaryAction;
    if (model === undefined) throw new UsageError(`canary ${act} needs a model name`);
    if (env.length !== 1) throw new UsageError(`canary ${act} needs exactly one --env`);
    const percent = (text: string | undefined, what: string) => {
      if (text === undefined || !/^\d+$/.test(text) || Number(text) > 100) {
        throw new UsageError(`${what} needs a percent from 0 to 100${text === undefined ? '' : `, not "${text}"`}`);
      }
      return Number(text);
    };
    let weight: number | undefined;
    if (act === 'weight') weight = percent(weightText, 'canary weight');
    if (extra.length > 0 || (act !== 'weight' && weightText !== undefined)) {
      throw new UsageError(`unexpected argument "${act !== 'weight' ? weightText : extra[0]}"`);
    }
    if (values['allow-older'] && act !== 'promote') throw new UsageError('--allow-older applies to `canary promote` only');
    const misplaced = START_OPTIONS.find((name) => values[name] !== undefined);
    if (misplaced && act !== 'start') throw new UsageError(`--${misplaced} applies to \`canary start\` only`);
    let release: CanaryRelease | undefined;
    if (act === 'start') {
      const models = values.models?.split(',').map((m) => m.trim());
      if (models?.some((m) => m === '')) throw new UsageError(`--models needs model names separated by commas, not "${values.models}"`);
      release = {
        ...(values.image !== undefined ? { image: values.image } : {}),
        ...(values.repository !== undefined ? { repository: values.repository } : {}),
        ...(models ? { models } : {}),
      };
      if (Object.keys(release).length === 0) throw new UsageError('canary start needs the release to try: --image, --repository or --models');
      weight = values.weight === undefined ? DEFAULT_CANARY_WEIGHT : percent(values.weight, '--weight');
    }
    return canaryCommand(
      {
        root,
        env: env[0]!,
        action: act,
        model,
        ...(weight !== undefined ? { weight } : {}),
        ...(release ? { release } : {}),
        ...(values['allow-older'] ? { allowOlder: true } : {}),
      },
      io,
    );
  },
});

/** The release a canary starts with: what it sets, the rest is inherited from the stable release. */
export interface CanaryRelease {
  readonly image?: string;
  readonly repository?: string;
  readonly models?: readonly string[];
  readonly args?: readonly string[];
}

export interface CanaryOptions {
  readonly root: string;
  readonly env: string;
  readonly action: CanaryAction;
  readonly model: string;
  /** weight: the new share of the traffic; start: the canary's share (default DEFAULT_CANARY_WEIGHT). */
  readonly weight?: number;
  /** start: the release the canary runs. */
  readonly release?: CanaryRelease;
  /** Promote a canary whose release may be older than the stable one (see `olderCanary`). */
  readonly allowOlder?: boolean;
  /** The folder that the paths of diagnostics are shown relative to (the CLI's working folder); default: root. */
  readonly displayBase?: string;
}

/**
 * What `planCanaryEdit` decided. Done: the new text of `rel` (a path inside the repository), for
 * the caller to write (RepositoryFs.replaceFile), what changed and what was done, in words.
 * Refused: the exit code the CLI uses, the problem and what to do; `rel` when a spec file was
 * found (and left unchanged); `olderRelease` when only `allowOlder` would let it through;
 * `diagnostics` (with their `sources`) when the edit would leave the environment invalid.
 */
export type CanaryPlan =
  | { ok: true; rel: string; text: string; changes: string[]; message: string }
  | {
      ok: false;
      exit: number;
      message: string;
      hint?: string;
      rel?: string;
      /** promote: refused because the canary's release may be older than the stable one; `allowOlder` would promote it. */
      olderRelease?: true;
      diagnostics?: Diagnostic[];
      sources?: Map<string, SourceFile>;
    };

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

/** Checks the environment of `options` with `text` in place of the file `rel`: the edit's validation. */
export type EditCheck = (rel: string, text: string) => Pick<RepositoryPlanResult, 'hasErrors' | 'diagnostics' | 'sources'>;

/** The CLI's check: the environment loaded afresh, the promotion gate against the base branch. */
const freshCheck =
  (options: CanaryOptions): EditCheck =>
  (rel, text) =>
    loadRepository(
      options.root,
      { out: () => {}, err: () => {}, cwd: options.displayBase ?? options.root },
      {
        only: [options.env],
        overrides: new Map([[join(options.root, rel), Buffer.from(text)]]),
      },
    );

/**
 * Everything a canary action does except writing and printing: finds the spec, applies the edit
 * and checks the whole environment with it (`check`: the control panel passes its warm state's).
 * Writes nothing; callers that then write the file hold the repository lock (withRepositoryLock)
 * across both, as `canaryCommand` does.
 */
export function planCanaryEdit(options: CanaryOptions, check: EditCheck = freshCheck(options)): CanaryPlan {
  const fs = new RepositoryFs(options.root);
  const rel = modelFile(fs, options.env, options.model);
  if (!rel) {
    const models = modelNames(fs, options.env);
    return {
      ok: false,
      exit: EXIT.usage,
      message: `environment "${options.env}" has no model "${options.model}"`,
      hint: didYouMeanHint(options.model, models, `models: ${models.join(', ') || '(none)'}`),
    };
  }

  const before = readSpecText(fs, rel);
  if (options.action === 'promote' && !options.allowOlder) {
    const older = olderCanary(before, releaseHistory(options.root).versions(rel));
    if (older) {
      return {
        ok: false,
        exit: EXIT.problems,
        rel,
        olderRelease: true,
        message: `promoting the canary of "${options.model}" may go back to an earlier release: ${older}`,
        hint: `update the canary's release to the next one, or remove the canary (\`tritonops canary weight ${options.model} 0 --env ${options.env}\`, then delete its \`canary:\` block); to roll back on purpose, run again with --allow-older`,
      };
    }
  }
  const edit = editFor(options, before);
  if (!edit.ok) return { ok: false, exit: EXIT.problems, rel, message: edit.problem, hint: edit.hint };

  // The edited file must leave the environment valid, or it is not written.
  const checked = check(rel, edit.text);
  if (checked.hasErrors) {
    return {
      ok: false,
      exit: EXIT.problems,
      rel,
      message: `the edit would leave the specs invalid (${tally(checked.diagnostics)})`,
      diagnostics: [...checked.diagnostics],
      sources: new Map(checked.sources),
    };
  }
  return { ok: true, rel, text: edit.text, changes: edit.changes, message: doneMessage(options) };
}

function editFor(options: CanaryOptions, text: string): EditResult {
  switch (options.action) {
    case 'start':
      return startCanary(text, { ...options.release }, options.weight ?? DEFAULT_CANARY_WEIGHT);
    case 'weight':
      return setCanaryWeight(text, options.weight!);
    case 'promote':
      return promoteCanary(text);
    case 'remove':
      return removeCanary(text, { model: options.model, env: options.env });
  }
}

function doneMessage(options: CanaryOptions): string {
  switch (options.action) {
    case 'start':
      return `started a canary of ${options.model} on ${options.weight ?? DEFAULT_CANARY_WEIGHT}% of the traffic`;
    case 'weight':
      return `set the canary weight of ${options.model}`;
    case 'promote':
      return `promoted the canary of ${options.model}: it is now the stable release`;
    case 'remove':
      return `removed the canary of ${options.model} without promoting it`;
  }
}

export async function canaryCommand(options: CanaryOptions, io: Io): Promise<number> {
  return withRepositoryLock(options.root, io, async () => {
    const shown = (path: string) => relative(io.cwd, join(options.root, path)).split(sep).join('/');
    const plan = planCanaryEdit({ ...options, displayBase: io.cwd });
    if (!plan.ok) {
      if (plan.diagnostics) {
        await reportDiagnostics(io, plan.diagnostics, plan.sources ?? new Map());
        io.err(`${plan.message}; nothing was written`);
      } else {
        const where = plan.rel ? `${shown(plan.rel)}: ` : '';
        io.err(`${where}error: ${plan.message}${plan.hint ? `\n  = hint: ${plan.hint}` : ''}${plan.rel ? '\nNothing was written.' : ''}`);
      }
      return plan.exit;
    }
    new RepositoryFs(options.root).replaceFile(plan.rel, Buffer.from(plan.text));
    io.out(`${plan.message} in ${shown(plan.rel)}`);
    for (const change of plan.changes) io.out(`  ${change}`);
    io.out(`next: tritonops synth --env ${options.env}, then commit ${shown(plan.rel)} and flux/ in one pull request`);
    return EXIT.ok;
  });
}
