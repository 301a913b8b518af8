/** `tritonops capacity`: GPU demand at minimum and maximum scale against each pool's capacity. */
import { formatCapacityMarkdown, formatCapacityTable, planCapacity } from '@tritonops/planner';
import { EXIT, type Io } from '../io.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, type CommonOptions } from './command.ts';

export const CAPACITY_FORMATS = ['table', 'json', 'markdown'] as const;
export type CapacityFormat = (typeof CAPACITY_FORMATS)[number];

export const command = defineCommand({
  name: 'capacity',
  summary: "GPU demand at minimum and maximum scale against each pool's capacity",
  usage: ['capacity [--env <name>]... [--format table|json|markdown] [--root <dir>]'],
  positionals: false,
  description: `For each environment and GPU pool: the units of the pool's resource (whole GPUs, MIG slices or
time-sliced shares) every model and track needs at minimum and at maximum scale, against
maxNodes × gpusPerNode, and the memory of one unit. Models under Flagger analysis count twice
at maximum (primary and canary run side by side during an analysis). Rollouts start a new
replica before they stop an old one (maxSurge 1): the maximum (also "max" in --format json)
includes one surge replica per Deployment that rolls, and "a rollout at min needs"
("minRollout") is the minimum plus the largest rollout. A replica of several units needs them
on one node: for it, the rollout also counts the free units pods of other sizes may strand on
other nodes (gpus - 1 on each but one). Minimum and maximum are sums of units, not per node.

validate and synth fail when a pool cannot fit its minimum demand (status min-over-capacity),
or its minimum and the largest rollout (rollout-over-capacity: no change to that model could
ever roll out), and warn when it cannot fit its maximum with the surge (max-over-capacity).`,
  options: {
    format: { type: 'string', allowed: CAPACITY_FORMATS, default: 'table', description: 'A table per pool, JSON for tools or Markdown for a PR\ncomment' },
  },
  exits: [
    ['ok', 'report printed'],
    ['problems', 'spec errors'],
    ['usage', 'usage error'],
  ],
  run: ({ root, envs, values }, io) => capacityCommand({ root, ...(envs ? { envs } : {}), format: values.format }, io),
});

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
