/**
 * The scheduler at 5,000 queued runs (issue 17): several projects' runs, mixed priorities,
 * loaded straight into a scratch database beside the given one (the stack's own operator
 * polls that one and would claim them), then claimed by two operators' dispatchers at once
 * (operator/scheduler/dispatcher.ts, the listing and advanceAndClaim of a real operator, like
 * two replicas) whose "tasks" end a moment after they start, until every run has started.
 *
 * Reports the claim transaction's latency (advanceAndClaim, aim: p99 < 20 ms), the listing's,
 * the listing query's plan, order fidelity (within a project, pairs of runs started against
 * priority-then-age order) and each project's waits: with the biggest backlog loaded first, the
 * small projects must not wait for it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { eq, sql } from "drizzle-orm";
import mysql from "mysql2/promise";
import pino from "pino";
import { Dispatcher } from "@/operator/scheduler/dispatcher";
import { queueOrder, type ActiveRun } from "@/operator/scheduler/dispatch";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { createDb, type Db } from "@/server/db/client";
import { applyMigrations } from "@/server/db/migrate";
import { projects, runs, taskRuns } from "@/server/db/schema";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import { advanceAndClaim, finishTaskRun, listActiveRuns, queuedRunsQuery, type ClaimedTask } from "@/server/runs/operator-queries";
import { seed } from "@/server/seed/seed";

/** Runs per project, loaded in this order (the biggest backlog first: the worst case for the others). */
const PROJECTS = [
  { slug: "q-alpha", runs: 3000 },
  { slug: "q-beta", runs: 1000 },
  { slug: "q-gamma", runs: 600 },
  { slug: "q-delta", runs: 300 },
  { slug: "q-epsilon", runs: 100 },
];
/** Each replica: advances at once (the Kubernetes executor's default) and task slots. */
const WORKERS = 8;
const CONCURRENCY = 50;
/** How long a claimed "task" runs before it succeeds. */
const TASK_MS = 50;
const POLL_MS = 50;
/** Runs of one more project claimed one at a time before the drain: the transaction's own cost at 5,000 queued, without contention. */
const SOLO = { slug: "q-solo", runs: 200 };

export interface QueueResult {
  queued: number;
  projects: number;
  replicas: number;
  workers: number;
  concurrency: number;
  /** Claim transactions (advanceAndClaim) that claimed at least one task run, and all of them, in ms, sorted. */
  claimMs: number[];
  advanceMs: number[];
  /** The same transaction alone (one claim at a time, nothing else running), at 5,000 queued, in ms, sorted. */
  soloClaimMs: number[];
  /** The scheduler's listing at 5,000 queued runs (before the claimers start), in ms, sorted. */
  listingMs: number[];
  /** EXPLAIN of the listing's window query at 5,000 queued runs. */
  plan: Record<string, unknown>[];
  drainSeconds: number;
  /** The machine's 1-minute load average when the drain started and ended. */
  loadAverage: [number, number];
  perProject: {
    slug: string;
    runs: number;
    /** Pairs of runs of the project started against priority-then-age order, of all pairs. */
    inversions: number;
    pairs: number;
    firstStartMs: number;
    p50WaitMs: number;
    worstWaitMs: number;
  }[];
}

