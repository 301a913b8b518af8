/**
 * `tritonops synth`: validate, render in memory (reusing what the workspace cache shows has not
 * changed), then swap in the environment folders that changed, all of them or none. Nothing is
 * written unless every environment rendered.
 */
import { environmentRoots } from '@tritonops/charts';
import { listEnvironments, RepositoryFs } from '@tritonops/planner';
import { EXIT, type Io } from '../io.ts';
import {
  changedRoots,
  desiredTree,
  diffTrees,
  foreignFiles,
  ForeignFiles,
  isEmptyChange,
  OUTPUT_DIR,
  readTree,
  recoverInterruptedSwap,
  writeTree,
} from '../output-tree.ts';
import { deliverSignals, interruption } from '../interruption.ts';
import { checkRemovals, removalLine } from '../prune-guard.ts';
import { WorkspaceCache } from '../cache.ts';
import { refuseCommittedState } from '../committed-state.ts';
import { withRepositoryLock } from '../repository-lock.ts';
import { renderPlans } from '../incremental-render.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, type CommonOptions } from './command.ts';

export const command = defineCommand({
  name: 'synth',
  summary: 'Render environments/ into flux/ (or check that flux/ is up to date)',
  usage: ['synth [--env <name>]... [--check] [--root <dir>]'],
  positionals: false,
  description: `Validates the specs, renders them and replaces flux/ with the result, all or nothing: on any
error nothing under flux/ changes. Files tritonops did not render are kept outside the folders
Flux applies (flux/<area>/<env>/) and refused inside them.`,
  options: {
    check: { type: 'boolean', description: 'Write nothing; exit 1 and list the files that differ from a fresh render (for CI).' },
    'allow-removal': {
      type: 'boolean',
      description: `Write even when the render removes any Deployment of a production environment
or more than 20% of another environment's objects (Flux would delete them).
Removing a canary that still receives traffic is refused regardless: drain it.`,
    },
    'no-cache': {
      type: 'boolean',
      description: `Neither read nor write .git/tritonops-cache/ (the record of earlier runs that lets
a one-model change re-check and re-render only that model); the output is the
same. --check never reads it: its verdict rests on a fresh render alone.`,
    },
  },
  exits: [
    ['ok', 'written or up to date'],
    ['problems', 'spec errors or (with --check) flux/ out of date'],
    ['usage', 'usage error'],
  ],
  run: ({ root, envs, values }, io) =>
    synthCommand({ root, ...(envs ? { envs } : {}), check: values.check, allowRemoval: values['allow-removal'], noCache: values['no-cache'] }, io),
});

export interface SynthOptions extends CommonOptions {
  readonly check: boolean;
  /** Lift the prune-safety stop for large removals. */
  readonly allowRemoval?: boolean;
  /** Ignore and do not write the workspace cache (.git/tritonops-cache/). */
  readonly noCache?: boolean;
}

/**
 * Holds the repository's lock from reading the specs to the last write, so that the flux/ it
 * writes is what the specs said when it read them. `--check` writes nothing and never reads the
 * workspace cache: its verdict rests on a fresh render of the specs alone.
 */
export async function synthCommand(options: SynthOptions, io: Io): Promise<number> {
  return withRepositoryLock(options.root, io, () => synth(options, io), { optional: options.check });
}

