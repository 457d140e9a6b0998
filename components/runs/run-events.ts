import type { RunJson } from "@/lib/api-schemas";
import { isFinal } from "@/lib/status";

/**
 * Applies a `run` event (the whole run, as GET /api/v1/runs/{id}) to what the page holds.
 * Events can arrive late or twice (a reconnect, the reply of a cancel racing the stream):
 * `rev` grows with every change, so anything not newer than what we have is ignored.
 */
export function applyRunEvent(current: RunJson | undefined, next: RunJson): RunJson {
  if (!current) return next;
  if (next.id !== current.id) return current;
  if (next.rev <= current.rev) return current;
  return next;
}

export const isRunActive = (run: Pick<RunJson, "status">) => !isFinal(run.status);

export type TaskRunJson = RunJson["stages"][number]["tasks"][number];

export function findTask(run: RunJson, taskRunId: string | null | undefined): TaskRunJson | undefined {
  if (!taskRunId) return undefined;
  for (const s of run.stages) for (const t of s.tasks) if (t.id === taskRunId) return t;
  return undefined;
}

/** The task whose log a reader most likely wants when none is chosen: the first failure. */
export function defaultTask(run: RunJson): TaskRunJson | undefined {
  for (const s of run.stages) for (const t of s.tasks) if (t.status === "failed") return t;
  return undefined;
}
