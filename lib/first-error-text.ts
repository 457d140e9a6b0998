import type { FailureReason } from "./failure-reason";

/** A run's first error as notifications and commit statuses tell it (server/triage `firstErrorOfRun`). */
export interface RunFirstError {
  task: string;
  taskRunId: string;
  /** Its line in the task's log; the run page's `?task=<task run id>#L<line>` shows it. */
  line: number | null;
  text: string;
  reason: FailureReason | null;
}

const ONE_LINE = 300;

/** `build: E assert 0.0 == 180`, or `build: OOMKilled (…)` when Kubernetes knows why. */
export function firstErrorText(e: RunFirstError): string {
  const text = e.text.replace(/\s+/g, " ").trim();
  const line = e.reason ? `${e.task}: ${e.reason}${text ? ` (${text})` : ""}` : `${e.task}: ${text}`;
  return line.length > ONE_LINE ? `${line.slice(0, ONE_LINE - 1)}…` : line;
}

/** The run page's link to the line (`runUrl`: the run page's absolute URL). */
export const firstErrorUrl = (runUrl: string, e: RunFirstError) =>
  `${runUrl}?task=${encodeURIComponent(e.taskRunId)}${e.line ? `#L${e.line}` : ""}`;
