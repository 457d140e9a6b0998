/**
 * `GANTRY_BENCH=triage npm run bench`: failure triage (docs/triage.md) against a running stack.
 *
 * 1. A failing task's real triage, then 10,000 more failed runs of its pipeline loaded straight
 *    into the database (their task runs and triage rows; a tenth share the real one's fingerprint).
 * 2. What triage adds after a task ends: `triageTaskRun` on the failed task's stored log (the
 *    call the operator makes before it records the failure), for a 2,000-line and a 100,000-line
 *    log.
 * 3. GET /api/v1/runs/{id} of a failed run with those 10,000 around (flaky history, similar runs).
 * 4. Log throughput over SSE of a 200,000-line task that fails (and is triaged) against one that
 *    succeeds, in turn: triage must not slow the log path.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { isFinal } from "@/lib/status";
import { createDb } from "@/server/db/client";
import { runs, taskRuns, taskTriage } from "@/server/db/schema";
import { MySqlLogStore } from "@/server/logs/store";
import { triageTaskRun } from "@/server/triage/triage";
import { benchApi, followLog, percentile, type Opts } from "./bench";

const FAILED_RUNS = Number(process.env.BENCH_TRIAGE_RUNS ?? 10_000);
const LOG_LINES = 200_000;

/** A test runner's output: passing tests, then one failure, like node --test prints it. */
const failingScript = (lines: number) =>
  `i=0; while [ $i -lt ${lines} ]; do echo "ok $i - case $i passes in 0.0$((i % 9))s"; i=$((i+1)); done; ` +
  `echo "not ok ${lines} - total sums price times quantity"; echo "  error: 'Expected 7 to equal 6'"; exit 1`;

export interface TriageFigures {
  loaded: number;
  triageMs: { lines: number; ms: number[] }[];
  getRunMs: number[];
  throughput: { failing: number[]; passing: number[] };
}

