"use client";

import "@xyflow/react/dist/base.css";
import {
  applyNodeChanges,
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStoreApi,
  type Edge,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { cn } from "@/components/ui/cn";
import { tasksIn } from "@/lib/designer/places";
import {
  finallyLane,
  laneAt,
  laneLeft,
  LAYOUT,
  placeAt,
  slotAt,
  toGraph,
  type DesignerNode,
  type GraphOptions,
} from "@/lib/designer/to-graph";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { PipelineDoc, StageMode, TaskPlace, TaskRef } from "@/lib/designer/types";
import { CanvasContext, type CanvasContextValue } from "./canvas-context";
import { nodeTypes } from "./nodes";

/** The drag payload of a palette item. */
export const TEMPLATE_MIME = "application/x-gantry-template";

export interface CanvasProps extends GraphOptions {
  doc: PipelineDoc;
  templates: ReadonlyMap<string, PaletteTemplate>;
  onTaskClick: (stage: TaskPlace, index: number) => void;
  onStageClick?: (stage: number) => void;
  onStageMode?: (stage: number, mode: StageMode) => void;
  onAddStage?: () => void;
  /** A palette template dropped at `lane` (== stage count: a new stage; or the finally lane) and `slot`. */
  onDropTemplate?: (template: string, lane: TaskPlace, slot: number) => void;
  onMoveTask?: (from: TaskRef, to: TaskRef) => void;
  onMoveStage?: (from: number, to: number) => void;
  onPaneClick?: () => void;
  label: string;
  className?: string;
}

/** The pipeline graph: editable in the designer, read-only with live statuses on the run page. */
export function Canvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner {...props} />
    </ReactFlowProvider>
  );
}

const noop = () => {};

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function sameNode(a: DesignerNode, b: DesignerNode): boolean {
  if (
    a.type !== b.type ||
    a.parentId !== b.parentId ||
    a.position.x !== b.position.x ||
    a.position.y !== b.position.y ||
    a.height !== b.height ||
    a.draggable !== b.draggable
  )
    return false;
  const ka = Object.keys(a.data);
  const bd = b.data as Record<string, unknown>;
  return ka.length === Object.keys(bd).length && ka.every((k) => sameValue((a.data as Record<string, unknown>)[k], bd[k]));
}

/** `next`, with the nodes and edges that did not change taken from `prev`. */
function keepUnchanged<G extends { nodes: DesignerNode[]; edges: Edge[] }>(prev: G, next: G): G {
  const prevNodes = new Map(prev.nodes.map((n) => [n.id, n]));
  const prevEdges = new Map(prev.edges.map((e) => [e.id, e]));
  const nodes = next.nodes.map((n) => {
    const p = prevNodes.get(n.id);
    return p && sameNode(p, n) ? p : n;
  });
  const edges = next.edges.map((e) => prevEdges.get(e.id) ?? e);
  return { ...next, nodes, edges };
}

const defaultEdgeOptions = {
  style: { stroke: "var(--muted)", strokeWidth: 1.5 },
  markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: "var(--muted)" },
};

