import type { RunStatus } from "@/lib/status";

/** Statuses counted by the "now" gauges; the final ones are counted as they happen (counters). */
export const ACTIVE_STATUSES_FOR_METRICS: RunStatus[] = ["queued", "running", "waiting"];
