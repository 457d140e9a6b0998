import { eq, inArray, sql } from "drizzle-orm";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { ACTIVE_STATUSES } from "@/lib/status";
import type { DbOrTx } from "../db/client";
import { getDb } from "../db/client";
import { pipelines, projects, runs, taskRuns } from "../db/schema";
import { hub } from "../live/hub";

/**
 * The web app's metrics (names and labels in docs/operations.md), served at /api/metrics. Runs
 * and task runs in a non-final status come from one grouped query each at scrape time (the
 * status index keeps them cheap); finished ones are counted by the operator, which finishes them.
 */

/** Seconds, for API requests (to the response headers; an SSE stream counts until it starts). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function make(db: () => DbOrTx) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const active = async (table: "runs" | "task_runs") => {
    const q =
      table === "runs"
        ? db()
            .select({ project: projects.slug, pipeline: pipelines.name, status: runs.status, n: sql<number>`count(*)` })
            .from(runs)
            .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
            .innerJoin(projects, eq(projects.id, pipelines.projectId))
            .where(inArray(runs.status, [...ACTIVE_STATUSES]))
            .groupBy(projects.slug, pipelines.name, runs.status)
        : db()
            .select({ project: projects.slug, pipeline: pipelines.name, status: taskRuns.status, n: sql<number>`count(*)` })
            .from(taskRuns)
            .innerJoin(runs, eq(runs.id, taskRuns.runId))
            .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
            .innerJoin(projects, eq(projects.id, pipelines.projectId))
            .where(inArray(taskRuns.status, [...ACTIVE_STATUSES]))
            .groupBy(projects.slug, pipelines.name, taskRuns.status);
    return (await q).map((r) => ({ ...r, n: Number(r.n) }));
  };
  const h = () => hub();
  return {
    registry,
    runs: new Gauge({
      name: "gantry_runs",
      help: "Runs in a non-final status (queued, running, waiting) now, by pipeline.",
      labelNames: ["project", "pipeline", "status"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await active("runs")) this.set({ project: r.project, pipeline: r.pipeline, status: r.status }, r.n);
      },
    }),
    taskRuns: new Gauge({
      name: "gantry_task_runs",
      help: "Task runs in a non-final status (queued, running, waiting) now, by pipeline.",
      labelNames: ["project", "pipeline", "status"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await active("task_runs")) this.set({ project: r.project, pipeline: r.pipeline, status: r.status }, r.n);
      },
    }),
    runsActive: new Gauge({
      name: "gantry_runs_active",
      help: "Runs queued, running or waiting now.",
      registers: [registry],
      async collect() {
        const [r] = await db()
          .select({ n: sql<number>`count(*)` })
          .from(runs)
          .where(inArray(runs.status, [...ACTIVE_STATUSES]));
        this.set(Number(r?.n ?? 0));
      },
    }),
    sseClients: new Gauge({
      name: "gantry_sse_clients",
      help: "Live views connected to this web process (run pages, followed logs).",
      labelNames: ["stream"] as const,
      registers: [registry],
      collect() {
        const v = h().stats.viewers;
        this.set({ stream: "run" }, v.run);
        this.set({ stream: "log" }, v.log);
      },
    }),
    liveLoops: new Gauge({
      name: "gantry_live_loops",
      help: "Shared upstream poll loops of the live hub: one per watched run or followed log, whatever the number of viewers.",
      labelNames: ["stream"] as const,
      registers: [registry],
      collect() {
        const l = h().loops();
        this.set({ stream: "run" }, l.run);
        this.set({ stream: "log" }, l.log);
      },
    }),
    liveReads: new Counter({
      name: "gantry_live_upstream_reads_total",
      help: "Reads of MySQL / the log store by the live hub: by the shared loops (by=loop) and by viewers catching up on their own (by=viewer).",
      labelNames: ["by", "kind"] as const,
      registers: [registry],
      collect() {
        this.reset();
        const s = h().stats;
        for (const [kind, n] of Object.entries(s.loopReads)) this.inc({ by: "loop", kind }, n);
        for (const [kind, n] of Object.entries(s.viewerReads)) this.inc({ by: "viewer", kind }, n);
      },
    }),
    httpRequests: new Counter({
      name: "gantry_http_requests_total",
      help: "REST API requests by method and status code.",
      labelNames: ["method", "code"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "gantry_http_request_duration_seconds",
      help: "REST API request time to the response headers.",
      labelNames: ["method"] as const,
      buckets: HTTP_BUCKETS,
      registers: [registry],
    }),
  };
}

type WebMetrics = ReturnType<typeof make>;
const g = globalThis as unknown as { __gantryWebMetrics?: WebMetrics };

/** The web process's metrics, made on first use (kept on globalThis across hot reloads). */
export function webMetrics(db: () => DbOrTx = getDb): WebMetrics {
  return (g.__gantryWebMetrics ??= make(db));
}

/** Counts one API request; cheap (two in-memory updates), and never throws. */
export function observeHttp(method: string, status: number, startedAt: number) {
  try {
    const m = webMetrics();
    m.httpRequests.inc({ method, code: String(status) });
    m.httpDuration.observe({ method }, (performance.now() - startedAt) / 1000);
  } catch {
    // metrics must never break a request
  }
}
