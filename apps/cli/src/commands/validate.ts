/** `tritonops validate`: every problem in the specs, at once. */
import { WorkspaceCache } from '../cache.ts';
import { refuseCommittedState } from '../committed-state.ts';
import { EXIT, type CommonOptions, type Io } from '../cli.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';

export interface ValidateOptions extends CommonOptions {
  /** Ignore and do not write the workspace cache (.git/tritonops-cache/). */
  readonly noCache?: boolean;
}

export async function validateCommand(options: ValidateOptions, io: Io): Promise<number> {
  refuseCommittedState(options.root);
  const cache = options.noCache ? undefined : new WorkspaceCache(options.root);
  const result = loadRepository(options.root, io, { ...(options.envs ? { only: options.envs } : {}), ...(cache ? { cache } : {}) });
  await reportDiagnostics(io, result.diagnostics, result.sources);
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