export async function benchQueue(o: { databaseUrl: string }): Promise<QueueResult> {
  const scratch = await scratchDatabase(o.databaseUrl);
  const { db, pool } = createDb(scratch.url);
  try {
    await applyMigrations(db);
    await seed(db, { adminPassword: `queue-${randomBytes(6).toString("hex")}`, demo: false });
    const all = await load(db, [...PROJECTS, SOLO]);
    const loaded = all.filter((r) => r.slug !== SOLO.slug);
    // Statistics as a live database has them (the optimizer reads them; a fresh table has none).
    await db.execute(sql`ANALYZE TABLE runs, task_runs, pipelines`);
    const byId = new Map(loaded.map((r) => [r.id, r]));

    const listingMs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await listActiveRuns(db);
      listingMs.push(performance.now() - t0);
    }
    const [plan] = (await db.execute(sql`EXPLAIN ${queuedRunsQuery(100, 2000)}`)) as unknown as [Record<string, unknown>[]];

    // The solo project's runs, one at a time: claim, finish the task, end the run.
    const soloClaimMs: number[] = [];
    for (const r of all.filter((x) => x.slug === SOLO.slug)) {
      const t = performance.now();
      const res = await advanceAndClaim(db, r.id, { operatorId: "bench-queue-solo", capacity: 1 });
      soloClaimMs.push(performance.now() - t);
      for (const c of res.claimed) await finishTaskRun(db, c.taskRun, { status: "succeeded", exitCode: 0, message: null });
      await advanceAndClaim(db, r.id, { operatorId: "bench-queue-solo", capacity: 0 });
    }

    const claimMs: number[] = [];
    const advanceMs: number[] = [];
    const started: { id: string; at: number }[] = [];
    const loadBefore = loadavg()[0];
    const t0 = performance.now();
    // Each replica with its own connection pool, as separate operator processes have.
    const replicas = [0, 1].map((i) => replica(scratch.url, `bench-queue-${i}`, { claimMs, advanceMs, started, t0 }));
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        const failed = replicas.find((r) => r.error);
        if (!failed && started.length < loaded.length) return;
        clearInterval(check);
        if (failed) reject(failed.error);
        else resolve();
      }, 20);
    });
    const drainSeconds = (performance.now() - t0) / 1000;
    await Promise.all(replicas.map((r) => r.stop()));

    const perProject = PROJECTS.map((p) => {
      const order = started.filter((s) => byId.get(s.id)!.slug === p.slug);
      const waits = order.map((s) => s.at).sort((a, b) => a - b);
      let inversions = 0;
      for (let i = 0; i < order.length; i++)
        for (let j = i + 1; j < order.length; j++) if (queueOrder(byId.get(order[j].id)!, byId.get(order[i].id)!) < 0) inversions++;
      return {
        slug: p.slug,
        runs: order.length,
        inversions,
        pairs: (order.length * (order.length - 1)) / 2,
        firstStartMs: waits[0],
        p50WaitMs: waits[Math.floor(waits.length / 2)],
        worstWaitMs: waits[waits.length - 1],
      };
    });
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    return {
      queued: loaded.length,
      projects: PROJECTS.length,
      replicas: replicas.length,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      claimMs: sorted(claimMs),
      soloClaimMs: sorted(soloClaimMs),
      advanceMs: sorted(advanceMs),
      listingMs: sorted(listingMs),
      plan,
      drainSeconds,
      loadAverage: [loadBefore, loadavg()[0]],
      perProject,
    };
  } finally {
    await pool.end();
    await scratch.drop();
  }
}

/** A database beside the given one on the same server, dropped by `drop`. */
async function scratchDatabase(databaseUrl: string) {
  const u = new URL(databaseUrl);
  const name = `gantry_bench_queue_${randomBytes(3).toString("hex")}`;
  u.pathname = "/";
  const admin = u.toString();
  const c = await mysql.createConnection(admin);
  await c.query(`CREATE DATABASE \`${name}\``);
  await c.end();
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const d = await mysql.createConnection(admin);
      await d.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await d.end();
    },
  };
}

type Loaded = ActiveRun & { slug: string };

/**
 * One pipeline per project; one real run of each (createRun) as the model, then its clones in
 * batches, each project's after the one before, a millisecond apart; every tenth run at
 * priority 50 and every tenth but one at -50.
 */
async function load(db: Db, all: { slug: string; runs: number }[]): Promise<Loaded[]> {
  const out: Loaded[] = [];
  let clock = Date.now() - 3_600_000;
  for (const p of all) {
    const projectId = randomUUID();
    await db.insert(projects).values({ id: projectId, slug: p.slug, name: p.slug, settings: {} });
    const spec = PipelineSpecSchema.parse({
      name: `${p.slug}-build`,
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }],
    });
    const pipeline = await createPipeline(db, { spec, projectId });
    const model = await createRun(db, pipeline.id);
    const [run] = await db.select().from(runs).where(eq(runs.id, model.id));
    const [tr] = await db.select().from(taskRuns).where(eq(taskRuns.runId, model.id));
    await db.delete(runs).where(eq(runs.id, model.id));
    const BATCH = 500;
    for (let at = 0; at < p.runs; at += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, p.runs - at) }, (_, k) => {
        const i = at + k;
        const priority = i % 10 === 3 ? 50 : i % 10 === 7 ? -50 : 0;
        return { id: randomUUID(), number: i + 1, priority, createdAt: new Date(++clock) };
      });
      await db.insert(runs).values(rows.map((r) => ({ ...run, ...r })));
      await db.insert(taskRuns).values(rows.map((r) => ({ ...tr, id: randomUUID(), runId: r.id })));
      for (const r of rows)
        out.push({ id: r.id, rev: 0, status: "queued", projectId, priority: r.priority, createdAt: r.createdAt.getTime(), slug: p.slug });
    }
  }
  return out;
}