function CanvasInner({
  doc,
  templates,
  onTaskClick,
  onStageClick,
  onStageMode,
  onAddStage,
  onDropTemplate,
  onMoveTask,
  onMoveStage,
  onPaneClick,
  label,
  className,
  ...opts
}: CanvasProps) {
  const { statuses, stageStatuses, errors, selection, readOnly, changes, ids } = opts;
  const raw = useMemo(
    () => toGraph(doc, { statuses, stageStatuses, errors, selection, readOnly, changes, ids }),
    [doc, statuses, stageStatuses, errors, selection, readOnly, changes, ids],
  );
  // Nodes that did not change keep their object, so one edit re-renders one node, not 300: the
  // graph of the previous render is kept, and adjusted while rendering when the document changes.
  const [kept, setKept] = useState(() => ({ raw, graph: raw }));
  let graph = kept.graph;
  if (kept.raw !== raw) {
    graph = keepUnchanged(kept.graph, raw);
    setKept({ raw, graph });
  }
  // xyflow moves nodes while they are dragged; the document only changes when they are dropped.
  const [local, setLocal] = useState({ base: graph.nodes, nodes: graph.nodes as DesignerNode[] });
  if (local.base !== graph.nodes) setLocal({ base: graph.nodes, nodes: graph.nodes });
  const [dropTarget, setDropTarget] = useState<{ lane: TaskPlace; slot: number } | null>(null);
  const flow = useReactFlow();
  const store = useStoreApi();
  const wrapRef = useRef<HTMLDivElement>(null);

  // Only nodes on screen are rendered (a 300-task pipeline loads faster), so a node selected by
  // keyboard off screen is scrolled into view first; the designer then focuses it once it renders.
  const selectedId = useMemo(() => graph.nodes.find((n) => (n.data as { selected?: boolean }).selected)?.id, [graph.nodes]);
  useEffect(() => {
    const n = selectedId ? flow.getInternalNode(selectedId) : undefined;
    // The canvas size xyflow already knows: reading the DOM here forced a layout on every edit.
    const box = store.getState();
    if (!n || !box.width || !box.height) return;
    const { x, y, zoom } = flow.getViewport();
    const p = n.internals.positionAbsolute;
    const w = n.measured?.width ?? n.width ?? 0;
    const h = n.measured?.height ?? n.height ?? 0;
    const sx = p.x * zoom + x;
    const sy = p.y * zoom + y;
    if (sx >= 0 && sy >= 0 && sx + w * zoom <= box.width && sy + h * zoom <= box.height) return;
    void flow.setCenter(p.x + w / 2, p.y + h / 2, { zoom });
  }, [selectedId, flow, store]);

  const onNodesChange = useCallback(
    (changes: NodeChange<DesignerNode>[]) =>
      setLocal((l) => ({
        ...l,
        nodes: applyNodeChanges(
          changes.filter((c) => c.type === "position" || c.type === "dimensions"),
          l.nodes,
        ),
      })),
    [],
  );

  const targetAt = useCallback(
    (clientX: number, clientY: number) => {
      const p = flow.screenToFlowPosition({ x: clientX, y: clientY });
      const lane = placeAt(p.x, doc.stages.length);
      if (lane === "finally") return { lane, slot: slotAt(p.y, tasksIn(doc, lane).length, "parallel") };
      const stage = doc.stages[lane];
      return { lane, slot: stage ? slotAt(p.y, stage.tasks.length, stage.mode ?? "sequential") : 0 };
    },
    [flow, doc],
  );

  const onDragOver = (e: DragEvent) => {
    if (readOnly || !e.dataTransfer.types.includes(TEMPLATE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    const t = targetAt(e.clientX, e.clientY);
    setDropTarget((d) => (d && d.lane === t.lane && d.slot === t.slot ? d : t));
  };
  const onDrop = (e: DragEvent) => {
    const name = e.dataTransfer.getData(TEMPLATE_MIME);
    setDropTarget(null);
    if (readOnly || !name) return;
    e.preventDefault();
    const t = targetAt(e.clientX, e.clientY);
    onDropTemplate?.(name, t.lane, t.slot);
  };

  const onNodeDragStop = useCallback(
    (_e: unknown, node: Node) => {
      const n = node as DesignerNode;
      if (n.type === "task") {
        const from = { stage: n.data.stage, index: n.data.index };
        const parentX = laneLeft(from.stage === "finally" ? finallyLane(doc.stages.length, false) : from.stage);
        const place = placeAt(parentX + n.position.x + LAYOUT.taskWidth / 2, doc.stages.length);
        // Dropped on the add-stage lane: into the last stage, as before.
        const lane = place === "finally" ? place : Math.min(place, doc.stages.length - 1);
        const mode = lane === "finally" ? "parallel" : (doc.stages[lane]?.mode ?? "sequential");
        const others = tasksIn(doc, lane).length - (lane === from.stage ? 1 : 0);
        const index = slotAt(n.position.y + LAYOUT.taskHeight / 2, others, mode);
        if (lane !== from.stage || index !== from.index) onMoveTask?.(from, { stage: lane, index });
      } else if (n.type === "stage") {
        const to = Math.min(laneAt(n.position.x + LAYOUT.laneWidth / 2, doc.stages.length), doc.stages.length - 1);
        if (to !== n.data.index) onMoveStage?.(n.data.index, to);
      }
      // Snap back into the layout whether or not the drop changed anything.
      setLocal({ base: graph.nodes, nodes: graph.nodes });
    },
    [doc, graph.nodes, onMoveTask, onMoveStage],
  );

  // Stable callbacks in the context: a new one per render would re-render every node.
  const latest = useRef({ onTaskClick, onStageClick, onStageMode, onAddStage });
  useEffect(() => {
    latest.current = { onTaskClick, onStageClick, onStageMode, onAddStage };
  });
  const callbacks = useMemo(
    () => ({
      onTaskClick: (stage: TaskPlace, index: number) => latest.current.onTaskClick(stage, index),
      onStageClick: (stage: number) => latest.current.onStageClick?.(stage),
      onStageMode: (stage: number, mode: StageMode) => latest.current.onStageMode?.(stage, mode),
      onAddStage: () => latest.current.onAddStage?.(),
    }),
    [],
  );
  const ctx: CanvasContextValue = useMemo(() => ({ templates, dropTarget, ...callbacks }), [templates, dropTarget, callbacks]);

  return (
    <CanvasContext.Provider value={ctx}>
      <div
        ref={wrapRef}
        className={cn("gantry-canvas relative h-full w-full outline-none", className)}
        role="region"
        aria-label={label}
        // Focusable so that a click on the empty canvas still takes the designer's shortcuts.
        tabIndex={readOnly ? undefined : 0}
        onDragOver={onDragOver}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as globalThis.Node | null)) setDropTarget(null);
        }}
        onDrop={onDrop}
      >
        <ReactFlow
          nodes={local.nodes}
          edges={graph.edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onNodeDragStop={onNodeDragStop}
          onPaneClick={onPaneClick}
          // Any click handler gives every node pointer events; without one, xyflow makes undraggable nodes (add-stage lane, the run graph) ignore the mouse.
          onNodeClick={noop}
          defaultEdgeOptions={defaultEdgeOptions}
          nodesConnectable={false}
          nodesDraggable={!readOnly}
          elementsSelectable={false}
          deleteKeyCode={null}
          selectionKeyCode={null}
          multiSelectionKeyCode={null}
          disableKeyboardA11y
          zoomOnDoubleClick={false}
          onlyRenderVisibleElements
          panOnScroll
          minZoom={0.2}
          maxZoom={1.5}
          onInit={(instance) => {
            // Readable first: zoom out only as far as 70%, then the user pans (scroll) to the rest.
            const box = wrapRef.current?.getBoundingClientRect();
            const zoom = box ? Math.min(1, Math.max(0.7, (box.width - 48) / Math.max(graph.width, 1))) : 1;
            const y = box ? Math.max(24, (box.height - graph.height * zoom) / 3) : 24;
            void instance.setViewport({ x: 24, y, zoom });
          }}
        >
          <Background gap={20} size={1} color="var(--border)" />
          <Controls showInteractive={false} position="bottom-right" />
        </ReactFlow>
      </div>
    </CanvasContext.Provider>
  );
}
