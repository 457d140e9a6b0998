/**
 * The arithmetic behind run analytics, kept pure so it is tested without a database: percentiles,
 * daily buckets, the slowest tasks and the flaky ones. The queries (queries.ts) only fetch rows.
 */

export const DAY_MS = 24 * 3600 * 1000;

/**
 * The p-th percentile (0–100) of `values` by linear interpolation between the closest ranks (the
 * "R-7" method of spreadsheets and numpy), so p50 of [1, 2, 3, 4] is 2.5. Null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const xs = [...values].sort((a, b) => a - b);
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (xs.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo);
}

/** Finished runs, as the queries return them (times in epoch milliseconds). */
export interface RunRow {
  id: string;
  pipelineId: string;
  version: number;
  sha?: string | null;
  status: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface TaskRow {
  runId: string;
  pipelineId: string;
  version: number;
  /** The commit the run built, when it knows one: with the version, what "unchanged code" means. */
  sha?: string | null;
  stageName: string;
  name: string;
  status: string;
  attempt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The run's start: a flip of outcomes is ordered by it. */
  runCreatedAt: number;
}

export interface DayBucket {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** succeeded / (succeeded + failed), 0–1; null on a day with neither. Cancelled runs are left out. */
  successRate: number | null;
  durationP50: number | null;
  durationP95: number | null;
  queueP50: number | null;
  queueP95: number | null;
}

export interface Summary {
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  successRate: number | null;
  durationP50: number | null;
  durationP95: number | null;
  queueP50: number | null;
  queueP95: number | null;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Run duration: start to finish (queue time is not part of it). */
const duration = (r: { startedAt: number | null; finishedAt: number | null }) =>
  r.startedAt !== null && r.finishedAt !== null ? Math.max(0, r.finishedAt - r.startedAt) : null;

/** Queue time: created until a task of it started. */
const queue = (r: RunRow) => (r.startedAt !== null ? Math.max(0, r.startedAt - r.createdAt) : null);

const numbers = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);

/** Percentiles of millisecond times, to the millisecond (interpolation leaves float noise). */
const msPercentile = (xs: number[], p: number) => {
  const v = percentile(xs, p);
  return v === null ? null : Math.round(v);
};

export function summarize(runs: readonly RunRow[]): Summary {
  const succeeded = runs.filter((r) => r.status === "succeeded").length;
  const failed = runs.filter((r) => r.status === "failed").length;
  const durations = numbers(runs.map(duration));
  const queues = numbers(runs.map(queue));
  return {
    runs: runs.length,
    succeeded,
    failed,
    cancelled: runs.filter((r) => r.status === "cancelled").length,
    successRate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
    durationP50: msPercentile(durations, 50),
    durationP95: msPercentile(durations, 95),
    queueP50: msPercentile(queues, 50),
    queueP95: msPercentile(queues, 95),
  };
}

/** One bucket per UTC day from `from` to `to` (inclusive), empty days included so charts keep their time axis. */
export function dailyBuckets(runs: readonly RunRow[], from: number, to: number): DayBucket[] {
  const byDay = new Map<string, RunRow[]>();
  for (const r of runs) {
    const d = dayOf(r.createdAt);
    const list = byDay.get(d);
    if (list) list.push(r);
    else byDay.set(d, [r]);
  }
  const out: DayBucket[] = [];
  const start = Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), new Date(from).getUTCDate());
  for (let t = start; t <= to; t += DAY_MS) {
    const day = dayOf(t);
    const {
      runs: n,
      succeeded,
      failed,
      cancelled,
      successRate,
      durationP50,
      durationP95,
      queueP50,
      queueP95,
    } = summarize(byDay.get(day) ?? []);
    out.push({ day, runs: n, succeeded, failed, cancelled, successRate, durationP50, durationP95, queueP50, queueP95 });
  }
  return out;
}

export interface TaskKey {
  pipelineId: string;
  stageName: string;
  name: string;
}

