import type { RunJson } from "@/lib/api-schemas";

/**
 * How the run page groups a run's task runs: the `finally` tasks' stage (`stage.finally`), and
 * the task runs of a matrix task under that task (`task.matrix`), as the run API marks them.
 */

type StageRunJson = RunJson["stages"][number];
type TaskRunJson = StageRunJson["tasks"][number];

/** Whether the stage at `index` is the one the run's `finally` tasks form. */
export function isFinallyStage(run: Pick<RunJson, "stages">, index: number): boolean {
  return run.stages[index]?.finally === true;
}

/** The matrix task and values (`NODE=20, OS=linux`) of a combination's task run, or null for a task's own run. */
export function combinationOf(t: Pick<TaskRunJson, "matrix">): { task: string; values: string } | null {
  if (!t.matrix) return null;
  return {
    task: t.matrix.task,
    values: Object.entries(t.matrix.values)
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
  };
}

export type TaskRow = { kind: "task"; task: TaskRunJson } | { kind: "matrix"; name: string; tasks: TaskRunJson[] };

/** A stage's task runs in order, with the combinations of each matrix task gathered under it. */
export function groupMatrixRuns(tasks: readonly TaskRunJson[]): TaskRow[] {
  const out: TaskRow[] = [];
  const groups = new Map<string, TaskRunJson[]>();
  for (const t of tasks) {
    const c = combinationOf(t);
    if (!c) {
      out.push({ kind: "task", task: t });
      continue;
    }
    const group = groups.get(c.task);
    if (group) group.push(t);
    else {
      const fresh = [t];
      groups.set(c.task, fresh);
      out.push({ kind: "matrix", name: c.task, tasks: fresh });
    }
  }
  return out;
}

const ORDER = ["succeeded", "failed", "cancelled", "skipped", "running", "waiting", "queued"];

/** `4 combinations: 3 succeeded, 1 failed`, the ended ones first. */
export function matrixSummary(tasks: readonly { status: string }[]): string {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const rank = (s: string) => (ORDER.includes(s) ? ORDER.indexOf(s) : ORDER.length);
  const parts = [...counts].sort(([a], [b]) => rank(a) - rank(b)).map(([status, n]) => `${n} ${status}`);
  return `${tasks.length} ${tasks.length === 1 ? "combination" : "combinations"}: ${parts.join(", ")}`;
}
