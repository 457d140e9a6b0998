"use client";

import { Handle, Position, type NodeProps } from "@xyflow/react";
import { CircleAlert, Flag, Grid2x2, ListOrdered, Plus, Rows3, Split } from "lucide-react";
import { memo } from "react";
import { StatusIcon, statusLabel } from "@/components/runs/status-badge";
import { cn } from "@/components/ui/cn";
import {
  LANE_HANDLE_Y,
  LAYOUT,
  taskTop,
  type AddStageNode as AddStageNodeType,
  type FinallyNode as FinallyNodeType,
  type StageNode as StageNodeType,
  type TaskNode as TaskNodeType,
} from "@/lib/designer/to-graph";
import { useCanvas } from "./canvas-context";
import { TemplateIcon } from "./template-icon";

/** Version diff colours: added like the diff's added lines, removed like its removed ones. */
const CHANGE: Record<string, string> = {
  added: "border-accent bg-accent-soft",
  removed: "border-danger/60 bg-danger-soft line-through decoration-danger/60",
  changed: "border-st-waiting bg-st-waiting/10",
};

const hidden = "!pointer-events-none !size-1 !min-h-0 !min-w-0 !border-0 !bg-transparent";

/** Live status as a coloured edge on the node (run page). */
const STATUS_RING: Record<string, string> = {
  queued: "border-l-st-queued",
  running: "border-l-st-running ring-2 ring-st-running/30",
  waiting: "border-l-st-waiting",
  succeeded: "border-l-st-succeeded bg-st-succeeded/8",
  failed: "border-l-st-failed bg-st-failed/8",
  cancelled: "border-l-st-cancelled",
  skipped: "border-l-st-skipped opacity-70",
};

/** A task or stage that runs only when its condition holds: the condition shows on hover and to screen readers. */
function ConditionMarker({ name, when, className }: { name: string; when: string; className?: string }) {
  return (
    <span
      role="img"
      aria-label={`${name} runs only when ${when}`}
      title={`when: ${when}`}
      className={cn(
        "inline-flex h-4 max-w-28 items-center gap-0.5 rounded-full border border-st-waiting/50 bg-surface px-1 text-[10px] text-st-waiting shadow-xs",
        className,
      )}
    >
      <Split className="size-2.5 shrink-0 rotate-90" aria-hidden />
      <span className="truncate font-mono">when</span>
    </span>
  );
}

/** A matrix task: how many task runs it fans out into, its axes on hover and to screen readers. */
function MatrixMarker({ name, matrix }: { name: string; matrix: NonNullable<TaskNodeType["data"]["matrix"]> }) {
  const label = `${name} runs ${matrix.combinations} ${matrix.combinations === 1 ? "combination" : "combinations"}: ${matrix.axes.join("; ")}`;
  return (
    <span
      role="img"
      aria-label={label}
      title={`matrix: ${matrix.axes.join("; ")}`}
      className="absolute -bottom-2 left-3 inline-flex h-4 max-w-36 items-center gap-0.5 rounded-full border border-accent/50 bg-surface px-1 text-[10px] text-accent shadow-xs"
    >
      <Grid2x2 className="size-2.5 shrink-0" aria-hidden />
      <span className="truncate font-mono">×{matrix.combinations}</span>
    </span>
  );
}

