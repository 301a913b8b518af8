/**
 * Where the canvas's nodes go: ELK's layered layout, left to right, with the ports fixed on their
 * sides so that it orders nodes to keep wires short and uncrossed. The bundled ELK runs in the
 * page itself: the panel's CSP allows no worker scripts from elsewhere, and a pipeline has a few
 * dozen nodes at most.
 */
import elkBundle from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { CanvasEdge } from './canvas-edges.ts';
import { inHandle, nodeHeight, nodeIdOf, NODE_WIDTH, outHandle, type NodeModel } from './canvas-model.ts';
import { parseRef } from './pipeline-document.ts';

export type Positions = ReadonlyMap<string, { readonly x: number; readonly y: number }>;

// A CommonJS module whose class is both `module.exports` and its `default`: `.default` is it under every interop.
const elk = new elkBundle.default();

const portId = (node: string, handle: string) => `${node}:${handle}`;

export async function layoutNodes(nodes: readonly NodeModel[], edges: readonly CanvasEdge[]): Promise<Positions> {
  const ids = new Set(nodes.map((n) => n.id));
  const end = (ref: string, side: 'in' | 'out') => {
    const { node, tensor } = parseRef(ref);
    const id = nodeIdOf(node);
    return { id, port: portId(id, side === 'in' ? inHandle(tensor) : outHandle(tensor)) };
  };
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      // Close enough that four layers fit the canvas of a 1280 px window at a readable zoom.
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '32',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      // One picture, inputs on the left and outputs on the right, also while steps are not wired yet.
      'elk.separateConnectedComponents': 'false',
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: NODE_WIDTH,
      height: nodeHeight(n),
      layoutOptions: {
        'elk.portConstraints': 'FIXED_ORDER',
        ...(n.kind === 'inputs' ? { 'elk.layered.layering.layerConstraint': 'FIRST_SEPARATE' } : {}),
        ...(n.kind === 'outputs' ? { 'elk.layered.layering.layerConstraint': 'LAST_SEPARATE' } : {}),
      },
      ports: [
        ...n.inPorts.map((p) => ({ id: portId(n.id, inHandle(p.tensor)), width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST' } })),
        ...n.outPorts.map((p) => ({ id: portId(n.id, outHandle(p.tensor)), width: 1, height: 1, layoutOptions: { 'elk.port.side': 'EAST' } })),
      ],
    })),
    edges: edges.flatMap((e, i) => {
      const from = end(e.from, 'out');
      const to = end(e.to, 'in');
      return ids.has(from.id) && ids.has(to.id) ? [{ id: `e${i}`, sources: [from.port], targets: [to.port] }] : [];
    }),
  };
  // A port an edge names must exist: a wire from an output the node does not list is laid out from the node.
  const ports = new Set(graph.children!.flatMap((c) => (c.ports ?? []).map((p) => p.id)));
  for (const edge of graph.edges!) {
    edge.sources = edge.sources.map((p) => (ports.has(p) ? p : p.slice(0, p.indexOf(':'))));
    edge.targets = edge.targets.map((p) => (ports.has(p) ? p : p.slice(0, p.indexOf(':'))));
  }
  const laid = await elk.layout(graph);
  return new Map((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}
