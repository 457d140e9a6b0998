import { z } from "zod";
import { AppError } from "./errors";

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled", "skipped"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/**
 * The groups of statuses, defined here only. Active: not over yet (it may still run, wait or
 * change); final: over for good; broken: over without succeeding, which fails what follows.
 */
export const ACTIVE_STATUSES: readonly RunStatus[] = ["queued", "running", "waiting"];
export const FINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "skipped"];
export const BROKEN_STATUSES: readonly RunStatus[] = ["failed", "cancelled"];
export const isActive = (s: RunStatus) => ACTIVE_STATUSES.includes(s);
export const isFinal = (s: RunStatus) => FINAL_STATUSES.includes(s);
export const isBroken = (s: RunStatus) => BROKEN_STATUSES.includes(s);

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

/** Refuses a transition the table does not allow, naming what (`task run <id>`) and both ends. */
export function assertTransition(what: string, from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) throw new AppError("conflict", `${what} cannot go from ${from} to ${to}`);
}
