import type { ScheduleJson } from "@/lib/schedule-json";
import type { ScheduleRunRef, ScheduleView } from "../schedules/schedules";

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
const runRef = (r: ScheduleRunRef) => ({ ...r, createdAt: r.createdAt.toISOString(), finishedAt: isoOrNull(r.finishedAt) });

/** A schedule as REST API v1 sends it (lib/schedule-json.ts). */
export function scheduleJson(s: ScheduleView): ScheduleJson {
  return {
    ...s,
    lastScheduledAt: isoOrNull(s.lastScheduledAt),
    nextAt: isoOrNull(s.nextAt),
    upcoming: s.upcoming.map((d) => d.toISOString()),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    active: s.active.map(runRef),
    succeeded: s.succeeded.map(runRef),
    failed: s.failed.map(runRef),
  };
}
