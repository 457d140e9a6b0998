/**
 * `npm run bench:scale`: Gantry at ten times today's scale (issue 17, "Scale"), against a running
 * stack whose logs go to Elasticsearch.
 *
 * 1. History: BENCH_SCALE_RUNS (20,000) finished runs of 50 pipelines in 5 projects, five task
 *    runs each, spread over the 30 days logs are kept by default, loaded straight into the
 *    database from one real run of the same pipeline shape; BENCH_SCALE_MYSQL_LINES (2,000,000) log lines in MySQL chunks and
 *    BENCH_SCALE_ES_LINES (50,000,000) in Elasticsearch, through the log store's own bulk path
 *    (so the load is also an ingestion figure).
 * 2. Over the API, with that history: the runs list (first and a deep page), a pipeline and its
 *    runs, analytics (all, one pipeline), log search (Elasticsearch over the API; the MySQL
 *    engine's search through the same server function, on the 2 million lines).
 * 3. In Chromium: navigation → main heading of the runs list, a pipeline's page, analytics and
 *    log search.
 * 4. Run start (POST run → first log line over SSE) with the history loaded, and the peak RSS of
 *    the operator (aim: < 256 MB) and the web app throughout.
 *
 * Aims: p95 < 300 ms for every page and API call, run start p95 < 300 ms, operator RSS < 256 MB.
 * Figures go to the terminal and .gantry/bench-scale/results.json.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { isFinal } from "@/lib/status";
import { createDb, type Db } from "@/server/db/client";
import { logChunks, pipelines, runs, taskRuns } from "@/server/db/schema";
import { elasticsearchClient } from "@/server/logs/elasticsearch-client";
import { ElasticsearchLogStore, type LineMeta } from "@/server/logs/elasticsearch-store";
import { searchLogs } from "@/server/logs/search";
import type { LogLine } from "@/server/logs/store";
import { benchApi, percentile, runStartLatency, sampleMemory, type Opts } from "./bench";
import { signedInPage } from "./browser";

const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 20_000);
const MYSQL_LINES = Number(process.env.BENCH_SCALE_MYSQL_LINES ?? 2_000_000);
const ES_LINES = Number(process.env.BENCH_SCALE_ES_LINES ?? 50_000_000);
const PROJECTS = 5;
const PIPELINES = 50;
const TASKS_PER_RUN = 5;
const SAMPLES = 40;
const DAY_MS = 86_400_000;
/** GANTRY_LOG_RETENTION_DAYS' default: the daily log indices a stack keeps. */
const HISTORY_DAYS = 30;

export interface ScaleOpts extends Opts {
  /** The stack's Elasticsearch (its log store). */
  esUrl: string;
}

export interface Timing {
  name: string;
  ms: number[];
  aimMs: number;
}

export interface ScaleFigures {
  at: string;
  loaded: { runs: number; taskRuns: number; mysqlLines: number; esLines: number; loadSeconds: number; esLinesPerSecond: number };
  api: Timing[];
  browser: Timing[];
  runStart: Timing;
  peakRssMb: { web: number; operator: number };
  loadAverage: number[];
}

/** Words for log lines: a build's usual chatter, with a rare error to search for. */
const WORDS = ["compiling", "linking", "resolving", "fetching", "bundling", "testing", "caching", "uploading", "checking", "writing"];
const lineText = (task: number, seq: number) =>
  seq % 997 === 0
    ? `error: disk quota exceeded while writing layer ${seq % 31} of module-${task % 500}`
    : `[${WORDS[seq % WORDS.length]}] module-${(task * 7 + seq) % 500} step ${seq} took ${(seq * 13) % 900} ms`;