export const TaskNode = memo(function TaskNode({ data }: NodeProps<TaskNodeType>) {
  const { templates, onTaskClick } = useCanvas();
  const t = templates.get(data.template);
  const problems = data.errors.length;
  const label = data.status
    ? `Task ${data.name}, ${statusLabel(data.status).toLowerCase()}`
    : data.change
      ? `Task ${data.name}, ${data.change}`
      : `Task ${data.name}`;
  return (
    <div
      data-task={data.name}
      data-status={data.status}
      className={cn(
        "group relative flex h-full w-full items-center gap-2.5 rounded-lg border bg-surface px-2.5 shadow-sm transition-[box-shadow,border-color]",
        data.status && "border-l-4",
        data.status && STATUS_RING[data.status],
        !data.readOnly && "hover:border-accent/50 hover:shadow-md",
        problems > 0 && "border-danger/60",
        data.change && CHANGE[data.change],
        data.selected && "border-accent ring-2 ring-accent/40",
      )}
    >
      <Handle type="target" position={Position.Top} className={hidden} isConnectable={false} />
      <span
        className={cn(
          "grid size-8 shrink-0 place-items-center rounded-md",
          problems > 0 ? "bg-danger-soft text-danger" : "bg-accent-soft text-accent",
        )}
      >
        {data.status ? <StatusIcon status={data.status} className="size-4.5" /> : <TemplateIcon icon={t?.icon} className="size-4.5" />}
      </span>
      <div className="min-w-0 flex-1">
        <button
          type="button"
          aria-label={label}
          aria-pressed={data.selected}
          data-node-key={`${data.stage}/${data.index}`}
          onClick={() => onTaskClick(data.stage, data.index)}
          className="block w-full truncate text-left text-sm font-medium outline-none after:absolute after:inset-0 after:rounded-lg focus-visible:after:ring-2 focus-visible:after:ring-ring"
        >
          {data.name}
        </button>
        {/* Outside the button, so its name is only what its label says (label in name). */}
        <span className="block truncate text-xs text-muted">{t?.title ?? data.template}</span>
      </div>
      {data.change && <span className="text-[10px] font-medium text-muted uppercase">{data.change}</span>}
      {data.step !== undefined && (
        <span className="text-[10px] text-muted tabular-nums" aria-hidden>
          {data.step}
        </span>
      )}
      {data.when && <ConditionMarker name={`Task ${data.name}`} when={data.when} className="absolute -top-2 left-3" />}
      {data.matrix && <MatrixMarker name={data.name} matrix={data.matrix} />}
      {problems > 0 && (
        <span
          role="img"
          aria-label={`${data.name}: ${problems === 1 ? "1 problem" : `${problems} problems`}`}
          title={data.errors.join("\n")}
          className="absolute -top-2 -right-2 grid h-5 min-w-5 place-items-center rounded-full bg-danger px-1 text-[11px] font-semibold text-white shadow"
        >
          {problems}
        </span>
      )}
      <Handle type="source" position={Position.Bottom} className={hidden} isConnectable={false} />
    </div>
  );
});

export const StageNode = memo(function StageNode({ data }: NodeProps<StageNodeType>) {
  const { onStageClick, onStageMode, dropTarget } = useCanvas();
  const dropping = dropTarget?.lane === data.index;
  const problems = data.errors.length;
  return (
    <div
      data-stage={data.name}
      className={cn(
        "relative h-full w-full rounded-xl border bg-surface-2/70 transition-colors",
        data.taskCount === 0 && "border-dashed",
        dropping && "border-accent bg-accent-soft/60",
        problems > 0 && "border-danger/50",
        data.selected && "border-accent ring-2 ring-accent/40",
      )}
    >
      <Handle type="target" position={Position.Left} style={{ top: LANE_HANDLE_Y }} className={hidden} isConnectable={false} />
      <div className="flex h-8 items-center gap-1.5 px-3 pt-2">
        {data.status && <StatusIcon status={data.status} className="size-3.5" />}
        {data.readOnly ? (
          <span className="min-w-0 flex-1 truncate text-xs font-semibold tracking-wide uppercase">{data.name}</span>
        ) : (
          <button
            type="button"
            aria-label={`Stage ${data.name}`}
            aria-pressed={data.selected}
            data-node-key={`${data.index}`}
            onClick={() => onStageClick?.(data.index)}
            className="min-w-0 flex-1 truncate rounded text-left text-xs font-semibold tracking-wide uppercase outline-none hover:text-accent focus-visible:ring-2 focus-visible:ring-ring"
          >
            {data.name}
          </button>
        )}
        {data.when && <ConditionMarker name={`Stage ${data.name}`} when={data.when} />}
        {problems > 0 && (
          <span
            role="img"
            aria-label={`Stage ${data.name}: ${problems === 1 ? "1 problem" : `${problems} problems`}`}
            title={data.errors.join("\n")}
          >
            <CircleAlert className="size-3.5 text-danger" aria-hidden />
          </span>
        )}
        <span className="text-[11px] text-muted tabular-nums">{data.taskCount}</span>
      </div>
      <div className="flex h-7 items-center px-3 pb-1">
        {data.readOnly || !onStageMode ? (
          <span className="inline-flex items-center gap-1 text-[11px] text-muted">
            {data.mode === "parallel" ? <Rows3 className="size-3" aria-hidden /> : <ListOrdered className="size-3" aria-hidden />}
            {data.mode}
          </span>
        ) : (
          <div
            role="group"
            aria-label={`Mode of stage ${data.name}`}
            className="nodrag inline-flex rounded-md border bg-surface p-0.5 text-[11px]"
          >
            {(["sequential", "parallel"] as const).map((m) => (
              <button
                key={m}
                type="button"
                aria-pressed={data.mode === m}
                title={m === "sequential" ? "Tasks run one after another" : "Tasks run at the same time"}
                onClick={() => data.mode !== m && onStageMode(data.index, m)}
                className={cn(
                  "inline-flex items-center gap-1 rounded px-1.5 py-0.5 capitalize text-muted hover:text-foreground",
                  data.mode === m && "bg-accent-soft font-medium text-accent",
                )}
              >
                {m === "parallel" ? <Rows3 className="size-3" aria-hidden /> : <ListOrdered className="size-3" aria-hidden />}
                {m}
              </button>
            ))}
          </div>
        )}
      </div>
      {data.taskCount === 0 && (
        <p className="absolute inset-x-4 text-center text-xs text-muted" style={{ top: LAYOUT.header + 12 }}>
          Drop a template here, or select the stage and press Enter on one in the palette
        </p>
      )}
      {dropping && (
        <div
          aria-hidden
          className="absolute inset-x-3 h-0.5 rounded bg-accent"
          style={{ top: dropTarget.slot === 0 ? LAYOUT.header - 6 : taskTop(dropTarget.slot - 1, data.mode) + LAYOUT.taskHeight + 5 }}
        />
      )}
      <Handle type="source" position={Position.Right} style={{ top: LANE_HANDLE_Y }} className={hidden} isConnectable={false} />
    </div>
  );
});

