import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { Client } from "@elastic/elasticsearch";
import { ElasticsearchLogStore } from "@/server/logs/elasticsearch-store";
import type { LogLine } from "@/server/logs/store";
import { freePort } from "@/scripts/lib/proc";
import { startElasticsearch } from "@/scripts/lib/elasticsearch";

/**
 * The Elasticsearch log store on a real single node (the test launcher, 1 GiB heap):
 * - ingestion: 1,000,000 lines from 50 task runs writing batches of 1,000 at once, as operators
 *   do (bulk through the shared pipe, each batch waiting until it is searchable) → lines/s;
 * - delay from a line written to the line found by a search, on an idle and on a busy node;
 * - search latency over the million lines: a rare word, a common word, a phrase, a phrase within
 *   one pipeline (aim: p95 under 300 ms).
 * Only the store is measured (its MySQL side, the log_seq bump, is the same as the MySQL store's).
 * GANTRY_BENCH=elasticsearch runs only this; GANTRY_BENCH_ES_LINES changes the line count.
 */

const WORDS = [
  "compiling",
  "module",
  "linking",
  "resolved",
  "fetching",
  "package",
  "warning",
  "deprecated",
  "test",
  "passed",
  "cache",
  "hit",
  "miss",
  "upload",
  "artifact",
  "layer",
  "pulling",
  "image",
  "step",
  "done",
];

function lineText(i: number, rnd: () => number): string {
  if (i % 100 === 7) return `ERROR: connection refused by db-${i % 13}:5432 after ${Math.floor(rnd() * 900)} ms`;
  if (i % 10_000 === 4321) return `panic: zebrafish invariant violated in worker ${i}`;
  const n = 6 + Math.floor(rnd() * 10);
  const w: string[] = [];
  for (let k = 0; k < n; k++) w.push(WORDS[Math.floor(rnd() * WORDS.length)]);
  return `[${String(i).padStart(7, "0")}] ${w.join(" ")} src/pkg${i % 97}/file${i % 1009}.ts (${Math.floor(rnd() * 1000)} ms)`;
}

