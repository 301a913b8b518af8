/**
 * The graph on a React Flow canvas: nodes from canvas-model.ts at the positions ELK gave them
 * (then wherever the user drags them), wires from canvasEdges. The canvas decides nothing: a
 * dragged wire, a Delete key or a click goes up to the page, which checks and edits the document.
 * Fitting the view never zooms out below a size the nodes' text is readable at: a graph wider than
 * the canvas is panned instead.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  applyNodeChanges,
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type FitViewOptions,
  type IsValidConnection,
  type Node,
  type NodeChange,
  type NodeProps,
  useReactFlow,
  useUpdateNodeInternals,
} from '@xyflow/react';
import type { PipelineDocument, StepTarget } from '../api/types.ts';
import { canvasEdges, type CanvasEdge } from './canvas-edges.ts';
import { canvasNodes, inHandle, NEW_OUTPUT_HANDLE, nodeIdOf, NODE_WIDTH, outHandle, OUTPUTS_NODE, type NodeModel, type PortModel } from './canvas-model.ts';
import type { Positions } from './layout.ts';
import { parseRef, tensorRef } from './pipeline-document.ts';

/** A wire the user drew: from `<node>.<tensor>` to a step's input, a pipeline output, or a new pipeline output. */
export type WireRequest = { readonly from: string } & ({ readonly to: string } | { readonly newOutput: true });

export type Selection = { readonly kind: 'step'; readonly name: string } | { readonly kind: 'edge'; readonly edge: CanvasEdge } | undefined;

type NodeData = { model: NodeModel; hasErrors: boolean };
type CanvasNode = Node<NodeData>;

const edgeId = (e: CanvasEdge) => `${e.from}->${e.to}`;

/** The nodes' 13 px text stays at 10 px or more when fitted; 3–5 steps fit a 1280 px wide window. */
const FIT_VIEW: FitViewOptions = { padding: 0.08, minZoom: 0.75, maxZoom: 1.25 };

function PortRow({ node, port, side }: { node: NodeModel; port: PortModel; side: 'in' | 'out' }) {
  const id = side === 'in' ? inHandle(port.tensor) : outHandle(port.tensor);
  return (
    <div className={`port-row port-${side}${port.type ? '' : ' untyped'}`}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={id}
        data-testid={`port-${node.key}-${side}-${port.tensor}`}
        // A connection point drawn on the canvas (wired by dragging; the side panel's selects are the
        // keyboard's way): an image with a name, as ARIA allows no name on a div without a role.
        role="img"
        aria-label={`${side === 'in' ? 'input' : 'output'} ${port.label} of ${node.title}`}
      />
      <span className="port-label">{port.label}</span>
    </div>
  );
}

function PipelineNode({ id, data, selected }: NodeProps<CanvasNode>) {
  const { model: node, hasErrors } = data;
  // React Flow measures handles when a node resizes; a port that replaces another row of the same height must be announced.
  const updateNodeInternals = useUpdateNodeInternals();
  const ports = JSON.stringify([node.inPorts.map((p) => p.tensor), node.outPorts.map((p) => p.tensor)]);
  useEffect(() => updateNodeInternals(id), [id, ports, updateNodeInternals]);
  const testId = node.kind === 'step' ? `step-${node.key}` : node.kind === 'inputs' ? 'pipeline-inputs' : 'pipeline-outputs';
  return (
    <div
      className={`pipeline-node ${node.kind}${selected ? ' selected' : ''}${hasErrors ? ' has-errors' : ''}`}
      data-testid={testId}
      style={{ width: NODE_WIDTH }}
    >
      <div className="node-header">
        <span className="node-title">
          <strong>{node.title}</strong>
          {hasErrors && <span className="node-errors">has errors</span>}
        </span>
        {node.subtitle && <span className="node-subtitle">{node.subtitle}</span>}
      </div>
      {node.inPorts.map((p) => (
        <PortRow key={`in-${p.tensor}`} node={node} port={p} side="in" />
      ))}
      {node.outPorts.map((p) => (
        <PortRow key={`out-${p.tensor}`} node={node} port={p} side="out" />
      ))}
      {node.kind === 'outputs' && (
        <div className="port-row port-in new-output">
          <Handle type="target" position={Position.Left} id={NEW_OUTPUT_HANDLE} data-testid="port-output-new" role="img" aria-label="new pipeline output" />
          <span className="port-label">drop a step output here</span>
        </div>
      )}
      {node.kind === 'inputs' && node.outPorts.length === 0 && <div className="port-row empty">add inputs in the side panel</div>}
    </div>
  );
}