export interface SlowTask extends TaskKey {
  runs: number;
  p50: number;
  p95: number;
  max: number;
}

const keyOf = (t: TaskKey) => `${t.pipelineId}\u0000${t.stageName}\u0000${t.name}`;

function groupTasks(tasks: readonly TaskRow[]): Map<string, TaskRow[]> {
  const out = new Map<string, TaskRow[]>();
  for (const t of tasks) {
    const k = keyOf(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/** Tasks by their median time from start to finish (succeeded or failed attempts that ran), slowest first. */
export function slowestTasks(tasks: readonly TaskRow[], limit = 10): SlowTask[] {
  const out: SlowTask[] = [];
  for (const list of groupTasks(tasks.filter((t) => t.status === "succeeded" || t.status === "failed")).values()) {
    const ds = numbers(list.map(duration));
    const p50 = msPercentile(ds, 50);
    const p95 = msPercentile(ds, 95);
    // Null only when none of these attempts has a duration.
    if (p50 === null || p95 === null) continue;
    const { pipelineId, stageName, name } = list[0];
    out.push({
      pipelineId,
      stageName,
      name,
      runs: ds.length,
      p50,
      p95,
      max: Math.max(...ds),
    });
  }
  return out.sort((a, b) => b.p50 - a.p50 || b.p95 - a.p95).slice(0, limit);
}

export interface FlakyTask extends TaskKey {
  /** Finished task runs (succeeded or failed) in the window. */
  runs: number;
  failures: number;
  /** Failures on a pipeline version on which the same task also succeeded in the window. */
  flakyFailures: number;
  /** Successes that needed more than one attempt (the task's retries hid a failure). */
  retriedSuccesses: number;
  /** Outcome changes (pass↔fail) between consecutive runs of the same version. */
  flips: number;
  /** (flakyFailures + retriedSuccesses) / runs, 0–1. */
  flakeRate: number;
}

/**
 * A task is flaky when, in the window, it both failed and succeeded on unchanged code: the same
 * pipeline version and the same commit (same definition and source, different outcome: the
 * failure was not caused by a change), or when it succeeded only after a retry. Cancelled and skipped task runs say nothing and are left out.
 * Ranked by flake rate, then by the number of flaky outcomes.
 */
export function flakyTasks(tasks: readonly TaskRow[], limit = 10): FlakyTask[] {
  const out: FlakyTask[] = [];
  for (const list of groupTasks(tasks.filter((t) => t.status === "succeeded" || t.status === "failed")).values()) {
    const byVersion = new Map<string, TaskRow[]>();
    for (const t of list) {
      const code = `${t.version} ${t.sha ?? ""}`;
      byVersion.set(code, [...(byVersion.get(code) ?? []), t]);
    }
    let flakyFailures = 0;
    let flips = 0;
    for (const runs of byVersion.values()) {
      const ok = runs.some((t) => t.status === "succeeded");
      const failed = runs.filter((t) => t.status === "failed").length;
      if (ok && failed > 0) flakyFailures += failed;
      const ordered = [...runs].sort((a, b) => a.runCreatedAt - b.runCreatedAt);
      for (let i = 1; i < ordered.length; i++) if (ordered[i].status !== ordered[i - 1].status) flips++;
    }
    const retriedSuccesses = list.filter((t) => t.status === "succeeded" && t.attempt > 1).length;
    if (flakyFailures + retriedSuccesses === 0) continue;
    const { pipelineId, stageName, name } = list[0];
    out.push({
      pipelineId,
      stageName,
      name,
      runs: list.length,
      failures: list.filter((t) => t.status === "failed").length,
      flakyFailures,
      retriedSuccesses,
      flips,
      flakeRate: (flakyFailures + retriedSuccesses) / list.length,
    });
  }
  return out
    .sort((a, b) => b.flakeRate - a.flakeRate || b.flakyFailures + b.retriedSuccesses - (a.flakyFailures + a.retriedSuccesses))
    .slice(0, limit);
}