export async function benchScale(o: ScaleOpts): Promise<ScaleFigures> {
  const { api } = benchApi(o);
  const { db, pool } = createDb(o.databaseUrl);
  const mem = sampleMemory({ web: o.webPid, operator: o.operatorPid });
  try {
    // 1. The shape: projects, pipelines, one real run of each pipeline's shape to copy from.
    const stamp = Date.now().toString(36);
    const pipelineIds: string[] = [];
    for (let p = 0; p < PROJECTS; p++) {
      const slug = `scale-${stamp}-${p}`;
      await api("POST", "/api/v1/projects", { slug, name: `Scale ${p}` });
      for (let k = 0; k < PIPELINES / PROJECTS; k++) {
        const created = await api("POST", `/api/v1/pipelines?project=${slug}`, {
          name: `scale-${p}-${k}`,
          stages: [
            { name: "build", tasks: [0, 1].map((t) => ({ name: `build-${t}`, template: "shell", params: { script: `echo build ${t}` } })) },
            { name: "test", tasks: [0, 1, 2].map((t) => ({ name: `test-${t}`, template: "shell", params: { script: `echo test ${t}` } })) },
          ],
        });
        pipelineIds.push(created.id);
      }
    }
    const template = await finished(api, (await api("POST", `/api/v1/pipelines/${pipelineIds[0]}/runs`, {})).id);
    if (template.status !== "succeeded") throw new Error(`the template run ${template.id} ${template.status}`);

    step(`loading ${RUNS.toLocaleString("en")} runs, ${(RUNS * TASKS_PER_RUN).toLocaleString("en")} task runs and their logs…`);
    const t0 = performance.now();
    const taskRunIds = await loadHistory(db, template.id, pipelineIds);
    const es = new ElasticsearchLogStore(elasticsearchClient({ ELASTICSEARCH_URL: o.esUrl, ELASTICSEARCH_TLS_VERIFY: true }), db);
    await es.ensureTemplate();
    const esLoad = await loadElasticsearch(db, es, taskRunIds);
    const loadSeconds = (performance.now() - t0) / 1000;

    // 2. Over the API.
    const deepPage = Math.max(1, Math.floor(RUNS / 25 / 2));
    const target = pipelineIds[PIPELINES - 1];
    const timed = async (name: string, fn: () => Promise<unknown>, aimMs = 300): Promise<Timing> => {
      await fn(); // warm-up: the route's first compile and the database's caches
      const ms: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const s = performance.now();
        await fn();
        ms.push(performance.now() - s);
      }
      return { name, ms: ms.sort((a, b) => a - b), aimMs };
    };
    const apiTimings = [
      await timed("GET /api/v1/runs (first page)", () => api("GET", "/api/v1/runs")),
      await timed(`GET /api/v1/runs?page=${deepPage}`, () => api("GET", `/api/v1/runs?page=${deepPage}`)),
      await timed("GET /api/v1/runs?status=failed", () => api("GET", "/api/v1/runs?status=failed")),
      await timed("GET /api/v1/pipelines/{id}", () => api("GET", `/api/v1/pipelines/${target}`)),
      await timed("GET /api/v1/pipelines/{id}/runs", () => api("GET", `/api/v1/pipelines/${target}/runs`)),
      await timed("GET /api/v1/runs/{id} (a loaded run)", () => api("GET", `/api/v1/runs/${taskRunIds.runIds[RUNS >> 1]}`)),
      await timed("GET /api/v1/analytics?days=30", () => api("GET", "/api/v1/analytics?days=30")),
      await timed("GET /api/v1/pipelines/{id}/analytics", () => api("GET", `/api/v1/pipelines/${target}/analytics?days=30`)),
      await timed("GET /api/v1/logs/search (Elasticsearch)", () => api("GET", "/api/v1/logs/search?q=disk%20quota%20exceeded")),
      await timed("log search, MySQL engine (server function)", () =>
        searchLogs(db, null, { q: "disk quota exceeded", visibleProjectIds: null, limit: 50 }),
      ),
    ];

    // 3. In Chromium.
    const browserTimings = await pagesInChromium(o, [
      ["runs list", "/runs", "Runs"],
      ["a pipeline's page", `/pipelines/${target}`, `scale-${PROJECTS - 1}-${PIPELINES / PROJECTS - 1}`],
      ["analytics", "/analytics", "Analytics"],
      ["log search", "/search?q=disk+quota+exceeded", "Log search"],
    ]);

    // 4. Run start with the history there.
    const starts: number[] = [];
    const quick = await api("POST", "/api/v1/pipelines", {
      name: `scale-start-${stamp}`,
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "echo started" } }] }],
    });
    await runStartLatency(o, api, quick.id); // warm-up
    for (let i = 0; i < SAMPLES; i++) starts.push(await runStartLatency(o, api, quick.id));

    const peaks = mem.stop();
    return {
      at: new Date().toISOString(),
      loaded: {
        runs: RUNS,
        taskRuns: RUNS * TASKS_PER_RUN,
        mysqlLines: MYSQL_LINES,
        esLines: esLoad.lines,
        loadSeconds,
        esLinesPerSecond: esLoad.linesPerSecond,
      },
      api: apiTimings,
      browser: browserTimings,
      runStart: { name: "run start (POST run → first log line over SSE)", ms: starts.sort((a, b) => a - b), aimMs: 300 },
      peakRssMb: { web: peaks.web / 1024, operator: peaks.operator / 1024 },
      loadAverage: (await import("node:os")).loadavg(),
    };
  } finally {
    mem.stop();
    await pool.end();
  }
}

