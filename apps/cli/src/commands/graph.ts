/** `tritonops graph`: a pipeline drawn as a Mermaid flowchart or Graphviz DOT. */
import { didYouMeanHint, pipelineDot, pipelineMermaid } from '@tritonops/planner';
import { EXIT, type Io } from '../io.ts';
import { loadRepository } from '../workspace.ts';
import { reportDiagnostics, tally } from '../report.ts';
import { defineCommand, UsageError } from './command.ts';

export const GRAPH_FORMATS = ['mermaid', 'dot'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export const command = defineCommand({
  name: 'graph',
  summary: 'Draw a pipeline as a Mermaid flowchart or Graphviz DOT',
  usage: ['graph <pipeline> --env <name> [--format mermaid|dot] [--root <dir>]'],
  positionals: true,
  description: `Prints the pipeline as a Mermaid flowchart (default; GitHub renders it in Markdown) or as
Graphviz DOT: the pipeline's inputs and outputs, each step with the model and GPU pool it runs
on, and the tensors on the edges.`,
  options: {
    format: { type: 'string', allowed: GRAPH_FORMATS, default: 'mermaid', description: 'Mermaid flowchart or Graphviz DOT' },
  },
  exits: [
    ['ok', 'printed'],
    ['problems', 'spec errors'],
    ['usage', 'usage error (unknown pipeline or environment)'],
  ],
  run: ({ root, env, values, positionals }, io) => {
    const [pipeline, ...extra] = positionals;
    if (pipeline === undefined) throw new UsageError('graph needs a pipeline name');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (env.length !== 1) throw new UsageError('graph needs exactly one --env');
    return graphCommand({ root, env: env[0]!, pipeline, format: values.format }, io);
  },
});

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
    io.err(
      `error: environment "${options.env}" has no pipeline "${options.pipeline}"\n  = hint: ${didYouMeanHint(options.pipeline, names, `pipelines: ${names.join(', ') || '(none)'}`)}`,
    );
    return EXIT.usage;
  }
  io.out((options.format === 'dot' ? pipelineDot(env, plan) : pipelineMermaid(env, plan)).trimEnd());
  return EXIT.ok;
}
