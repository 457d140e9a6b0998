import { Position, type Edge, type Node, type NodeHandle } from "@xyflow/react";
import type { DocIds } from "./ids";
import { matrixCombinations } from "@/lib/matrix";
import type { PipelineDoc, StageMode, TaskDoc, TaskPlace, TaskRef } from "./types";

/**
 * The canvas is derived from the document, never stored (STYLE.md #10): stages are lanes left to
 * right; a sequential stage chains its tasks top to bottom with edges, a parallel stage stacks
 * them side by side in time (no edges between them); one edge joins each stage to the next. The
 * `finally` tasks form a last lane of their own (after the add-stage lane while editing), joined
 * to the last stage by a dashed edge: they run side by side whatever the stages came to.
 */

export const LAYOUT = {
  laneWidth: 224,
  laneGap: 56,
  header: 64,
  pad: 16,
  taskWidth: 196,
  taskHeight: 60,
  sequentialGap: 28,
  parallelGap: 12,
  emptyBody: 76,
} as const;

export interface StageNodeData extends Record<string, unknown> {
  index: number;
  name: string;
  mode: StageMode;
  taskCount: number;
  /** The stage's `when` condition, if it has one. */
  when?: string;
  status?: string;
  errors: string[];
  selected: boolean;
  readOnly: boolean;
}

export interface TaskNodeData extends Record<string, unknown> {
  stage: TaskPlace;
  index: number;
  name: string;
  template: string;
  /** The task's `when` condition, if it has one. */
  when?: string;
  status?: string;
  errors: string[];
  selected: boolean;
  readOnly: boolean;
  /** Where it sits in a sequential chain, for the step number on the node. */
  step?: number;
  /** Version diff: how this task differs from the other side. */
  change?: Change;
  /** A matrix task: its axes (`NODE=18,20`) and how many task runs it fans out into. */
  matrix?: { axes: string[]; combinations: number };
}

export type Change = "added" | "removed" | "changed";

export interface AddStageNodeData extends Record<string, unknown> {
  index: number;
}

export interface FinallyNodeData extends Record<string, unknown> {
  taskCount: number;
  status?: string;
  readOnly: boolean;
}

export type StageNode = Node<StageNodeData, "stage">;
export type TaskNode = Node<TaskNodeData, "task">;
export type AddStageNode = Node<AddStageNodeData, "addStage">;
export type FinallyNode = Node<FinallyNodeData, "finally">;
export type DesignerNode = StageNode | TaskNode | AddStageNode | FinallyNode;

export type Selection = { kind: "stage"; stage: number } | ({ kind: "task" } & TaskRef) | null;

export interface GraphOptions {
  /** Live status by task name (run page). */
  statuses?: Record<string, string>;
  /** Stage status by stage name (run page). */
  stageStatuses?: Record<string, string>;
  /** Problems per task (`"stage/index"`) and per stage (`"stage"`). */
  errors?: Record<string, string[]>;
  selection?: Selection;
  readOnly?: boolean;
  /** Version diff: task name → how it differs (graph diff of two versions). */
  changes?: Record<string, Change>;
  /** Stable node ids (the designer's): a moved node keeps its id. Position-based without. */
  ids?: DocIds;
}

export const stageId = (i: number) => `stage-${i}`;
export const taskId = (stage: TaskPlace, index: number) => `task-${stage}-${index}`;
export const FINALLY_ID = "finally";

export function stageBodyHeight(count: number, mode: StageMode): number {
  if (count === 0) return LAYOUT.emptyBody;
  const gap = mode === "parallel" ? LAYOUT.parallelGap : LAYOUT.sequentialGap;
  return count * LAYOUT.taskHeight + (count - 1) * gap + LAYOUT.pad;
}

/** Top of task `index` inside its lane. */
export function taskTop(index: number, mode: StageMode): number {
  const gap = mode === "parallel" ? LAYOUT.parallelGap : LAYOUT.sequentialGap;
  return LAYOUT.header + index * (LAYOUT.taskHeight + gap);
}

export const laneLeft = (i: number) => i * (LAYOUT.laneWidth + LAYOUT.laneGap);

/** The lane of the `finally` tasks: after the stages, and after the add-stage lane while editing. */
export const finallyLane = (stageCount: number, readOnly: boolean) => stageCount + (readOnly ? 0 : 1);