const step = (m: string) => console.log(`\x1b[36m▸\x1b[0m ${m}`);

async function finished(api: ReturnType<typeof benchApi>["api"], runId: string) {
  for (;;) {
    const v = await api("GET", `/api/v1/runs/${runId}`);
    if (isFinal(v.status)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Copies the template run into RUNS finished runs spread over the pipelines and the last 30 days
 * (numbered per pipeline after the template), with their task runs and MySQL log chunks.
 */
async function loadHistory(db: Db, templateRunId: string, pipelineIds: string[]) {
  const [run] = await db.select().from(runs).where(eq(runs.id, templateRunId));
  const trs = await db.select().from(taskRuns).where(eq(taskRuns.runId, templateRunId));
  if (trs.length !== TASKS_PER_RUN) throw new Error(`the template run has ${trs.length} task runs, not ${TASKS_PER_RUN}`);
  const linesPerTask = Math.max(1, Math.floor(MYSQL_LINES / (RUNS * TASKS_PER_RUN)));
  const now = Date.now();
  const runIds: string[] = [];
  const taskIds: string[] = [];
  const BATCH = 400;
  for (let at = 0; at < RUNS; at += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, RUNS - at) }, (_, k) => {
      const i = at + k;
      const created = new Date(now - HISTORY_DAYS * DAY_MS + Math.floor((i / RUNS) * HISTORY_DAYS * DAY_MS) + (i % 1000));
      // 90 % succeed, 8 % fail in a test task, 2 % are cancelled.
      const status = i % 50 === 7 ? "cancelled" : i % 25 === 3 ? "failed" : "succeeded";
      return { i, id: randomUUID(), created, status } as const;
    });
    await db.insert(runs).values(
      batch.map((b) => ({
        ...run,
        id: b.id,
        pipelineId: pipelineIds[b.i % PIPELINES],
        number: run.number + 1 + Math.floor(b.i / PIPELINES),
        status: b.status,
        message: b.status === "failed" ? "task test-1 failed (exit code 1)" : null,
        rev: 10,
        createdAt: b.created,
        startedAt: new Date(b.created.getTime() + 800),
        finishedAt: new Date(b.created.getTime() + 60_000 + (b.i % 240) * 1000),
        event: { sha: `${(b.i % 4000).toString(16)}`.padStart(40, "0") },
      })),
    );
    const rows = batch.flatMap((b) =>
      trs.map((tr) => {
        const id = randomUUID();
        const failed = b.status === "failed" && tr.name === "test-1";
        const skipped = b.status === "failed" && tr.name === "test-2";
        return {
          ...tr,
          id,
          runId: b.id,
          status: failed ? "failed" : skipped ? "skipped" : b.status,
          exitCode: failed ? 1 : skipped ? null : 0,
          message: failed ? "exit code 1" : null,
          logSeq: linesPerTask,
          startedAt: new Date(b.created.getTime() + 1000),
          finishedAt: new Date(b.created.getTime() + 30_000),
          updatedAt: new Date(b.created.getTime() + 30_000),
        } as const;
      }),
    );
    await db.insert(taskRuns).values(rows);
    await db.insert(logChunks).values(
      rows.map((r, k) => ({
        taskRunId: r.id,
        seqStart: 1,
        seqEnd: linesPerTask,
        data: JSON.stringify(
          Array.from({ length: linesPerTask }, (_, s) => [
            s + 1,
            r.startedAt.getTime() + s,
            "out",
            lineText(at * TASKS_PER_RUN + k, s + 1),
          ]),
        ),
        createdAt: r.finishedAt,
      })),
    );
    runIds.push(...batch.map((b) => b.id));
    taskIds.push(...rows.map((r) => r.id));
  }
  return { runIds, taskIds };
}

/**
 * ES_LINES log lines spread over the loaded task runs, through the store's bulk path: many task
 * runs' appends at once, as a busy operator makes them, so that the store joins them into full bulks.
 */
