/** `tritonops capacity`: GPU demand at minimum and maximum scale against each pool's capacity. */
import { formatCapacityMarkdown, formatCapacityTable, planCapacity } from '@tritonops/planner';
import { EXIT, type CommonOptions, type Io } from '../cli.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';

export type CapacityFormat = 'table' | 'json' | 'markdown';
export const CAPACITY_FORMATS: readonly CapacityFormat[] = ['table', 'json', 'markdown'];

export async function capacityCommand(options: CommonOptions & { format: CapacityFormat }, io: Io): Promise<number> {
  const result = loadRepository(options.root, io, { ...(options.envs ? { only: options.envs } : {}) });
  await reportDiagnostics(io, result.diagnostics, result.sources);
  if (result.hasErrors) {
    io.err(`capacity needs valid specs: ${tally(result.diagnostics)}`);
    return EXIT.problems;
  }
  const reports = result.plans.map(planCapacity);
  if (options.format === 'json') io.out(JSON.stringify(reports, null, 2));
  else if (options.format === 'markdown') io.out(formatCapacityMarkdown(reports));
  else io.out(formatCapacityTable(reports));
  return EXIT.ok;
}
