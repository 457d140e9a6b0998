import { RESULT_NAME } from "@/lib/pipeline-spec";

/**
 * Task results (`$GANTRY_RESULTS/NAME`, Tekton's convention): what a task hands to later tasks.
 * Both executors collect the files a task wrote and pass them through here: declared names only,
 * one trailing newline dropped (`echo digest > $GANTRY_RESULTS/digest` gives "digest"), within
 * the limits below; more fails the task with the reason.
 */
export const MAX_RESULT_BYTES = 4096;

/**
 * Result blocks in a task's output: `::gantry-result::begin NAME`, the file's lines,
 * `::gantry-result::end`, printed by the Kubernetes task wrapper (kubernetes/job-spec.ts) when
 * the task ends and taken out of the log by the scheduler (scheduler/metrics-blocks.ts).
 */
export const RESULT_BEGIN = "::gantry-result::begin ";
export const RESULT_END = "::gantry-result::end";
export const MAX_TASK_RESULTS_BYTES = 16384;

export type CollectedResults = { ok: true; results: Record<string, string>; ignored: string[] } | { ok: false; message: string };

export function collectResults(files: ReadonlyArray<{ name: string; content: string }>, declared: readonly string[]): CollectedResults {
  const results: Record<string, string> = {};
  const ignored: string[] = [];
  let total = 0;
  for (const f of files) {
    if (!RESULT_NAME.test(f.name) || !declared.includes(f.name)) {
      ignored.push(f.name);
      continue;
    }
    const value = f.content.endsWith("\n") ? f.content.slice(0, -1) : f.content;
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_RESULT_BYTES)
      return { ok: false, message: `result '${f.name}' is ${bytes} bytes; a result may have at most ${MAX_RESULT_BYTES}` };
    total += bytes;
    if (total > MAX_TASK_RESULTS_BYTES)
      return { ok: false, message: `the task's results are over ${MAX_TASK_RESULTS_BYTES} bytes together; write less, or an artifact` };
    results[f.name] = value;
  }
  return { ok: true, results, ignored };
}

/**
 * An attempt's outcome with the results it wrote: kept when within the limits, else the attempt
 * fails (permanently: writing the same results again would fail the same way) with the reason.
 */
export function withResults<R extends { exitCode: number | null; message: string; permanent: boolean }>(
  r: R,
  files: ReadonlyArray<{ name: string; content: string }>,
  declared: readonly string[],
): R & { results?: Record<string, string>; ignoredResults?: string[] } {
  const c = collectResults(files, declared);
  if (!c.ok) return { ...r, exitCode: r.exitCode === 0 ? null : r.exitCode, message: c.message, permanent: true };
  return { ...r, results: c.results, ...(c.ignored.length ? { ignoredResults: c.ignored } : {}) };
}
