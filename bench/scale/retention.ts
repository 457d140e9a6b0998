/**
 * Run retention at scale (issue 17, "Scale"): 20,000 finished runs of 10 pipelines (100,000 task
 * runs, one log chunk of 10 lines each, 2 test cases per run, an artifact file every 10th run)
 * loaded straight into the database; half of them finished more than 30 days ago. One pass of
 * `pruneRuns` with GANTRY_RUN_RETENTION_DAYS=30 deletes those, while a reader lists runs in a
 * loop (the Runs page's query and a pipeline's page) on connections of its own, to see whether
 * reads are held up. Reports rows/s, each write's duration (aim: the longest well under 1 s)
 * and the reader's latencies before and during the pass.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { DEFAULT_PROJECT_ID, DEFAULT_PROJECT_SLUG } from "@/lib/projects";
import { storageKey } from "@/server/artifacts/keys";
import { LocalArtifactStore } from "@/server/artifacts/local-store";
import { createDb, type Db } from "@/server/db/client";
import { artifacts, logChunks, runs, taskRuns, testCases } from "@/server/db/schema";
import { createPipeline } from "@/server/pipelines/pipelines";
import { listRecentRuns } from "@/server/runs/list-recent-runs";
import { listRuns } from "@/server/runs/queries";
import { pruneRuns, type PruneResult, type WriteKind } from "@/server/runs/retention";

const RUNS = Number(process.env.BENCH_RETENTION_RUNS ?? 20_000);
const PIPELINES = 10;
const TASKS_PER_RUN = 5;
const LINES_PER_TASK = 10;
const DAYS = 30;

export interface RetentionResult {
  loaded: { runs: number; taskRuns: number; logLines: number; testCases: number; artifacts: number; loadSeconds: number };
  pruned: PruneResult;
  seconds: number;
  /** Every write's duration by kind, sorted. */
  writesMs: Record<WriteKind, number[]>;
  /** The reader's query latencies (Runs page + a pipeline's page): 2 s of warm-up, 10 s before the pass, during it, 5 s after. */
  readMs: { warmUp: number[]; before: number[]; during: number[]; after: number[] };
  loadAverage: number[];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function benchRetention(o: { databaseUrl: string }): Promise<RetentionResult> {
  const { db, pool } = createDb(o.databaseUrl);
  const reader = createDb(o.databaseUrl);
  const dir = mkdtempSync(path.join(tmpdir(), "gantry-bench-retention-"));
  try {
    const t0 = performance.now();
    const pipelineIds: string[] = [];
    for (let p = 0; p < PIPELINES; p++) {
      const spec = PipelineSpecSchema.parse({
        name: `bench-retention-${Date.now()}-${p}`,
        stages: [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "true" } }] }],
      });
      pipelineIds.push((await createPipeline(db, { spec, projectId: DEFAULT_PROJECT_ID })).id);
    }
    const loaded = await load(db, pipelineIds, dir);
    const loadSeconds = (performance.now() - t0) / 1000;

    // The reader: the Runs page and the first pipeline's page, in a loop, on its own pool.
    const readMs: RetentionResult["readMs"] = { warmUp: [], before: [], during: [], after: [] };
    const state: { phase: "warmUp" | "before" | "during" | "after" | "stop" } = { phase: "warmUp" };
    // A failed read ends the loop and the bench (after the pass), never the process half-way.
    const readLoop = (async () => {
      while (state.phase !== "stop") {
        const phase = state.phase;
        const r0 = performance.now();
        await listRecentRuns(reader.db, { perPage: 25 });
        await listRuns(reader.db, pipelineIds[0], 1, 20);
        readMs[phase].push(performance.now() - r0);
      }
    })().then(
      () => null,
      (e: unknown) => e,
    );
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(2000);
    state.phase = "before";
    await sleep(10_000);
    state.phase = "during";

    const writesMs: RetentionResult["writesMs"] = { log_chunks: [], test_cases: [], artifacts: [], task_runs: [], runs: [] };
    const p0 = performance.now();
    const pruned = await pruneRuns(db, {
      store: new LocalArtifactStore(dir),
      globalDays: DAYS,
      onWrite: (kind, ms) => writesMs[kind].push(ms),
    });
    const seconds = (performance.now() - p0) / 1000;
    state.phase = "after";
    await sleep(5000);
    state.phase = "stop";
    const readError = await readLoop;
    if (readError) throw new Error(`the reader failed: ${(readError as Error).message}`);
    for (const k of Object.keys(writesMs) as WriteKind[]) writesMs[k].sort((a, b) => a - b);
    for (const xs of Object.values(readMs)) xs.sort((a, b) => a - b);
    return { loaded: { ...loaded, loadSeconds }, pruned, seconds, writesMs, readMs, loadAverage: loadavg() };
  } finally {
    await pool.end();
    await reader.pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The runs, in batches of 500, oldest first per pipeline; even-numbered ones finished more than 30 days ago. */
async function load(db: Db, pipelineIds: string[], dir: string) {
  const now = Date.now();
  const perPipeline = Math.ceil(RUNS / pipelineIds.length);
  const BATCH = 500;
  const plan = {
    template: "shell",
    templateVersion: 1,
    image: "busybox",
    command: ["sh", "-c", "make test"],
    localCommand: ["sh", "-c", "make test"],
    env: { CI: "true" },
    timeoutSeconds: 3600,
    retries: 0,
  };
  const out = { runs: 0, taskRuns: 0, logLines: 0, testCases: 0, artifacts: 0 };
  for (const pipelineId of pipelineIds) {
    for (let at = 0; at < perPipeline; at += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, perPipeline - at) }, (_, k) => {
        const number = at + k + 1;
        // The first half of a pipeline's runs finished 31–90 days ago, the second half within the last 29 days.
        const old = number <= perPipeline / 2;
        const ageMs = old
          ? (90 - (60 * number) / (perPipeline / 2)) * 86_400_000
          : ((perPipeline - number) / (perPipeline / 2)) * 29 * 86_400_000;
        const finishedAt = new Date(now - Math.max(60_000, ageMs));
        return {
          id: randomUUID(),
          number,
          finishedAt,
          createdAt: new Date(finishedAt.getTime() - 120_000),
          status: number % 7 === 0 ? ("failed" as const) : ("succeeded" as const),
          tasks: Array.from({ length: TASKS_PER_RUN }, () => randomUUID()),
        };
      });
      await db.insert(runs).values(
        rows.map((r) => ({
          id: r.id,
          pipelineId,
          number: r.number,
          version: 1,
          status: r.status,
          params: {},
          secretNames: [],
          trigger: "webhook",
          createdAt: r.createdAt,
          startedAt: r.createdAt,
          finishedAt: r.finishedAt,
        })),
      );
      const trs = rows.flatMap((r) =>
        r.tasks.map((id, i) => ({
          id,
          runId: r.id,
          stageIndex: 0,
          stageName: "build",
          stageMode: "parallel" as const,
          taskIndex: i,
          name: `task-${i}`,
          status: r.status,
          exitCode: r.status === "failed" ? 1 : 0,
          plan,
          startedAt: r.createdAt,
          finishedAt: r.finishedAt,
          logSeq: LINES_PER_TASK,
        })),
      );
      await db.insert(taskRuns).values(trs);
      await db.insert(logChunks).values(
        rows.flatMap((r) =>
          r.tasks.map((taskRunId) => ({
            taskRunId,
            seqStart: 1,
            seqEnd: LINES_PER_TASK,
            data: JSON.stringify(
              Array.from({ length: LINES_PER_TASK }, (_, l) => [
                l + 1,
                r.createdAt.getTime() + l,
                "out",
                `compiling module ${l} of ${r.number}: ok`,
              ]),
            ),
          })),
        ),
      );
      await db.insert(testCases).values(
        rows.flatMap((r) =>
          ["adds", "divides"].map((name) => ({
            runId: r.id,
            taskRunId: r.tasks[0],
            pipelineId,
            suite: "calc",
            classname: "calc.test",
            name,
            testKey: name.padEnd(64, "0"),
            status: "passed" as const,
            durationMs: 3,
            createdAt: r.finishedAt,
          })),
        ),
      );
      const withFiles = rows.filter((r) => r.number % 10 === 0);
      if (withFiles.length) {
        const files = withFiles.map((r) => ({
          r,
          key: storageKey({ projectSlug: DEFAULT_PROJECT_SLUG, pipelineId, runNumber: r.number }, "dist/app.tgz"),
        }));
        for (const f of files) {
          mkdirSync(path.dirname(path.join(dir, f.key)), { recursive: true });
          writeFileSync(path.join(dir, f.key), "artifact bytes");
        }
        await db.insert(artifacts).values(
          files.map((f) => ({
            id: randomUUID(),
            runId: f.r.id,
            taskRunId: f.r.tasks[0],
            name: "dist/app.tgz",
            size: 14,
            storageKey: f.key,
          })),
        );
        out.artifacts += files.length;
      }
      out.runs += rows.length;
      out.taskRuns += trs.length;
      out.logLines += trs.length * LINES_PER_TASK;
      out.testCases += rows.length * 2;
    }
  }
  return out;
}

