/** Time formatting shared by every page, so "3 min ago" and durations read the same everywhere. */

export type DateLike = Date | string | number;

export const toDate = (d: DateLike) => (d instanceof Date ? d : new Date(d));

export function formatRelative(d: DateLike, now: number = Date.now()): string {
  const s = Math.round((now - toDate(d).getTime()) / 1000);
  const abs = Math.abs(s);
  const ago = (v: number, unit: string) => (s >= 0 ? `${v} ${unit} ago` : `in ${v} ${unit}`);
  if (abs < 10) return "just now";
  if (abs < 60) return ago(abs, "s");
  if (abs < 3600) return ago(Math.floor(abs / 60), "min");
  if (abs < 86400) return ago(Math.floor(abs / 3600), "h");
  if (abs < 86400 * 30) return ago(Math.floor(abs / 86400), abs < 2 * 86400 ? "day" : "days");
  return toDate(d).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

// Intl formatters are costly to create and cheap to reuse: the log viewer formats one per row.
const exactFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** The exact time for tooltips: local, with seconds and the zone, unambiguous. */
export function formatExact(d: DateLike): string {
  const date = toDate(d);
  return `${exactFormat.format(date)} (${date.toISOString()})`;
}

/** 14:03:27.931, for log lines. */
export function formatClock(d: DateLike): string {
  const date = toDate(d);
  return `${clockFormat.format(date)}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}
