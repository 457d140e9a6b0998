import { addStage, type AddStage } from "./operations/add-stage";
import { addTask, type AddTask } from "./operations/add-task";
import { deleteStage, type DeleteStage } from "./operations/delete-stage";
import { deleteTask, type DeleteTask } from "./operations/delete-task";
import { duplicateStage, type DuplicateStage } from "./operations/duplicate-stage";
import { duplicateTask, type DuplicateTask } from "./operations/duplicate-task";
import { moveStage, type MoveStage } from "./operations/move-stage";
import { moveTask, type MoveTask } from "./operations/move-task";
import { rename, type Rename } from "./operations/rename";
import { replace, type Replace } from "./operations/replace";
import { setMatrix, type SetMatrix } from "./operations/set-matrix";
import { setRepository, type SetRepository } from "./operations/set-repository";
import { setStageCondition, type SetStageCondition } from "./operations/set-stage-condition";
import { setStageMode, type SetStageMode } from "./operations/set-stage-mode";
import { updateTask, type UpdateTask } from "./operations/update-task";
import type { PipelineDoc } from "./types";

export type Operation =
  | AddTask
  | MoveTask
  | MoveStage
  | DuplicateTask
  | DuplicateStage
  | DeleteTask
  | DeleteStage
  | SetStageMode
  | SetStageCondition
  | UpdateTask
  | SetMatrix
  | AddStage
  | Rename
  | SetRepository
  | Replace;

/** Every designer edit goes through here: pure, never mutates `doc` (STYLE.md #9). */
export function apply(doc: PipelineDoc, op: Operation): PipelineDoc {
  switch (op.type) {
    case "addTask":
      return addTask(doc, op);
    case "moveTask":
      return moveTask(doc, op);
    case "moveStage":
      return moveStage(doc, op);
    case "duplicateTask":
      return duplicateTask(doc, op);
    case "duplicateStage":
      return duplicateStage(doc, op);
    case "deleteTask":
      return deleteTask(doc, op);
    case "deleteStage":
      return deleteStage(doc, op);
    case "setStageMode":
      return setStageMode(doc, op);
    case "setStageCondition":
      return setStageCondition(doc, op);
    case "updateTask":
      return updateTask(doc, op);
    case "setMatrix":
      return setMatrix(doc, op);
    case "addStage":
      return addStage(doc, op);
    case "rename":
      return rename(doc, op);
    case "setRepository":
      return setRepository(doc, op);
    case "replace":
      return replace(doc, op);
  }
}
