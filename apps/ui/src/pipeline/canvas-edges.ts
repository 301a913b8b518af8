/**
 * The wires of a pipeline as `from → to` pairs of `<node>.<port>`: what the canvas draws, and what
 * `tritonops graph`'s Mermaid picture says, read back from its text. Both in one form so that a
 * test can show the canvas and `graph` agree on every bundled pipeline.
 *
 * Node names: a step's name, `input` for the pipeline's inputs, `output` for its outputs; ports
 * are tensor names (the consuming tensor on the `to` side).
 */
import type { PipelineDocument } from '../api/types.ts';
import { parseRef, PIPELINE_INPUT, tensorRef } from './pipeline-document.ts';

export const PIPELINE_OUTPUT = 'output';

export interface CanvasEdge {
  /** `input.AUDIO` or `transcribe.TEXT`. */
  readonly from: string;
  /** `draw.PROMPT` or `output.IMAGE`. */
  readonly to: string;
}

/** Every step input's wire, then each pipeline output's `from`. */
export function canvasEdges(doc: PipelineDocument): CanvasEdge[] {
  return [
    ...doc.spec.steps.flatMap((s) => Object.entries(s.inputs).map(([input, ref]) => ({ from: ref, to: tensorRef(s.name, input) }))),
    ...doc.spec.outputs.map((o) => ({ from: o.from, to: tensorRef(PIPELINE_OUTPUT, o.name) })),
  ];
}

/** Mermaid's entities in labels, back to characters. */
const unescapeLabel = (text: string) =>
  text
    .replace(/#quot;/g, '"')
    .replace(/#lt;/g, '<')
    .replace(/#gt;/g, '>');

/**
 * The edges of `pipelineMermaid`'s flowchart (`input_AUDIO -->|"AUDIO"| step_transcribe`), in the
 * canvas's form. Mermaid ids replace what is not `[A-Za-z0-9_]` with `_`, so names come back that
 * way: compare with `mermaidSafe` applied to the canvas's edges.
 */
export function mermaidEdges(mermaid: string): CanvasEdge[] {
  const edges: CanvasEdge[] = [];
  for (const line of mermaid.split('\n')) {
    const match = /^\s*(\w+) -->\|"(.*)"\| (\w+)\s*$/.exec(line);
    if (!match) continue;
    const [, from, label, to] = match as unknown as [string, string, string, string];
    const [produced = '', consumed = produced] = unescapeLabel(label).split(' → ');
    const end = (id: string, tensor: string) => {
      if (id.startsWith('step_')) return tensorRef(id.slice('step_'.length), tensor);
      if (id.startsWith(`${PIPELINE_INPUT}_`)) return tensorRef(PIPELINE_INPUT, id.slice(PIPELINE_INPUT.length + 1));
      return tensorRef(PIPELINE_OUTPUT, id.slice(PIPELINE_OUTPUT.length + 1));
    };
    edges.push({ from: end(from, produced), to: end(to, consumed) });
  }
  return edges;
}

/** An edge with its node names as Mermaid ids write them. */
export function mermaidSafe(edge: CanvasEdge): CanvasEdge {
  const safe = (end: string) => {
    const { node, tensor } = parseRef(end);
    return tensorRef(node.replace(/[^A-Za-z0-9_]/g, '_'), tensor);
  };
  return { from: safe(edge.from), to: safe(edge.to) };
}
