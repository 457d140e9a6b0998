/**
 * A failed task's log against the same task's log in the last green run, compared line by line
 * after normalisation (normalize.ts), so that only meaningful lines remain: what the failed run
 * printed that the green one did not, and the reverse. Pure.
 */
import { diffArraysBounded } from "@/lib/diff/line-diff";
import { normalizeLine } from "./normalize";
import type { TriageLine } from "./first-error";

export interface LogDiffLine {
  /** `add`: only in the failed run; `del`: only in the green one. */
  op: "same" | "add" | "del";
  /** The line's sequence number in its own run's log. */
  line: number;
  text: string;
}

export interface LogDiff {
  hunks: LogDiffLine[][];
  added: number;
  removed: number;
  /** Only the last `MAX_LINES` lines of each log were compared. */
  truncated: boolean;
  /** The logs have too little in common for a useful line diff. */
  tooDifferent: boolean;
}

export const MAX_LINES = 5000;
const MAX_EDITS = 2000;
const CONTEXT = 2;
const MAX_HUNK_LINES = 400;

/** Lines the task printed (not Gantry's own) of its last attempt, the last MAX_LINES of them. */
function taskLines(lines: readonly TriageLine[]): { lines: TriageLine[]; truncated: boolean } {
  let start = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].stream === "sys" && /^attempt \d+ of \d+$/.test(lines[i].text)) {
      start = i + 1;
      break;
    }
  }
  const own = lines.slice(start).filter((l) => l.stream !== "sys");
  return { lines: own.slice(-MAX_LINES), truncated: own.length > MAX_LINES };
}

export function diffLogs(failed: readonly TriageLine[], green: readonly TriageLine[]): LogDiff {
  const f = taskLines(failed);
  const g = taskLines(green);
  const truncated = f.truncated || g.truncated;
  const ops = diffArraysBounded(
    g.lines.map((l) => normalizeLine(l.text)),
    f.lines.map((l) => normalizeLine(l.text)),
    MAX_EDITS,
  );
  if (!ops) return { hunks: [], added: 0, removed: 0, truncated, tooDifferent: true };
  const rows: LogDiffLine[] = ops.map((o) =>
    o.kind === "del"
      ? { op: "del", line: g.lines[o.a - 1].seq, text: g.lines[o.a - 1].text }
      : { op: o.kind, line: f.lines[o.b - 1].seq, text: f.lines[o.b - 1].text },
  );
  const changed = rows.map((r) => r.op !== "same");
  const hunks: LogDiffLine[][] = [];
  let cur: LogDiffLine[] | null = null;
  for (let i = 0; i < rows.length; i++) {
    const near = changed.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some(Boolean);
    if (!near) {
      cur = null;
      continue;
    }
    if (!cur) hunks.push((cur = []));
    if (cur.length < MAX_HUNK_LINES) cur.push(rows[i]);
  }
  return {
    hunks,
    added: rows.filter((r) => r.op === "add").length,
    removed: rows.filter((r) => r.op === "del").length,
    truncated,
    tooDifferent: false,
  };
}