export async function benchTriage(o: Opts): Promise<TriageFigures> {
  const { api, pipeline } = benchApi(o);
  const finished = async (runId: string) => {
    for (;;) {
      const v = await api("GET", `/api/v1/runs/${runId}`);
      if (isFinal(v.status)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const { db, pool } = createDb(o.databaseUrl);
  try {
    // 1. Real failures, then the load.
    const small = await pipeline(`bench-triage-${Date.now()}`, failingScript(2_000));
    const large = await pipeline(`bench-triage-large-${Date.now()}`, failingScript(100_000));
    const smallRun = await finished((await api("POST", `/api/v1/pipelines/${small.id}/runs`, {})).id);
    const largeRun = await finished((await api("POST", `/api/v1/pipelines/${large.id}/runs`, {})).id);
    const smallTask = smallRun.stages[0].tasks[0];
    if (!smallTask.triage?.firstError) throw new Error(`the failed bench task has no triage: ${JSON.stringify(smallTask)}`);
    await load(db, smallRun.id, smallTask.id, FAILED_RUNS);

    // 2. What triage adds after a task ends, on the stored log.
    const store = new MySqlLogStore(db);
    const triageMs: TriageFigures["triageMs"] = [];
    for (const [lines, run] of [
      [2_000, smallRun],
      [100_000, largeRun],
    ] as const) {
      const id = run.stages[0].tasks[0].id as string;
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        await db.delete(taskTriage).where(eq(taskTriage.taskRunId, id));
        const t0 = performance.now();
        await triageTaskRun(db, store, id);
        ms.push(performance.now() - t0);
      }
      triageMs.push({ lines, ms: ms.sort((a, b) => a - b) });
    }

    // 3. The run page's API for a failed run among the loaded ones.
    const getRunMs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      await api("GET", `/api/v1/runs/${smallRun.id}`);
      getRunMs.push(performance.now() - t0);
    }

    // 4. Log throughput: a failing task (triaged as it ends) against a passing one, in turn.
    const failing = await pipeline(`bench-triage-fail-${Date.now()}`, `seq 1 ${LOG_LINES} | sed 's/^/log line number /'; exit 1`);
    const passing = await pipeline(`bench-triage-pass-${Date.now()}`, `seq 1 ${LOG_LINES} | sed 's/^/log line number /'`);
    const throughput: TriageFigures["throughput"] = { failing: [], passing: [] };
    for (let i = 0; i < 3; i++) {
      for (const [kind, p] of [
        ["failing", failing],
        ["passing", passing],
      ] as const) {
        const run = await api("POST", `/api/v1/pipelines/${p.id}/runs`, {});
        const view = await api("GET", `/api/v1/runs/${run.id}`);
        const t0 = performance.now();
        let count = 0;
        await followLog(o, view.stages[0].tasks[0].id, () => (count++, false));
        throughput[kind].push(count / ((performance.now() - t0) / 1000));
        await finished(run.id);
      }
    }
    return { loaded: FAILED_RUNS, triageMs, getRunMs: getRunMs.sort((a, b) => a - b), throughput };
  } finally {
    await pool.end();
  }
}

/** `n` failed runs like the given one, each with its failed task run and triage row, in batches. */
async function load(db: ReturnType<typeof createDb>["db"], runId: string, taskRunId: string, n: number) {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  const [tr] = await db.select().from(taskRuns).where(eq(taskRuns.id, taskRunId));
  const [tt] = await db.select().from(taskTriage).where(eq(taskTriage.taskRunId, taskRunId));
  const BATCH = 500;
  for (let at = 0; at < n; at += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, n - at) }, (_, k) => {
      const i = at + k;
      const created = new Date(run.createdAt.getTime() - (i + 1) * 60_000);
      return { runId: randomUUID(), taskRunId: randomUUID(), i, created };
    });
    await db.insert(runs).values(
      rows.map((r) => ({
        ...run,
        id: r.runId,
        number: run.number + 1 + r.i,
        createdAt: r.created,
        event: { sha: `${r.i % 50}`.padStart(40, "0") },
      })),
    );
    await db.insert(taskRuns).values(rows.map((r) => ({ ...tr, id: r.taskRunId, runId: r.runId, updatedAt: r.created })));
    await db.insert(taskTriage).values(
      rows.map((r) => ({
        ...tt,
        taskRunId: r.taskRunId,
        runId: r.runId,
        // A tenth share the real failure's fingerprint: "similar runs" has something to count.
        fingerprint: r.i % 10 === 0 ? tt.fingerprint : `${(r.i % 997).toString(16)}`.padStart(16, "f"),
        createdAt: r.created,
      })),
    );
  }
}

export function printTriage(f: TriageFigures) {
  const fmt = (n: number) => n.toFixed(0).padStart(6);
  const stats = (xs: number[]) =>
    `p50 ${fmt(percentile(xs, 50))} ms   p95 ${fmt(percentile(xs, 95))} ms   max ${fmt(xs[xs.length - 1])} ms`;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`
failure triage (${new Date().toISOString()}, node ${process.versions.node}, ${f.loaded.toLocaleString("en")} failed runs loaded)

triage of one failed task after it ends (first error, fingerprint, stored; 20 times each)
${f.triageMs.map((t) => `  ${`${t.lines.toLocaleString("en")}-line log`.padEnd(18)} ${stats(t.ms)}`).join("\n")}   (aim: < 200 ms)

GET /api/v1/runs/{id} of a failed run (triage, flaky history, similar runs; 50 times)
  ${stats(f.getRunMs)}

log throughput over SSE, ${LOG_LINES.toLocaleString("en")} lines, 3 runs each in turn
  failing task (triaged)  ${fmt(mean(f.throughput.failing))} lines/s   (${f.throughput.failing.map((x) => x.toFixed(0)).join(", ")})
  passing task            ${fmt(mean(f.throughput.passing))} lines/s   (${f.throughput.passing.map((x) => x.toFixed(0)).join(", ")})
`);
}