/** The matrix marker of a task: `NODE=18,20` per axis and the number of combinations. */
export function matrixSummary(task: TaskDoc): TaskNodeData["matrix"] {
  if (!task.matrix || typeof task.matrix !== "object") return undefined;
  const axes = Object.entries(task.matrix).map(([k, vs]) => [k, Array.isArray(vs) ? vs.map(String) : []] as const);
  if (!axes.length) return undefined;
  return {
    axes: axes.map(([k, vs]) => `${k}=${vs.join(",")}`),
    combinations: matrixCombinations(Object.fromEntries(axes)).length,
  };
}

/** Side of a handle box: `size-1` in nodes.tsx. */
const HANDLE = 4;
const handle = (type: "source" | "target", position: Position, cx: number, cy: number): NodeHandle => ({
  type,
  position,
  x: cx - HANDLE / 2,
  y: cy - HANDLE / 2,
  width: HANDLE,
  height: HANDLE,
});
/** The handles nodes.tsx draws (centred on an edge of the node, as xyflow's CSS puts them). */
const TASK_HANDLES = [
  handle("target", Position.Top, LAYOUT.taskWidth / 2, 0),
  handle("source", Position.Bottom, LAYOUT.taskWidth / 2, LAYOUT.taskHeight),
];
export const LANE_HANDLE_Y = 24;
const STAGE_HANDLES = [
  handle("target", Position.Left, 0, LANE_HANDLE_Y),
  handle("source", Position.Right, LAYOUT.laneWidth, LANE_HANDLE_Y),
];
const FINALLY_HANDLES = [handle("target", Position.Left, 0, LANE_HANDLE_Y)];

/**
 * Every node carries its size as `measured` too: sizes are fixed by the layout, and a node xyflow
 * thinks unmeasured is always rendered (to be measured), so without it each edit re-rendered and
 * re-measured all 300 nodes of a big pipeline instead of the few on screen that changed. Its
 * handles are given too: xyflow renders every node whose handles it has not measured, so without
 * them a big pipeline's first render drew and measured all its nodes, off screen too, only to
 * drop most of them a frame later.
 */
