/** `tritonops graph`: a pipeline drawn as a Mermaid flowchart or Graphviz DOT. */
import { didYouMean, pipelineDot, pipelineMermaid } from '@tritonops/planner';
import { EXIT, type Io } from '../cli.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export async function graphCommand(options: { root: string; env: string; pipeline: string; format: GraphFormat }, io: Io): Promise<number> {
  const result = loadRepository(options.root, io, { only: [options.env] });
  if (result.hasErrors) {
    await reportDiagnostics(io, result.diagnostics, result.sources);
    io.err(`graph needs valid specs: ${tally(result.diagnostics)}`);
    return EXIT.problems;
  }
  const env = result.plans[0]!;
  const plan = env.pipelines.find((p) => p.graph.name === options.pipeline);
  if (!plan) {
    const names = env.pipelines.map((p) => p.graph.name);
    const guess = didYouMean(options.pipeline, names);
    io.err(`error: environment "${options.env}" has no pipeline "${options.pipeline}"\n  = hint: ${guess ? `did you mean "${guess}"?` : `pipelines: ${names.join(', ') || '(none)'}`}`);
    return EXIT.usage;
  }
  io.out((options.format === 'dot' ? pipelineDot(env, plan) : pipelineMermaid(env, plan)).trimEnd());
  return EXIT.ok;
}
