"use client";

import type { Operation } from "@/lib/designer/apply";
import type { DocIds } from "@/lib/designer/ids";
import type { Problem } from "@/lib/designer/problems";
import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { Selection } from "@/lib/designer/to-graph";
import type { PipelineDoc } from "@/lib/designer/types";
import { selectionFromKey, type Move } from "../selection";
import { tasksIn } from "@/lib/designer/places";
import { PipelineInspector } from "./pipeline-inspector";
import { StageInspector } from "./stage-inspector";
import { TaskInspector } from "./task-inspector";

/**
 * The designer's side panel: the selected task's or stage's settings, or the pipeline's when
 * nothing is selected. Edits become operations; typing in one field undoes as one step.
 */
export function Inspector({
  doc,
  selection,
  ids,
  templates,
  problems,
  allProblems,
  secretNames,
  secretsHref,
  run,
  onSelect,
  onDuplicate,
  onDelete,
  onMove,
}: {
  doc: PipelineDoc;
  /** A selection that exists in `doc`. */
  selection: Selection;
  ids: DocIds;
  templates: ReadonlyMap<string, PaletteTemplate>;
  /** Problems by node key (`"stage/index"`, `"finally/index"`, `"stage"`, `""`). */
  problems: Record<string, Problem[]>;
  allProblems: { key: string; problem: Problem }[];
  /** The project's secret names, or null when they are not known. */
  secretNames: readonly string[] | null;
  /** Where the project's secrets are created, for the secret picker's hint. */
  secretsHref: string | null;
  run: (op: Operation, coalesceKey?: string) => void;
  onSelect: (s: Selection) => void;
  /** Act on the selected stage or task. */
  onDuplicate: () => void;
  onDelete: () => void;
  onMove: (m: Move) => void;
}) {
  const sel = selection;
  const selectedTask = sel?.kind === "task" ? tasksIn(doc, sel.stage)[sel.index] : null;
  return selectedTask && sel?.kind === "task" ? (
    <TaskInspector
      key={`${(sel.stage === "finally" ? ids.finally : ids.tasks[sel.stage])[sel.index]}/${selectedTask.template}`}
      doc={doc}
      at={{ stage: sel.stage, index: sel.index }}
      task={selectedTask}
      template={templates.get(selectedTask.template)}
      templates={templates}
      secretNames={secretNames}
      secretsHref={secretsHref}
      problems={problems[`${sel.stage}/${sel.index}`] ?? []}
      onUpdate={(patch, field) =>
        run({ type: "updateTask", task: { stage: sel.stage, index: sel.index }, patch }, `${sel.stage}/${sel.index}/${field}`)
      }
      onMatrix={(change, field) =>
        run({ type: "setMatrix", task: { stage: sel.stage, index: sel.index }, ...change }, `${sel.stage}/${sel.index}/matrix/${field}`)
      }
      onDuplicate={onDuplicate}
      onDelete={onDelete}
      onMove={onMove}
      onClose={() => onSelect(null)}
    />
  ) : sel?.kind === "stage" ? (
    <StageInspector
      key={ids.stages[sel.stage]}
      stage={doc.stages[sel.stage]}
      problems={problems[String(sel.stage)] ?? []}
      onRename={(name) => run({ type: "rename", stage: sel.stage, name }, `stage/${sel.stage}/name`)}
      onMode={(mode) => run({ type: "setStageMode", stage: sel.stage, mode })}
      onWhen={(when) => run({ type: "setStageCondition", stage: sel.stage, when }, `stage/${sel.stage}/when`)}
      onDuplicate={onDuplicate}
      onDelete={onDelete}
      onMove={onMove}
      onClose={() => onSelect(null)}
    />
  ) : (
    <PipelineInspector
      doc={doc}
      secretNames={secretNames ?? []}
      problems={allProblems}
      onRename={(p) => run({ type: "rename", ...p }, `pipeline/${Object.keys(p)[0]}`)}
      onRepository={(patch) =>
        run(
          { type: "setRepository", patch },
          `pipeline/repository/${Object.keys(patch)[0]}${patch.credentials ? `/${Object.keys(patch.credentials)[0]}` : ""}`,
        )
      }
      onSelectProblem={(key) => {
        if (key !== "") onSelect(selectionFromKey(key, doc));
      }}
    />
  );
}
