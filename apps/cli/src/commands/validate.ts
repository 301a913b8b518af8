/** `tritonops validate`: every problem in the specs, at once. */
import { loadWorkspace } from '@tritonops/spec';
import { WorkspaceCache } from '../cache.ts';
import { EXIT, type CommonOptions, type Io } from '../cli.ts';
import { reportDiagnostics, tally } from '../report.ts';

export interface ValidateOptions extends CommonOptions {
  /** Ignore and do not write the workspace cache (.tritonops-cache/). */
  readonly noCache?: boolean;
}

export function validateCommand(options: ValidateOptions, io: Io): number {
  const cache = options.noCache ? undefined : new WorkspaceCache(options.root);
  const result = loadWorkspace({ root: options.root, displayBase: io.cwd, ...(options.envs ? { only: options.envs } : {}), ...(cache ? { cache } : {}) });
  reportDiagnostics(io, result.diagnostics, result.sources);
  // Only files that passed their own checks are recorded, so saving after errors is safe too.
  cache?.save();
  if (result.hasErrors) {
    io.err(`validation failed: ${tally(result.diagnostics)}`);
    return EXIT.problems;
  }
  const models = result.plans.reduce((n, p) => n + p.models.length, 0);
  io.out(`ok: ${result.plans.length} environment(s), ${models} model(s) valid (${tally(result.diagnostics)})`);
  return EXIT.ok;
}