async function loadElasticsearch(db: Db, es: ElasticsearchLogStore, loaded: { runIds: string[]; taskIds: string[] }) {
  if (ES_LINES <= 0) return { lines: 0, linesPerSecond: 0 };
  const perTask = Math.max(1, Math.floor(ES_LINES / loaded.taskIds.length));
  const meta = new Map<string, LineMeta>();
  const rows = await db
    .select({ id: taskRuns.id, runId: runs.id, pipelineId: runs.pipelineId, projectId: pipelines.projectId, startedAt: taskRuns.startedAt })
    .from(taskRuns)
    .innerJoin(runs, eq(runs.id, taskRuns.runId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId));
  const started = new Map<string, number>();
  for (const r of rows) {
    meta.set(r.id, { runId: r.runId, pipelineId: r.pipelineId, projectId: r.projectId });
    started.set(r.id, r.startedAt?.getTime() ?? Date.now());
  }
  const t0 = performance.now();
  let sent = 0;
  let next = 0;
  let lastReport = t0;
  const worker = async () => {
    for (;;) {
      const k = next++;
      if (k >= loaded.taskIds.length) return;
      const id = loaded.taskIds[k];
      const m = meta.get(id);
      if (!m) continue;
      const base = started.get(id) ?? Date.now();
      for (let s = 0; s < perTask; s += 5000) {
        const lines: LogLine[] = [];
        for (let q = s; q < Math.min(perTask, s + 5000); q++)
          lines.push({ seq: q + 1, ts: base + q, stream: "out", text: lineText(k, q + 1) });
        await es.index(id, m, lines);
        sent += lines.length;
      }
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(
          `  ${sent.toLocaleString("en")} lines in Elasticsearch (${Math.round(sent / ((lastReport - t0) / 1000)).toLocaleString("en")} lines/s)`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 256 }, worker));
  const linesPerSecond = sent / ((performance.now() - t0) / 1000);
  await es.client.indices.refresh({ index: `${es.prefix}-*` });
  return { lines: sent, linesPerSecond };
}

/** Navigation → the page's main heading on screen (not every script loaded), SAMPLES / 2 times per page after a warm-up. */
async function pagesInChromium(o: ScaleOpts, pages: [name: string, path: string, heading: string][]): Promise<Timing[]> {
  const { browser, page } = await signedInPage(o);
  try {
    const out: Timing[] = [];
    for (const [name, p, heading] of pages) {
      const ms: number[] = [];
      for (let i = 0; i <= SAMPLES / 2; i++) {
        const s = performance.now();
        await page.goto(`${o.url}${p}`, { waitUntil: "commit" });
        await page.getByRole("heading", { level: 1, name: heading }).first().waitFor();
        if (i > 0) ms.push(performance.now() - s);
      }
      out.push({ name: `${name} (${p.replace(/[0-9a-f-]{36}/, "{id}")})`, ms: ms.sort((a, b) => a - b), aimMs: 300 });
    }
    return out;
  } finally {
    await browser.close();
  }
}

export function printScale(f: ScaleFigures) {
  const fmt = (n: number) => n.toFixed(0).padStart(6);
  const row = (t: Timing) => {
    const p95 = percentile(t.ms, 95);
    return `  ${t.name.padEnd(48)} p50 ${fmt(percentile(t.ms, 50))} ms   p95 ${fmt(p95)} ms   ${p95 < t.aimMs ? "meets" : "MISSES"} p95 < ${t.aimMs} ms`;
  };
  const l = f.loaded;
  console.log(`
Gantry at scale (${f.at}, node ${process.versions.node}, load average ${f.loadAverage.map((x) => x.toFixed(2)).join(" ")})

loaded ${l.runs.toLocaleString("en")} runs, ${l.taskRuns.toLocaleString("en")} task runs, ${l.mysqlLines.toLocaleString("en")} log lines in MySQL, ${l.esLines.toLocaleString("en")} in Elasticsearch in ${l.loadSeconds.toFixed(0)} s
  Elasticsearch bulk ingestion through the log store: ${fmt(l.esLinesPerSecond)} lines/s

over the API (${SAMPLES} requests each, after one warm-up)
${f.api.map(row).join("\n")}

in Chromium (navigation → main heading, ${SAMPLES / 2} loads each)
${f.browser.map(row).join("\n")}

${row(f.runStart)}

peak RSS throughout
  operator ${fmt(f.peakRssMb.operator)} MiB   ${f.peakRssMb.operator < 256 ? "meets" : "MISSES"} < 256 MiB
  web      ${fmt(f.peakRssMb.web)} MiB
`);
}

export function saveScale(root: string, f: ScaleFigures) {
  const dir = path.join(root, ".gantry/bench-scale");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "results.json"), JSON.stringify(f, null, 2) + "\n");
}
