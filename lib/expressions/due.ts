import type { TaskPlan } from "../plan";
import { evaluateCondition, type ConditionContext } from "./condition";
import type { TaskOutcome } from "./values";

export type DueDecision = { kind: "run" } | { kind: "skip"; message: string } | { kind: "fail"; message: string };

/**
 * What happens to a task the run is ready to start (server/runs/state.ts): its `when`
 * conditions hold, and every result it uses exists. A result of a task that was skipped does not
 * exist, so the task is skipped too (as Tekton does); a task that ended without writing a result
 * it declared fails the one that needs it, naming both.
 */
export function decideDue(
  plan: TaskPlan,
  tasks: Record<string, TaskOutcome>,
  run: { id: string; number: number },
  /** For `finally` tasks: what the stages came to (`run.status` in their conditions). */
  stagesStatus?: string,
): DueDecision {
  for (const [task, result] of plan.needs ?? []) {
    const t = tasks[task];
    if (!t) return { kind: "fail", message: `task '${task}' is not in this run, so result '${result}' does not exist` };
    if (t.status === "skipped")
      return { kind: "skip", message: `skipped: task '${task}' was skipped, so its result '${result}' does not exist` };
    if (t.results[result] === undefined)
      return { kind: "fail", message: `task '${task}' ${t.status} without writing its result '${result}'` };
  }
  if (!plan.when) return { kind: "run" };
  const ctx = {
    ...(plan.when.context as Omit<ConditionContext, "run" | "tasks">),
    // `run.status` exists for `finally` tasks only: what the stages came to.
    run: { id: run.id, number: run.number, ...(stagesStatus ? { status: stagesStatus } : {}) },
    tasks,
  };
  for (const c of plan.when.conditions) {
    const r = evaluateCondition(c.expr, ctx);
    if (!r.ok) return { kind: "fail", message: `the ${c.from}'s condition \`${c.expr}\` could not be evaluated: ${r.error}` };
    if (!r.value) return { kind: "skip", message: `skipped: the ${c.from}'s condition \`${c.expr}\` is false` };
  }
  return { kind: "run" };
}
