/**
 * Log lines with what differs between two runs of the same thing taken out: timestamps,
 * durations, temporary and workspace paths, hashes, ids and numbers. Used to compare a failed
 * task's log with its last green one, and to fingerprint a failure so that the same failure in
 * another run is found (docs/triage.md). Pure.
 */
import { createHash } from "node:crypto";
import { stripAnsi } from "@/lib/ansi";

// Order matters: a timestamp holds numbers, a path may hold a hash.
const RULES: [RegExp, string][] = [
  // 2026-12-07T17:58:57Z, 2026-12-07 17:58:57.123+01:00, 2026/12/07 17:58:57
  [/\b\d{4}[-/]\d{2}[-/]\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, "<time>"],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, "<time>"],
  // Temporary directories and Gantry's workspaces, whatever follows in the same path.
  [/(?:\/tmp|\/var\/tmp|\/var\/folders|\/private\/var\/folders)\/[^\s'":)\]]*/g, "<tmp>"],
  [/\/[^\s'":]*workspaces\/[0-9a-f-]{8,}/g, "<workspace>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  [/\bsha256:[0-9a-f]{64}\b/g, "<digest>"],
  // Commit hashes and other hex ids: at least 7 hex digits with at least one letter and one digit.
  [/\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,64}\b/g, "<hash>"],
  [/\b0x[0-9a-f]+\b/gi, "<hex>"],
  // Durations: 0.103 s, 12ms, (0.00s), 1m30s, in 0.13s, duration_ms: 6.76
  [/\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|secs|seconds?|m|min|minutes?|h)\b/g, "<dur>"],
  [/\b\d+(?:\.\d+)?\b/g, "<n>"],
];

export function normalizeLine(text: string): string {
  let s = text.includes("\x1b") ? stripAnsi(text) : text;
  for (const [re, to] of RULES) s = s.replace(re, to);
  return s.replace(/\s+/g, " ").trim();
}

/**
 * The same failure in any run gives the same value: the rule that found it and its normalised
 * lines (or the Kubernetes reason, which says more than any line). 16 hex digits.
 */
export function fingerprint(parts: { reason?: string | null; rule?: string | null; lines?: readonly string[] }): string {
  const key = parts.reason ? `reason:${parts.reason}` : `${parts.rule ?? ""}\n${(parts.lines ?? []).map(normalizeLine).join("\n")}`;
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}
