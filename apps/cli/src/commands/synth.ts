/**
 * `tritonops synth`: validate, render everything in memory, then replace flux/ in one swap.
 * Nothing is written unless every environment rendered.
 */
import { environmentRoots, renderAll } from '@tritonops/charts';
import { loadWorkspace } from '@tritonops/spec';
import { EXIT, type CommonOptions, type Io } from '../cli.ts';
import { desiredTree, diffTrees, isEmptyChange, OUTPUT_DIR, readTree, recoverInterruptedSwap, writeTree } from '../output-tree.ts';
import { reportDiagnostics, tally } from '../report.ts';

export interface SynthOptions extends CommonOptions {
  readonly check: boolean;
}

export function synthCommand(options: SynthOptions, io: Io): number {
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
  writeTree(options.root, desired);
  io.out(
    `wrote ${OUTPUT_DIR}/: ${change.added.length} added, ${change.changed.length} changed, ${change.removed.length} removed ` +
      `(${files.length} files, ${objects} objects)`,
  );
  return EXIT.ok;
}