export function toGraph(
  doc: PipelineDoc,
  opts: GraphOptions = {},
): { nodes: DesignerNode[]; edges: Edge[]; width: number; height: number } {
  const nodes: DesignerNode[] = [];
  const edges: Edge[] = [];
  const sel = opts.selection ?? null;
  const readOnly = !!opts.readOnly;
  const finallyTasks = doc.finally ?? [];
  // Read-only (a run, a version), the lane shows only when there are finally tasks; while editing
  // it is always there, to drop a template into.
  const showFinally = !readOnly || finallyTasks.length > 0;
  const laneHeight = Math.max(
    LAYOUT.header + LAYOUT.emptyBody,
    ...doc.stages.map((s) => LAYOUT.header + stageBodyHeight(s.tasks.length, s.mode ?? "sequential")),
    LAYOUT.header + stageBodyHeight(finallyTasks.length, "parallel"),
  );

  const sid = (si: number) => opts.ids?.stages[si] ?? stageId(si);
  const tid = (si: TaskPlace, ti: number) => (si === "finally" ? opts.ids?.finally[ti] : opts.ids?.tasks[si]?.[ti]) ?? taskId(si, ti);
  const taskNode = (task: TaskDoc, si: TaskPlace, ti: number, parentId: string, mode: StageMode, count: number): TaskNode => ({
    id: tid(si, ti),
    type: "task",
    parentId,
    position: { x: (LAYOUT.laneWidth - LAYOUT.taskWidth) / 2, y: taskTop(ti, mode) },
    width: LAYOUT.taskWidth,
    height: LAYOUT.taskHeight,
    measured: { width: LAYOUT.taskWidth, height: LAYOUT.taskHeight },
    style: { width: LAYOUT.taskWidth, height: LAYOUT.taskHeight },
    handles: TASK_HANDLES,
    draggable: !readOnly,
    selectable: false,
    data: {
      stage: si,
      index: ti,
      name: task.name,
      template: task.template,
      when: typeof task.when === "string" ? task.when : undefined,
      status: opts.statuses?.[task.name],
      errors: opts.errors?.[`${si}/${ti}`] ?? [],
      selected: sel?.kind === "task" && sel.stage === si && sel.index === ti,
      readOnly,
      step: mode === "sequential" && count > 1 ? ti + 1 : undefined,
      change: opts.changes?.[task.name],
      matrix: matrixSummary(task),
    },
  });
  doc.stages.forEach((stage, si) => {
    const mode: StageMode = stage.mode ?? "sequential";
    nodes.push({
      id: sid(si),
      type: "stage",
      position: { x: laneLeft(si), y: 0 },
      width: LAYOUT.laneWidth,
      height: laneHeight,
      measured: { width: LAYOUT.laneWidth, height: laneHeight },
      style: { width: LAYOUT.laneWidth, height: laneHeight },
      handles: STAGE_HANDLES,
      draggable: !readOnly,
      selectable: false,
      data: {
        index: si,
        name: stage.name,
        mode,
        taskCount: stage.tasks.length,
        when: typeof stage.when === "string" ? stage.when : undefined,
        status: opts.stageStatuses?.[stage.name],
        errors: opts.errors?.[String(si)] ?? [],
        selected: sel?.kind === "stage" && sel.stage === si,
        readOnly,
      },
    });
    stage.tasks.forEach((task, ti) => {
      nodes.push(taskNode(task, si, ti, sid(si), mode, stage.tasks.length));
      if (mode === "sequential" && ti > 0)
        edges.push({
          id: `e-${tid(si, ti - 1)}-${tid(si, ti)}`,
          source: tid(si, ti - 1),
          target: tid(si, ti),
          type: "smoothstep",
          data: { kind: "task" },
        });
    });
    if (si > 0)
      edges.push({ id: `e-${sid(si - 1)}-${sid(si)}`, source: sid(si - 1), target: sid(si), type: "smoothstep", data: { kind: "stage" } });
  });

  if (!readOnly)
    nodes.push({
      id: "add-stage",
      type: "addStage",
      position: { x: laneLeft(doc.stages.length), y: 0 },
      width: LAYOUT.laneWidth,
      height: laneHeight,
      measured: { width: LAYOUT.laneWidth, height: laneHeight },
      style: { width: LAYOUT.laneWidth, height: laneHeight },
      draggable: false,
      selectable: false,
      data: { index: doc.stages.length },
    });

  if (showFinally) {
    const lane = finallyLane(doc.stages.length, readOnly);
    nodes.push({
      id: FINALLY_ID,
      type: "finally",
      position: { x: laneLeft(lane), y: 0 },
      width: LAYOUT.laneWidth,
      height: laneHeight,
      measured: { width: LAYOUT.laneWidth, height: laneHeight },
      style: { width: LAYOUT.laneWidth, height: laneHeight },
      handles: FINALLY_HANDLES,
      draggable: false,
      selectable: false,
      data: { taskCount: finallyTasks.length, status: opts.stageStatuses?.finally, readOnly },
    });
    finallyTasks.forEach((task, i) => nodes.push(taskNode(task, "finally", i, FINALLY_ID, "parallel", finallyTasks.length)));
    if (doc.stages.length && finallyTasks.length)
      edges.push({
        id: `e-${sid(doc.stages.length - 1)}-${FINALLY_ID}`,
        source: sid(doc.stages.length - 1),
        target: FINALLY_ID,
        type: "smoothstep",
        style: { strokeDasharray: "5 4" },
        data: { kind: "finally" },
      });
  }

  const lanes = doc.stages.length + (readOnly ? 0 : 1) + (showFinally ? 1 : 0);
  return { nodes, edges, width: Math.max(0, lanes * (LAYOUT.laneWidth + LAYOUT.laneGap) - LAYOUT.laneGap), height: laneHeight };
}

/** The stage lane under canvas x, or the end when past the last one (for drops and drags). */
export function laneAt(x: number, stageCount: number): number {
  return Math.min(rawLane(x), stageCount);
}

/**
 * Where a drop or drag at canvas x lands while editing: a stage lane, the end (`stageCount`, a
 * new stage: the add-stage lane), or the finally lane past it.
 */
export function placeAt(x: number, stageCount: number): TaskPlace {
  const i = rawLane(x);
  return i >= finallyLane(stageCount, false) ? "finally" : i;
}

const rawLane = (x: number) => Math.max(Math.floor((x + LAYOUT.laneGap / 2) / (LAYOUT.laneWidth + LAYOUT.laneGap)), 0);

/** The insertion index in a lane for a point `y` (relative to the lane's top). */
export function slotAt(y: number, count: number, mode: StageMode): number {
  for (let i = 0; i < count; i++) if (y < taskTop(i, mode) + LAYOUT.taskHeight / 2) return i;
  return count;
}