export const AddStageNode = memo(function AddStageNode({ data }: NodeProps<AddStageNodeType>) {
  const { onAddStage, dropTarget } = useCanvas();
  const dropping = dropTarget?.lane === data.index;
  return (
    <div
      className={cn(
        "flex h-full w-full flex-col items-center justify-center gap-2 rounded-xl border border-dashed text-xs text-muted transition-colors",
        dropping && "border-accent bg-accent-soft/60 text-accent",
      )}
    >
      <button
        type="button"
        onClick={() => onAddStage?.()}
        className="inline-flex items-center gap-1.5 rounded-md border bg-surface px-2.5 py-1.5 text-sm text-foreground shadow-xs hover:bg-surface-2"
      >
        <Plus className="size-4" aria-hidden /> Add stage
      </button>
      <span>or drop a template here</span>
    </div>
  );
});

/**
 * The lane of the `finally` tasks: after every stage, whatever they came to. Dashed and tinted
 * apart from the stages; while editing, a drop target like an empty stage.
 */
export const FinallyNode = memo(function FinallyNode({ data }: NodeProps<FinallyNodeType>) {
  const { dropTarget } = useCanvas();
  const dropping = dropTarget?.lane === "finally";
  return (
    <div
      data-lane="finally"
      role="group"
      aria-label="Finally tasks"
      className={cn(
        "relative h-full w-full rounded-xl border-2 border-dashed border-st-waiting/40 bg-st-waiting/5 transition-colors",
        dropping && "border-accent bg-accent-soft/60",
      )}
    >
      <Handle type="target" position={Position.Left} style={{ top: LANE_HANDLE_Y }} className={hidden} isConnectable={false} />
      <div className="flex h-8 items-center gap-1.5 px-3 pt-2">
        {data.status ? <StatusIcon status={data.status} className="size-3.5" /> : <Flag className="size-3.5 text-st-waiting" aria-hidden />}
        <span className="min-w-0 flex-1 truncate text-xs font-semibold tracking-wide uppercase">Finally</span>
        <span className="text-[11px] text-muted tabular-nums">{data.taskCount}</span>
      </div>
      <p className="flex h-7 items-center px-3 pb-1 text-[11px] text-muted">after all stages, side by side</p>
      {data.taskCount === 0 && !data.readOnly && (
        <p className="absolute inset-x-4 text-center text-xs text-muted" style={{ top: LAYOUT.header + 12 }}>
          Drop a template here to run it after all stages, whatever happened (cleanup, notify)
        </p>
      )}
      {dropping && (
        <div
          aria-hidden
          className="absolute inset-x-3 h-0.5 rounded bg-accent"
          style={{ top: dropTarget.slot === 0 ? LAYOUT.header - 6 : taskTop(dropTarget.slot - 1, "parallel") + LAYOUT.taskHeight + 5 }}
        />
      )}
    </div>
  );
});

export const nodeTypes = { task: TaskNode, stage: StageNode, addStage: AddStageNode, finally: FinallyNode };
