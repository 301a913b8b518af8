/**
 * The canvas's nodes and ports, derived from the document and what its steps call: one node for
 * the pipeline's inputs (an output port each), one per step (input ports from its target's
 * signature on the left, outputs on the right), one for the pipeline's outputs. Pure data, shared
 * by the ELK layout and the React Flow rendering so that both see the same ports.
 */
import type { PipelineDocument, StepTarget, Tensor } from '../api/types.ts';
import { PIPELINE_OUTPUT } from './canvas-edges.ts';
import { describeTensor, parseRef, PIPELINE_INPUT, targetLabel, targetOf } from './pipeline-document.ts';

export interface PortModel {
  readonly tensor: string;
  /** `NAME  DATATYPE [shape]`, or the bare name when the step's signature is unknown. */
  readonly label: string;
  readonly type?: Tensor;
}

export interface NodeModel {
  /** React Flow's id: `pipeline-inputs`, `pipeline-outputs` or `step-<name>` (no clash with a step named `output`). */
  readonly id: string;
  /** The name ports and test ids use: `input`, `output` or the step's name. */
  readonly key: string;
  readonly kind: 'inputs' | 'outputs' | 'step';
  readonly title: string;
  readonly subtitle?: string;
  readonly inPorts: readonly PortModel[];
  readonly outPorts: readonly PortModel[];
}

export const INPUTS_NODE = 'pipeline-inputs';
export const OUTPUTS_NODE = 'pipeline-outputs';
export const stepNodeId = (step: string) => `step-${step}`;

/** The node id of a wire end's node name (`input`, `output` or a step). */
export const nodeIdOf = (key: string) => (key === PIPELINE_INPUT ? INPUTS_NODE : key === PIPELINE_OUTPUT ? OUTPUTS_NODE : stepNodeId(key));

export const inHandle = (tensor: string) => `in-${tensor}`;
export const outHandle = (tensor: string) => `out-${tensor}`;
/** The outputs node's drop target that creates a new pipeline output. */
export const NEW_OUTPUT_HANDLE = 'new-output';

/**
 * Sizes the layout plans with and the nodes are drawn at (styles.css matches them): 13 px text,
 * a port label of about 27 characters before it is cut.
 */
export const NODE_WIDTH = 240;
export const HEADER_HEIGHT = 50;
export const PORT_HEIGHT = 24;

export function nodeHeight(node: NodeModel): number {
  const rows = node.inPorts.length + node.outPorts.length + (node.kind === 'outputs' ? 1 : 0);
  return HEADER_HEIGHT + PORT_HEIGHT * Math.max(rows, 1) + 8;
}

const port = (t: Tensor): PortModel => ({ tensor: t.name, label: describeTensor(t), type: t });

export function canvasNodes(doc: PipelineDocument, targets: readonly StepTarget[]): NodeModel[] {
  const steps = doc.spec.steps.map((step): NodeModel => {
    const target = targetOf(step, targets);
    // Without a signature, the wires the spec has are still drawn, on untyped ports.
    const wired = Object.keys(step.inputs).filter((k) => !target?.inputs.some((t) => t.name === k));
    const read = [...doc.spec.steps.flatMap((s) => Object.values(s.inputs)), ...doc.spec.outputs.map((o) => o.from)]
      .map(parseRef)
      .filter((r) => r.node === step.name && !target?.outputs.some((t) => t.name === r.tensor))
      .map((r) => r.tensor);
    return {
      id: stepNodeId(step.name),
      key: step.name,
      kind: 'step',
      title: step.name,
      subtitle: target ? targetLabel(target) : step.local !== undefined ? `local ${step.local}` : `${step.model ?? '?'} (no signature)`,
      inPorts: [...(target?.inputs ?? []).map(port), ...wired.map((tensor) => ({ tensor, label: tensor }))],
      outPorts: [...(target?.outputs ?? []).map(port), ...[...new Set(read)].map((tensor) => ({ tensor, label: tensor }))],
    };
  });
  return [
    { id: INPUTS_NODE, key: PIPELINE_INPUT, kind: 'inputs', title: 'Pipeline inputs', inPorts: [], outPorts: doc.spec.inputs.map(port) },
    ...steps,
    { id: OUTPUTS_NODE, key: PIPELINE_OUTPUT, kind: 'outputs', title: 'Pipeline outputs', inPorts: doc.spec.outputs.map(port), outPorts: [] },
  ];
}
