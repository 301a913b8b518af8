/** `tritonops validate`: every problem in the specs, at once. */
import { loadWorkspace } from '@tritonops/spec';
import { EXIT, type CommonOptions, type Io } from '../cli.ts';
import { reportDiagnostics, tally } from '../report.ts';

export function validateCommand(options: CommonOptions, io: Io): number {
  const result = loadWorkspace({ root: options.root, displayBase: io.cwd, ...(options.envs ? { only: options.envs } : {}) });
  reportDiagnostics(io, result.diagnostics, result.sources);
  if (result.hasErrors) {
    io.err(`validation failed: ${tally(result.diagnostics)}`);
    return EXIT.problems;
  }
  const models = result.plans.reduce((n, p) => n + p.models.length, 0);
  io.out(`ok: ${result.plans.length} environment(s), ${models} model(s) valid (${tally(result.diagnostics)})`);
  return EXIT.ok;
}
