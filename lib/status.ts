import { z } from "zod";

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled", "skipped"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const FINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "skipped"];
export const isFinal = (s: RunStatus) => FINAL_STATUSES.includes(s);

/**
 * Allowed status transitions, written down as data (STYLE.md #6). The same table serves runs
 * and task runs; anything not listed is refused by `assertTransition`.
 */
export const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ["running", "waiting", "cancelled", "skipped", "failed"],
  running: ["succeeded", "failed", "cancelled", "waiting", "queued"],
  waiting: ["running", "succeeded", "failed", "cancelled", "skipped"],
  succeeded: [],
  failed: [],
  cancelled: [],
  skipped: [],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}
