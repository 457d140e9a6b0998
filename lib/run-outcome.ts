import { isActive, isBroken, type RunStatus } from "./status";

/**
 * What a run's stages came to, and so what its `finally` tasks see as `run.status`
 * (docs/pipeline-language.md, "Finally"). Pure: server/runs/state.ts ends the run with it, and
 * the operator gives it to a finally task's references when the task starts.
 */

/** How long a cancelled run's `finally` tasks may still start and run before they are stopped too. */
export const FINALLY_CANCEL_GRACE_SECONDS = 300;

export interface OutcomeRow {
  name: string;
  status: RunStatus;
  message: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  plan: { gate?: unknown; finally?: true; matrix?: { task: string; failFast: boolean } };
}

export interface StagesOutcome {
  status: "succeeded" | "failed" | "cancelled";
  /** The run's message when it ends this way. */
  message: string | null;
}

/**
 * The task run that fails the stages: failed before cancelled (a combination cancelled because a
 * sibling failed points at the sibling). A combination of a matrix task without failFast counts
 * only once all of its task's combinations are over.
 */
export function brokenStageTask<T extends OutcomeRow>(rows: readonly T[]): T | undefined {
  const counts = (t: T) => {
    if (!isBroken(t.status) || t.plan.finally) return false;
    const m = t.plan.matrix;
    if (!m || m.failFast) return true;
    return rows.every((x) => x.plan.matrix?.task !== m.task || !isActive(x.status));
  };
  return rows.find((t) => counts(t) && t.status === "failed") ?? rows.find(counts);
}

/** An approval gate that timed out with `onTimeout: skip`: the rest of the stages were skipped. (Others never started waiting.) */
export function skippedGate<T extends OutcomeRow>(rows: readonly T[]): T | undefined {
  return rows.find((t) => !t.plan.finally && t.plan.gate && t.status === "skipped" && t.startedAt && t.finishedAt);
}

/** What the stages came to once none of them is active. */
export function stagesOutcome(rows: readonly OutcomeRow[], run: { cancelRequested: boolean; message: string | null }): StagesOutcome {
  if (run.cancelRequested) return { status: "cancelled", message: run.message ?? "cancelled" };
  const broken = brokenStageTask(rows);
  if (broken) return { status: "failed", message: `task '${broken.name}' ${broken.status}${broken.message ? `: ${broken.message}` : ""}` };
  const gate = skippedGate(rows);
  if (gate) return { status: "succeeded", message: `approval gate '${gate.name}' timed out: the rest of the run was skipped` };
  return { status: "succeeded", message: null };
}

/** How the run ends once its finally tasks are over too: a failed finally task fails a run whose stages succeeded. */
export function finalOutcome(stages: StagesOutcome, finallyRows: readonly OutcomeRow[]): StagesOutcome {
  if (stages.status !== "succeeded") return stages;
  const broken = finallyRows.find((t) => t.status === "failed") ?? finallyRows.find((t) => isBroken(t.status));
  if (!broken) return stages;
  return { status: "failed", message: `finally task '${broken.name}' ${broken.status}${broken.message ? `: ${broken.message}` : ""}` };
}

/** Whether a cancelled run's grace for its finally tasks has run out (a cancel of unknown time has none). */
export function finallyGraceOver(cancelRequestedAt: Date | null, now: Date): boolean {
  return !cancelRequestedAt || now.getTime() - cancelRequestedAt.getTime() > FINALLY_CANCEL_GRACE_SECONDS * 1000;
}
