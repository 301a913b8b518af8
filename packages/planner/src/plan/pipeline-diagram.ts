/**
 * Pictures of a pipeline: a Mermaid flowchart (GitHub renders it in READMEs and PR comments) or
 * Graphviz DOT. Steps are nodes annotated with the model and the GPU pool they run on; edges carry
 * the tensors.
 */
import type { EnvironmentPlan, PipelinePlan } from './types.ts';
import type { TypedTensor } from './pipeline-graph.ts';

interface Diagram {
  readonly nodes: { id: string; label: string[]; kind: 'input' | 'step' | 'output' }[];
  readonly edges: { from: string; to: string; label: string }[];
}

function diagram(env: EnvironmentPlan, plan: PipelinePlan): Diagram {
  const describe = (t: TypedTensor) => `${t.datatype} [${t.shape.join(', ')}]`;
  const nodeOf = (step: string, tensor: string) => (step === 'input' ? `input_${tensor}` : `step_${step}`);
  const nodes: Diagram['nodes'] = [
    ...plan.graph.inputs.map((t) => ({ id: `input_${t.name}`, label: [t.name, describe(t)], kind: 'input' as const })),
    ...plan.graph.steps.map((s) => {
      const model = s.model ? env.models.find((m) => m.name === s.model) : undefined;
      const where = s.model
        ? `${s.model}/${s.tritonModel} · ${model?.gpu ? `GPU pool ${model.gpu.pool}` : 'CPU'}`
        : `local ${s.tritonModel} · pipeline server (CPU)`;
      return { id: `step_${s.name}`, label: [s.name, where], kind: 'step' as const };
    }),
    ...plan.graph.outputs.map((t) => ({ id: `output_${t.name}`, label: [t.name, describe(t)], kind: 'output' as const })),
  ];
  const edges: Diagram['edges'] = [
    ...plan.graph.steps.flatMap((s) =>
      s.inputs.map((i) => ({
        from: nodeOf(i.source.step, i.source.tensor),
        to: `step_${s.name}`,
        label: i.source.tensor === i.name ? i.name : `${i.source.tensor} → ${i.name}`,
      })),
    ),
    ...plan.graph.outputs.map((o) => ({ from: `step_${o.source.step}`, to: `output_${o.name}`, label: o.source.tensor })),
  ];
  return {
    nodes: nodes.map((n) => ({ ...n, id: n.id.replace(/[^A-Za-z0-9_]/g, '_') })),
    edges: edges.map((e) => ({ ...e, from: e.from.replace(/[^A-Za-z0-9_]/g, '_'), to: e.to.replace(/[^A-Za-z0-9_]/g, '_') })),
  };
}

/** Mermaid's label text: quotes and angle brackets as entities, lines joined by `<br/>`. */
const mermaidText = (lines: string[]) => lines.map((l) => l.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')).join('<br/>');

export function pipelineMermaid(env: EnvironmentPlan, plan: PipelinePlan): string {
  const d = diagram(env, plan);
  const shape = (kind: string, text: string) => (kind === 'step' ? `["${text}"]` : `(["${text}"])`);
  return [
    'flowchart LR',
    ...d.nodes.map((n) => `  ${n.id}${shape(n.kind, mermaidText(n.label))}`),
    ...d.edges.map((e) => `  ${e.from} -->|"${mermaidText([e.label])}"| ${e.to}`),
    '',
  ].join('\n');
}

export function pipelineDot(env: EnvironmentPlan, plan: PipelinePlan): string {
  const d = diagram(env, plan);
  const q = (s: string) => JSON.stringify(s);
  return [
    `digraph ${q(plan.graph.name)} {`,
    '  rankdir=LR;',
    '  node [shape=box, fontname="Helvetica"];',
    ...d.nodes.map((n) => `  ${n.id} [label=${q(n.label.join('\n'))}${n.kind === 'step' ? '' : ', shape=oval'}];`),
    ...d.edges.map((e) => `  ${e.from} -> ${e.to} [label=${q(e.label)}];`),
    '}',
    '',
  ].join('\n');
}