async function synth(options: SynthOptions, io: Io): Promise<number> {
  refuseCommittedState(options.root);
  const cache = options.noCache || options.check ? undefined : new WorkspaceCache(options.root);
  const result = loadRepository(options.root, io, { ...(options.envs ? { only: options.envs } : {}), ...(cache ? { cache } : {}) });
  await reportDiagnostics(io, result.diagnostics, result.sources);
  if (result.hasErrors) {
    io.err(`synth failed: ${tally(result.diagnostics)}; nothing under ${OUTPUT_DIR}/ was changed`);
    return EXIT.problems;
  }

  // Without --env every environment folder is ours to replace, including those of environments
  // that no longer exist; with --env only the named ones, which are all that is read and written
  // (so that `synth --env` runs of different environments can run side by side).
  const replaced = options.envs ? options.envs.flatMap(environmentRoots) : [OUTPUT_DIR];
  if (!options.check) recoverInterruptedSwap(options.root);
  const current = readTree(options.root, replaced);
  const foreign = foreignFiles(current);
  if (foreign.length > 0) throw new ForeignFiles(foreign);
  const render = renderPlans(result.plans, current, cache);
  const files = render.files;
  const desired = desiredTree(current, files, replaced);
  const change = diffTrees(current, desired);
  if (options.envs) warnAboutOrphans(options.root, io);
  const objects = render.objectCount;
  const reused = files.size - render.renderedCount;
  // How much the workspace cache (.git/tritonops-cache/) saved: files whose inputs had not changed.
  const reuse = reused > 0 ? `; ${render.renderedCount} rendered, ${reused} reused` : '';
  const summary = `${files.size} files, ${objects} objects${reuse}`;

  if (options.check) {
    if (isEmptyChange(change)) {
      io.out(`ok: ${OUTPUT_DIR}/ is up to date (${summary})`);
      return EXIT.ok;
    }
    const lines = [
      ...change.added.map((p) => `  missing  ${p}`),
      ...change.changed.map((p) => `  differs  ${p}`),
      ...change.removed.map((p) => `  stale    ${p}`),
    ];
    io.err(`${OUTPUT_DIR}/ is out of date with the specs:\n${lines.join('\n')}\n  = hint: run \`tritonops synth\` and commit ${OUTPUT_DIR}/`);
    return EXIT.problems;
  }

  if (isEmptyChange(change)) {
    cache?.save();
    io.out(`up to date: ${OUTPUT_DIR}/ (${summary})`);
    return EXIT.ok;
  }
  // Flux prunes what leaves Git: large removals need a human's explicit yes.
  const removals = checkRemovals(current, desired, render.objectsOf);
  if (removals.refused.length > 0 || (removals.needsApproval.length > 0 && !options.allowRemoval)) {
    const lines = [...removals.refused, ...(options.allowRemoval ? [] : removals.needsApproval)].map((r) => `  ${removalLine(r)}`);
    const hint =
      removals.refused.length > 0 ? 'drain the traffic first; --allow-removal does not lift this' : 'if this is intended, run again with --allow-removal';
    io.err(`synth stopped: Flux would delete these from the cluster:\n${lines.join('\n')}\n  = hint: ${hint}\nNothing under ${OUTPUT_DIR}/ was changed.`);
    return EXIT.problems;
  }
  // Last safe point to stop: after this the swap runs to its end, synchronously.
  await deliverSignals();
  if (interruption.signal) {
    io.err(`synth interrupted (${interruption.signal}) before writing; ${OUTPUT_DIR}/ is unchanged`);
    return EXIT.problems;
  }
  writeTree(options.root, desired, current, changedRoots(change));
  cache?.save();
  io.out(`wrote ${OUTPUT_DIR}/: ${change.added.length} added, ${change.changed.length} changed, ${change.removed.length} removed ` + `(${summary})`);
  return EXIT.ok;
}

/**
 * With --env, folders of environments that no longer exist are not ours to remove (another
 * environment's run may be writing next to us); say so, since Flux keeps syncing them.
 */
function warnAboutOrphans(root: string, io: Io): void {
  const fs = new RepositoryFs(root);
  const environments = new Set(listEnvironments(root));
  for (const area of ['clusters', 'infrastructure', 'models']) {
    for (const entry of fs.list(`${OUTPUT_DIR}/${area}`) ?? []) {
      if (entry.kind === 'folder' && !environments.has(entry.name)) {
        io.err(
          `warning: ${OUTPUT_DIR}/${area}/${entry.name}/ belongs to no environment under environments/\n  = hint: run \`tritonops synth\` without --env to remove it (Flux then prunes what it deployed)`,
        );
      }
    }
  }
}