export function printRetention(r: RetentionResult) {
  const fmt = (n: number) => n.toFixed(0).padStart(6);
  const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;
  const stats = (xs: number[]) =>
    xs.length
      ? `n ${String(xs.length).padStart(5)}   p50 ${ms(percentile(xs, 50))}   p95 ${ms(percentile(xs, 95))}   max ${ms(xs[xs.length - 1])}`
      : "none";
  const p = r.pruned;
  const rows = p.runs + p.taskRuns + p.logChunks + p.testCases + p.artifacts;
  const l = r.loaded;
  console.log(`
run retention (${new Date().toISOString()}, node ${process.versions.node}, load average ${r.loadAverage.map((x) => x.toFixed(2)).join(" ")})

loaded ${l.runs.toLocaleString("en")} finished runs of ${PIPELINES} pipelines, ${l.taskRuns.toLocaleString("en")} task runs, ${l.logLines.toLocaleString("en")} log lines (MySQL store), ${l.testCases.toLocaleString("en")} test cases, ${l.artifacts.toLocaleString("en")} artifact files in ${l.loadSeconds.toFixed(0)} s

one pass, GANTRY_RUN_RETENTION_DAYS=${DAYS}, batches of 500 runs
  deleted ${p.runs.toLocaleString("en")} runs, ${p.taskRuns.toLocaleString("en")} task runs, ${p.logChunks.toLocaleString("en")} log chunks, ${p.testCases.toLocaleString("en")} test cases, ${p.artifacts.toLocaleString("en")} artifacts in ${r.seconds.toFixed(1)} s (${p.batches} batches)
  ${fmt(p.runs / r.seconds)} runs/s   ${fmt(rows / r.seconds)} rows/s (runs, task runs, log chunks, test cases, artifacts; cascaded approvals/triage not counted)

each write (autocommitted delete, or the batch's transaction)
  log chunks      ${stats(r.writesMs.log_chunks)}
  test cases      ${stats(r.writesMs.test_cases)}
  artifact rows   ${stats(r.writesMs.artifacts)}
  task runs       ${stats(r.writesMs.task_runs)}
  runs (tx)       ${stats(r.writesMs.runs)}
  longest         ${ms(p.longestWriteMs)}   (aim: well under 1,000 ms)

a reader in a loop (Runs page + a pipeline's page, its own connections)
  10 s before     ${stats(r.readMs.before)}
  during the pass ${stats(r.readMs.during)}
  5 s after       ${stats(r.readMs.after)}
`);
}
