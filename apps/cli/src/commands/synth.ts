/**
 * `tritonops synth`: validate, render everything in memory, then replace flux/ in one swap.
 * Nothing is written unless every environment rendered.
 */
import { environmentRoots, renderAll } from '@tritonops/charts';
import { loadWorkspace } from '@tritonops/spec';
import { EXIT, type CommonOptions, type Io } from '../cli.ts';
import { desiredTree, diffTrees, isEmptyChange, OUTPUT_DIR, readTree, recoverInterruptedSwap, writeTree } from '../output-tree.ts';
import { deliverSignals, interruption } from '../interruption.ts';
import { checkRemovals } from '../prune-guard.ts';
import { reportDiagnostics, tally } from '../report.ts';

export interface SynthOptions extends CommonOptions {
  readonly check: boolean;
  /** Lift the prune-safety stop for large removals. */
  readonly allowRemoval?: boolean;
}

export async function synthCommand(options: SynthOptions, io: Io): Promise<number> {
  const result = loadWorkspace({ root: options.root, displayBase: io.cwd, ...(options.envs ? { only: options.envs } : {}) });
  reportDiagnostics(io, result.diagnostics, result.sources);
  if (result.hasErrors) {
    io.err(`synth failed: ${tally(result.diagnostics)}; nothing under ${OUTPUT_DIR}/ was changed`);
    return EXIT.problems;
  }

  const files = renderAll(result.plans);
  if (!options.check) recoverInterruptedSwap(options.root);
  const current = readTree(options.root);
  // Without --env every environment folder is ours to replace, including those of environments
  // that no longer exist; with --env only the named ones.
  const replaced = options.envs ? options.envs.flatMap(environmentRoots) : [OUTPUT_DIR];
  const desired = desiredTree(current, files, replaced);
  const change = diffTrees(current, desired);
  const objects = files.reduce((n, f) => n + f.objects.length, 0);

  if (options.check) {
    if (isEmptyChange(change)) {
      io.out(`ok: ${OUTPUT_DIR}/ is up to date (${files.length} files, ${objects} objects)`);
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
    io.out(`up to date: ${files.length} files, ${objects} objects in ${OUTPUT_DIR}/`);
    return EXIT.ok;
  }
  // Flux prunes what leaves Git: large removals need a human's explicit yes.
  const removals = checkRemovals(current, desired, new Map(files.map((f) => [f.path, f.objects])));
  if (removals.refused.length > 0 || (removals.needsApproval.length > 0 && !options.allowRemoval)) {
    const lines = [...removals.refused, ...(options.allowRemoval ? [] : removals.needsApproval)].map((l) => `  ${l}`);
    const hint = removals.refused.length > 0 ? 'drain the traffic first; --allow-removal does not lift this' : 'if this is intended, run again with --allow-removal';
    io.err(`synth stopped: Flux would delete these from the cluster:\n${lines.join('\n')}\n  = hint: ${hint}\nNothing under ${OUTPUT_DIR}/ was changed.`);
    return EXIT.problems;
  }
  // Last safe point to stop: after this the swap runs to its end, synchronously.
  await deliverSignals();
  if (interruption.signal) {
    io.err(`synth interrupted (${interruption.signal}) before writing; ${OUTPUT_DIR}/ is unchanged`);
    return EXIT.problems;
  }
  writeTree(options.root, desired, current);
  io.out(
    `wrote ${OUTPUT_DIR}/: ${change.added.length} added, ${change.changed.length} changed, ${change.removed.length} removed ` +
      `(${files.length} files, ${objects} objects)`,
  );
  return EXIT.ok;
}
