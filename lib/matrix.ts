import { isActive, type RunStatus } from "./status";
import type { TaskOutcome } from "./expressions/values";

/**
 * A task's `matrix` fans it out into one task run per combination of its values (README,
 * docs/pipeline-language.md "Matrix"). The combinations come in the order of the axes and their
 * values, the last axis changing fastest: `{NODE: [18, 20], OS: [linux, mac]}` gives
 * NODE=18 OS=linux, NODE=18 OS=mac, NODE=20 OS=linux, NODE=20 OS=mac.
 */
export function matrixCombinations(matrix: Record<string, readonly string[]>): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [axis, values] of Object.entries(matrix)) out = out.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
  return out;
}

/**
 * What a matrix task as a whole came to, from its task runs: failed if any failed, else cancelled
 * if any was cancelled, skipped if all were skipped, succeeded once all are over; null while some
 * still queue, run or wait. It is what `tasks.TASK.status` reads.
 */
export function matrixStatus(statuses: readonly RunStatus[]): RunStatus | null {
  if (statuses.includes("failed")) return "failed";
  if (statuses.includes("cancelled")) return "cancelled";
  if (statuses.some(isActive)) return null;
  return statuses.every((s) => s === "skipped") ? "skipped" : "succeeded";
}

/**
 * The outcomes later tasks read (`tasks.NAME.status`), keyed by task run name, with an entry per
 * matrix task under the task's own name: its aggregate status and no results (a result of one
 * combination would be ambiguous; saving refuses such a reference).
 */
export function withMatrixOutcomes(
  rows: readonly { name: string; status: RunStatus; results?: Record<string, string> | null; plan: { matrix?: { task: string } } }[],
): Record<string, TaskOutcome> {
  const out: Record<string, TaskOutcome> = Object.fromEntries(rows.map((r) => [r.name, { status: r.status, results: r.results ?? {} }]));
  const groups = new Map<string, RunStatus[]>();
  for (const r of rows) if (r.plan.matrix) groups.set(r.plan.matrix.task, [...(groups.get(r.plan.matrix.task) ?? []), r.status]);
  for (const [task, statuses] of groups) out[task] = { status: matrixStatus(statuses) ?? "running", results: {} };
  return out;
}
