import type { PipelineDoc, TaskDoc, TaskRef } from "../types";
import { taskAt, withKey, withTasks } from "./util";

type MatrixDoc = NonNullable<TaskDoc["matrix"]>;

/**
 * A task's `matrix` (axis name → values, docs/pipeline-language.md "Matrix") and `failFast`.
 * A matrix with no axis, or `null`, removes both, since failFast applies only to a matrix.
 * `failFast: true` is the default and is written only when the YAML already says it; `false`
 * is written. Either field left out stays as it is.
 */
export interface SetMatrix {
  type: "setMatrix";
  task: TaskRef;
  matrix?: MatrixDoc | null;
  failFast?: boolean;
}

export function setMatrix(doc: PipelineDoc, op: SetMatrix): PipelineDoc {
  taskAt(doc, op.task);
  return withTasks(doc, op.task.stage, (tasks) => tasks.map((t, i) => (i === op.task.index ? patchMatrix(t, op) : t)));
}

function patchMatrix(t: TaskDoc, op: SetMatrix): TaskDoc {
  let out = t;
  if (op.matrix !== undefined) {
    const matrix = op.matrix && Object.keys(op.matrix).length ? op.matrix : undefined;
    // Next to what the task is and when it runs, before its params.
    out = withKey(out, "matrix", matrix, ["name", "template", "when"]);
    if (!matrix) return withKey(out, "failFast", undefined, []);
  }
  if (op.failFast !== undefined)
    out = withKey(out, "failFast", op.failFast === false || "failFast" in out ? op.failFast : undefined, [
      "name",
      "template",
      "when",
      "matrix",
    ]);
  return out;
}