/** User + system CPU seconds a process has used (0 once it is gone). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${x.toFixed(0)} ms`;

export interface EsBenchResult {
  lines: number;
  ingestLinesPerSec: number;
  delayIdle: { p50: number; p95: number };
  delayBusy: { p50: number; p95: number };
  search: { name: string; p50: number; p95: number; hits: number }[];
}

export async function benchElasticsearch(o: { dir: string; lines?: number }): Promise<EsBenchResult> {
  const total = o.lines ?? Number(process.env.GANTRY_BENCH_ES_LINES ?? 1_000_000);
  const es = await startElasticsearch({
    dir: path.join(o.dir, "node"),
    port: await freePort(),
    fresh: true,
    heapMb: 1024,
    quiet: true,
    fullJit: true,
  });
  const client = new Client({ node: es.url, requestTimeout: 120_000 });
  // The bench writes through `index` (what append does after resolving the task run in MySQL).
  const store = new ElasticsearchLogStore(client, null as never, { prefix: "bench-logs" });
  try {
    const taskRuns = 50;
    const batch = 1000;
    const perTask = Math.ceil(total / taskRuns);
    const pipelines = ["build", "test", "deploy", "lint", "release"];
    const tasks = Array.from({ length: taskRuns }, (_, k) => ({
      id: `tr-${k}-${randomBytes(4).toString("hex")}`,
      meta: { runId: `run-${k}`, pipelineId: pipelines[k % pipelines.length], projectId: null },
    }));
    const jvm0 = cpuSeconds(es.child.pid);
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    let written = 0;
    await Promise.all(
      tasks.map(async (t, k) => {
        const rnd = rng(k + 1);
        for (let seq = 1; seq <= perTask && written < total; seq += batch) {
          const lines: LogLine[] = [];
          for (let s = seq; s < seq + batch && s <= perTask; s++)
            lines.push({ seq: s, ts: Date.now(), stream: "out", text: lineText(k * perTask + s, rnd) });
          await store.index(t.id, t.meta, lines);
          written += lines.length;
        }
      }),
    );
    const ingestSecs = (performance.now() - t0) / 1000;
    const ingestLinesPerSec = written / ingestSecs;
    // CPU per line, which the load of a shared machine moves much less than the wall-clock rate.
    const jvmUs = ((cpuSeconds(es.child.pid) - jvm0) * 1e6) / written;
    const own = process.cpuUsage(own0);
    const ownUs = (own.user + own.system) / written;
    console.log(
      `  Elasticsearch ingestion: ${written.toLocaleString()} lines from ${taskRuns} task runs in ${ingestSecs.toFixed(1)} s → ${Math.round(ingestLinesPerSec).toLocaleString()} lines/s (load average ${loadavg()[0].toFixed(1)})`,
    );
    console.log(
      `  CPU per line: Elasticsearch ${jvmUs.toFixed(1)} µs, this process (lines made, store, client) ${ownUs.toFixed(1)} µs → at most ${Math.round((availableParallelism() * 1e6) / (jvmUs + ownUs)).toLocaleString()} lines/s on ${availableParallelism()} idle cores`,
    );

    await client.indices.forcemerge({ index: "bench-logs-*", max_num_segments: 1 }).catch(() => undefined);
    await client.indices.refresh({ index: "bench-logs-*" });

    // Line written → found by search. `index` resolves once the line is searchable; the search
    // afterwards checks that.
    const delay = async (busy: boolean) => {
      const out: number[] = [];
      const stop = { v: false };
      const load = busy
        ? (async () => {
            const t = { id: `tr-load-${randomBytes(4).toString("hex")}`, meta: tasks[0].meta };
            const rnd = rng(99);
            for (let seq = 1; !stop.v; seq += 500)
              await store.index(
                t.id,
                t.meta,
                Array.from({ length: 500 }, (_, i) => ({
                  seq: seq + i,
                  ts: Date.now(),
                  stream: "out" as const,
                  text: lineText(seq + i, rnd),
                })),
              );
          })()
        : null;
      for (let i = 0; i < 20; i++) {
        const token = `probe${randomBytes(6).toString("hex")}`;
        const t = performance.now();
        await store.index(`tr-probe-${token}`, tasks[1].meta, [{ seq: 1, ts: Date.now(), stream: "out", text: `delay ${token}` }]);
        for (;;) {
          const r = await store.search({ q: token, limit: 1 });
          if (r.hits.length) break;
          await new Promise((res) => setTimeout(res, 5));
        }
        out.push(performance.now() - t);
      }
      stop.v = true;
      await load;
      return { p50: pct(out, 50), p95: pct(out, 95) };
    };
    const delayIdle = await delay(false);
    const delayBusy = await delay(true);
    console.log(
      `  line → searchable: idle p50 ${ms(delayIdle.p50)} p95 ${ms(delayIdle.p95)}; while ingesting p50 ${ms(delayBusy.p50)} p95 ${ms(delayBusy.p95)}`,
    );

    const queries: { name: string; q: string; pipelineId?: string }[] = [
      { name: "rare word (zebrafish)", q: "zebrafish" },
      { name: "common words (compiling module)", q: "compiling module" },
      { name: 'phrase ("connection refused")', q: '"connection refused"' },
      { name: "phrase in one pipeline", q: '"connection refused" db', pipelineId: "test" },
    ];
    const search: EsBenchResult["search"] = [];
    for (const q of queries) {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < 25; i++) {
        const t = performance.now();
        const r = await store.search({ q: q.q, pipelineId: q.pipelineId, limit: 50 });
        times.push(performance.now() - t);
        hits = r.total;
      }
      search.push({ name: q.name, p50: pct(times, 50), p95: pct(times, 95), hits });
      console.log(
        `  search over ${written.toLocaleString()} lines, ${q.name}: p50 ${ms(pct(times, 50))} p95 ${ms(pct(times, 95))} (${hits.toLocaleString()}${hits >= 10_000 ? "+" : ""} hits, 50 returned, highlighted)`,
      );
    }
    return { lines: written, ingestLinesPerSec, delayIdle, delayBusy, search };
  } finally {
    await client.close();
    await es.stop();
  }
}