/** An operator's dispatch loop with tasks that end TASK_MS after they start. */
function replica(
  url: string,
  operatorId: string,
  m: { claimMs: number[]; advanceMs: number[]; started: { id: string; at: number }[]; t0: number },
) {
  const { db, pool } = createDb(url);
  const inflight = new Set<string>();
  let stopped = false;
  let wake: (() => void) | null = null;
  const state: { error: unknown; stop: () => Promise<void> } = { error: null, stop: async () => undefined };
  const d = new Dispatcher({
    db,
    operatorId,
    log: pino({ level: "silent" }),
    workers: WORKERS,
    concurrency: CONCURRENCY,
    inFlight: () => inflight.size,
    accepting: () => !stopped,
    runEnded: () => undefined,
    advance: async (...args) => {
      const t0 = performance.now();
      const res = await advanceAndClaim(...args);
      const ms = performance.now() - t0;
      m.advanceMs.push(ms);
      if (res.claimed.length) m.claimMs.push(ms);
      return res;
    },
    launch: (c: ClaimedTask) => {
      inflight.add(c.taskRun.id);
      m.started.push({ id: c.run.id, at: performance.now() - m.t0 });
      setTimeout(() => {
        finishTaskRun(db, c.taskRun, { status: "succeeded", exitCode: 0, message: null })
          .catch((e) => (state.error ??= e))
          .finally(() => {
            inflight.delete(c.taskRun.id);
            wake?.();
          });
      }, TASK_MS);
    },
  });
  const loop = (async () => {
    while (!stopped) {
      try {
        await d.claim();
        d.rethrow();
      } catch (e) {
        state.error ??= e;
        return;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, POLL_MS);
        wake = () => (clearTimeout(t), r());
      });
      wake = null;
    }
  })();
  state.stop = async () => {
    stopped = true;
    wake?.();
    await loop;
    await d.settled();
    while (inflight.size) await new Promise((r) => setTimeout(r, 20));
    await pool.end();
  };
  return state;
}

export function printQueue(r: QueueResult) {
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
  const ms = (n: number) => `${n.toFixed(1).padStart(6)} ms`;
  const stats = (xs: number[]) => `p50 ${ms(pct(xs, 50))}   p95 ${ms(pct(xs, 95))}   p99 ${ms(pct(xs, 99))}   max ${ms(xs[xs.length - 1])}`;
  const s = (n: number) => `${(n / 1000).toFixed(1).padStart(6)} s`;
  console.log(`
scheduler at ${r.queued.toLocaleString("en")} queued runs (${new Date().toISOString()}, node ${process.versions.node})
${r.projects} projects, the biggest backlog loaded first; ${r.replicas} replicas × ${r.workers} advance workers, ${r.concurrency} task slots each

claim transaction (advanceAndClaim) that claimed   ${stats(r.claimMs)}   (${r.claimMs.length} calls; aim: p99 < 20 ms)
the same, alone (one at a time, ${String(r.soloClaimMs.length).padStart(3)} calls)      ${stats(r.soloClaimMs)}
every advance (claims, ends, nothing to do)         ${stats(r.advanceMs)}   (${r.advanceMs.length} calls)
listing (listActiveRuns) at ${r.queued} queued       ${stats(r.listingMs)}   (${r.listingMs.length} calls)
drained in ${r.drainSeconds.toFixed(1)} s; load average ${r.loadAverage[0].toFixed(1)} at the start, ${r.loadAverage[1].toFixed(1)} at the end (${cpus().length} cores)

listing query plan (EXPLAIN)
${r.plan.map((p) => `  ${[p.id, p.select_type, p.table, p.type, p.key, p.rows, p.Extra].map((x) => String(x ?? "")).join(" | ")}`).join("\n")}

per project (waits from the start of the drain)
  project      runs   first start   p50 wait   worst wait   order inversions
${r.perProject
  .map(
    (p) =>
      `  ${p.slug.padEnd(10)} ${String(p.runs).padStart(5)}   ${s(p.firstStartMs)}   ${s(p.p50WaitMs)}   ${s(p.worstWaitMs)}   ${p.inversions} of ${p.pairs.toLocaleString("en")} pairs (${((100 * p.inversions) / Math.max(1, p.pairs)).toFixed(2)} %)`,
  )
  .join("\n")}
`);
}