const NODE_TYPES = { pipeline: PipelineNode };

const isValidConnection: IsValidConnection = (c) =>
  c.source !== c.target && !!c.sourceHandle?.startsWith('out-') && (!!c.targetHandle?.startsWith('in-') || c.targetHandle === NEW_OUTPUT_HANDLE);

export interface PipelineCanvasProps {
  readonly document: PipelineDocument;
  readonly targets: readonly StepTarget[];
  readonly positions: Positions;
  readonly selection: Selection;
  /** The steps to mark as having errors (their messages are in the side panel and under the canvas). */
  readonly withErrors: ReadonlySet<string>;
  readonly onSelect: (selection: Selection) => void;
  readonly onWire: (wire: WireRequest) => void;
  readonly onDelete: (removed: { steps: string[]; edges: CanvasEdge[] }) => void;
}

export function PipelineCanvas({ document: doc, targets, positions, selection, withErrors, onSelect, onWire, onDelete }: PipelineCanvasProps) {
  const models = useMemo(() => canvasNodes(doc, targets), [doc, targets]);
  const wires = useMemo(() => canvasEdges(doc), [doc]);
  const keyOf = useMemo(() => new Map(models.map((m) => [m.id, m.key] as const)), [models]);
  const { fitView } = useReactFlow();
  // What React Flow itself changes (a drag, a measured size), for the layout it was made on: a new layout wins.
  const [moved, setMoved] = useState<{ layout: Positions; nodes: readonly CanvasNode[] }>({ layout: positions, nodes: [] });

  // A new layout is shown whole (after React Flow has placed the nodes at it).
  useEffect(() => {
    if (positions.size === 0) return;
    const frame = requestAnimationFrame(() => void fitView(FIT_VIEW));
    return () => cancelAnimationFrame(frame);
  }, [positions, fitView]);

  // React Flow's attribution stays (its authors ask for it), out of the tab order: it has no prop for that.
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => wrapper.current?.querySelector('.react-flow__attribution a')?.setAttribute('tabindex', '-1'), []);

  // The document and the layout decide what is drawn; React Flow's own changes are laid over them.
  const nodes = useMemo(() => {
    const before = new Map(moved.nodes.map((n) => [n.id, n] as const));
    const sameLayout = moved.layout === positions;
    return models.map((m, i): CanvasNode => {
      const old = before.get(m.id);
      const hasErrors = m.kind === 'step' && withErrors.has(m.key);
      return {
        id: m.id,
        type: 'pipeline',
        position: (sameLayout ? old?.position : undefined) ?? positions.get(m.id) ?? old?.position ?? { x: 120 + 320 * i, y: 40 },
        ...(old?.measured ? { measured: old.measured } : {}),
        ...(old?.dragging !== undefined ? { dragging: old.dragging } : {}),
        data: { model: m, hasErrors },
        ...(m.kind === 'step' ? { ariaLabel: `Step ${m.title}${hasErrors ? ', has errors' : ''}` } : {}),
        deletable: m.kind === 'step',
        selected: selection?.kind === 'step' && m.kind === 'step' && m.key === selection.name,
      };
    });
  }, [models, positions, moved, selection, withErrors]);

  const edges = useMemo(
    () =>
      wires.map((w): Edge => {
        const from = parseRef(w.from);
        const to = parseRef(w.to);
        return {
          id: edgeId(w),
          source: nodeIdOf(from.node),
          sourceHandle: outHandle(from.tensor),
          target: nodeIdOf(to.node),
          targetHandle: inHandle(to.tensor),
          selected: selection?.kind === 'edge' && edgeId(selection.edge) === edgeId(w),
          ariaLabel: `wire ${w.from} to ${w.to}`,
        };
      }),
    [wires, selection],
  );

  const selectNode = useCallback(
    (node: CanvasNode) => onSelect(node.data.model.kind === 'step' ? { kind: 'step', name: node.data.model.key } : undefined),
    [onSelect],
  );
  const selectEdge = useCallback(
    (id: string) => {
      const wire = wires.find((w) => edgeId(w) === id);
      if (wire) onSelect({ kind: 'edge', edge: wire });
    },
    [wires, onSelect],
  );

  // Selection and removal are the page's (clicks, onDelete); positions and sizes are React Flow's.
  // Enter or Space on a focused node or wire selects it without a click: React Flow reports that
  // only as a `select` change, which is the keyboard's way to open a step's options.
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const picked = changes.find((c) => c.type === 'select' && c.selected);
      const node = picked?.type === 'select' ? nodes.find((n) => n.id === picked.id) : undefined;
      if (node) selectNode(node);
      const kept = changes.filter((c) => c.type === 'position' || c.type === 'dimensions');
      if (kept.length > 0) setMoved({ layout: positions, nodes: applyNodeChanges(kept, nodes) });
    },
    [nodes, positions, selectNode],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const picked = changes.find((c) => c.type === 'select' && c.selected);
      if (picked?.type === 'select') selectEdge(picked.id);
    },
    [selectEdge],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const from = tensorRef(keyOf.get(c.source) ?? '', c.sourceHandle!.slice('out-'.length));
      if (c.targetHandle === NEW_OUTPUT_HANDLE) onWire({ from, newOutput: true });
      else onWire({ from, to: tensorRef(keyOf.get(c.target) ?? '', c.targetHandle!.slice('in-'.length)) });
    },
    [keyOf, onWire],
  );

  // A step output dropped anywhere on the outputs node (not on a port) makes a new pipeline output.
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle || state.fromHandle.type !== 'source' || state.fromNode.id === OUTPUTS_NODE) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      if (!point) return;
      const under = window.document.elementFromPoint(point.clientX, point.clientY);
      if (!under?.closest('[data-testid="pipeline-outputs"]')) return;
      onWire({ from: tensorRef(keyOf.get(state.fromNode.id) ?? '', (state.fromHandle.id ?? '').slice('out-'.length)), newOutput: true });
    },
    [keyOf, onWire],
  );

  return (
    <ReactFlow<CanvasNode, Edge>
      ref={wrapper}
      nodes={nodes}
      edges={edges}
      nodeTypes={NODE_TYPES}
      onNodesChange={onNodesChange}
      onConnect={onConnect}
      onConnectEnd={onConnectEnd}
      isValidConnection={isValidConnection}
      onEdgesChange={onEdgesChange}
      onNodeClick={(_, node) => selectNode(node)}
      onEdgeClick={(_, edge) => selectEdge(edge.id)}
      onPaneClick={() => onSelect(undefined)}
      onDelete={({ nodes: gone, edges: cut }) =>
        onDelete({
          steps: gone.filter((n) => n.data.model.kind === 'step').map((n) => n.data.model.key),
          edges: wires.filter((w) => cut.some((e) => e.id === edgeId(w))),
        })
      }
      deleteKeyCode={['Delete', 'Backspace']}
      fitView
      fitViewOptions={FIT_VIEW}
      minZoom={0.4}
      maxZoom={2}
      ariaLabelConfig={{ 'node.a11yDescription.default': 'Press Enter or Space to select a step, Delete to remove it.' }}
    >
      <Background />
      <Controls showInteractive={false} fitViewOptions={FIT_VIEW} />
    </ReactFlow>
  );
}
