/**
 * `npm run bench`: run-start latency and log throughput against a running stack (started by
 * scripts/gantry.ts on a fresh database), with the peak memory of the web and operator processes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { isFinal, type RunStatus } from "@/lib/status";
import { benchDesigner } from "./designer";
import { benchFanout, printFanout } from "./fanout";
import { benchTriage, printTriage } from "./triage";
import { benchLogSearch, printLogSearch } from "./logsearch";
import { benchQueue, printQueue } from "./scale/queue";
import { benchRetention, printRetention } from "./scale/retention";

export interface Opts {
  url: string;
  /** The stack's database, for benches that load data straight into it. */
  databaseUrl: string;
  token: string;
  webPid: number;
  operatorPid: number;
  password: string;
  chromium: string;
}

const START_RUNS = 50;
const LOG_LINES = 200_000;

export async function runBench(o: Opts) {
  // GANTRY_BENCH=designer measures only the designer (a minute instead of several).
  if (process.env.GANTRY_BENCH === "designer")
    return printDesigner(await benchDesigner({ url: o.url, token: o.token, password: o.password, chromium: o.chromium }));
  // GANTRY_BENCH=logsearch measures only the log viewer's search on a 100,000-line log.
  if (process.env.GANTRY_BENCH === "logsearch")
    return printLogSearch(await benchLogSearch({ url: o.url, token: o.token, password: o.password, chromium: o.chromium }));
  // GANTRY_BENCH=fanout measures only the SSE fan-out (500 viewers on 50 task runs).
  if (process.env.GANTRY_BENCH === "fanout") return printFanout(await benchFanout({ url: o.url, token: o.token }));
  // GANTRY_BENCH=triage measures only failure triage (10,000 failed runs loaded; a few minutes).
  if (process.env.GANTRY_BENCH === "triage") return printTriage(await benchTriage(o));
  // GANTRY_BENCH=queue measures only the scheduler at 5,000 queued runs (bench/scale/queue.ts; also part of `npm run bench:scale`).
  if (process.env.GANTRY_BENCH === "queue") return printQueue(await benchQueue({ databaseUrl: o.databaseUrl }));
  // GANTRY_BENCH=retention measures only run retention (20,000 runs loaded, half pruned; a few minutes).
  if (process.env.GANTRY_BENCH === "retention") return printRetention(await benchRetention(o));
  const { api, pipeline } = benchApi(o);

  // 1. Run-start latency: POST run → first log line received over SSE.
  const quick = await pipeline(`bench-start-${Date.now()}`, "echo started");
  // GANTRY_BENCH=start measures only run start: a plain task, and one whose params, env and when
  // use references, taken in turn so that both see the same machine.
  if (process.env.GANTRY_BENCH === "start") {
    const refs = await api("POST", "/api/v1/pipelines", {
      name: `bench-start-refs-${Date.now()}`,
      params: [{ name: "TARGET", default: "staging" }],
      stages: [
        {
          name: "s",
          tasks: [
            {
              name: "t",
              template: "shell",
              params: { script: "echo started {{ params.TARGET }} {{ git.shortSha }} {{ run.number }} {{ pipeline.name }}" },
              env: { A: "{{ params.TARGET }}", B: "{{ event.type }}", C: "{{ project.slug }}" },
              when: 'params.TARGET == "staging"',
            },
          ],
        },
      ],
    });
    const plain: number[] = [];
    const withRefs: number[] = [];
    for (let i = 0; i < START_RUNS; i++) {
      plain.push(await runStartLatency(o, api, quick.id));
      withRefs.push(await runStartLatency(o, api, refs.id));
    }
    const line = (name: string, xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `  ${name.padEnd(32)} p50 ${percentile(sorted, 50).toFixed(0).padStart(5)} ms   p95 ${percentile(sorted, 95).toFixed(0).padStart(5)} ms   max ${sorted[sorted.length - 1].toFixed(0).padStart(5)} ms`;
    };
    console.log(
      `\nrun start latency, ${START_RUNS} runs each, in turn (POST run → first log line over SSE)\n${line("plain task", plain)}\n${line("references in params, env, when", withRefs)}\n`,
    );
    return;
  }
  const latencies: number[] = [];
  for (let i = 0; i < START_RUNS; i++) latencies.push(await runStartLatency(o, api, quick.id));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => percentile(latencies, p);

  // 2. Log throughput: a task printing 200,000 lines, read by one SSE client.
  const big = await pipeline(`bench-logs-${Date.now()}`, `seq 1 ${LOG_LINES} | sed 's/^/log line number /'`);
  const mem = sampleMemory({ web: o.webPid, operator: o.operatorPid });
  const run = await api("POST", `/api/v1/pipelines/${big.id}/runs`, {});
  const view = await api("GET", `/api/v1/runs/${run.id}`);
  const t0 = performance.now();
  let first = 0;
  let count = 0;
  await followLog(o, view.stages[0].tasks[0].id, () => {
    if (count++ === 0) first = performance.now();
    return false;
  });
  const t1 = performance.now();
  const peaks = mem.stop();
  await waitFinal(api, run.id);

  // 3. Designer: a 20 × 15 pipeline, load to interactive and one drag-and-drop edit.
  const designer = await benchDesigner({ url: o.url, token: o.token, password: o.password, chromium: o.chromium });
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  const fmt = (n: number) => n.toFixed(0).padStart(6);
  console.log(`
Gantry benchmark (${new Date().toISOString()}, node ${process.versions.node}, ${START_RUNS} runs)

run start latency (POST run → first log line over SSE)
  p50 ${fmt(pct(50))} ms    p95 ${fmt(pct(95))} ms    min ${fmt(latencies[0])} ms    max ${fmt(latencies[latencies.length - 1])} ms   (aim: p95 < 300 ms)

log throughput (one task printing ${LOG_LINES.toLocaleString("en")} lines → one SSE client)
  received ${count.toLocaleString("en")} lines in ${((t1 - t0) / 1000).toFixed(2)} s from run start
  ${fmt(count / ((t1 - t0) / 1000))} lines/s end to end, ${fmt(count / ((t1 - first) / 1000))} lines/s from the first line   (aim: > 50,000 lines/s)

peak memory (RSS of the process and its children, sampled every 100 ms)
  web      ${fmt(peaks.web / 1024)} MiB
  operator ${fmt(peaks.operator / 1024)} MiB

designer, pipeline of 20 stages × 15 tasks, Chromium (median of ${designer.loadMs.length})
  navigation → interactive ${fmt(med(designer.loadMs))} ms   (all: ${designer.loadMs.join(", ")})   (aim: < 1000 ms)
  one drag-and-drop edit   ${fmt(med(designer.editMs))} ms   (all: ${designer.editMs.map((x) => x.toFixed(0)).join(", ")}; mouse-up → DOM)   (aim: < 50 ms)
`);
  if (count !== LOG_LINES) throw new Error(`expected ${LOG_LINES} lines over SSE, got ${count}`);

  // 4. Log viewer search on a 100,000-line log, beside the viewer figures above.
  printLogSearch(await benchLogSearch({ url: o.url, token: o.token, password: o.password, chromium: o.chromium }));

  // 5. SSE fan-out: 500 viewers on 50 running task runs.
  printFanout(await benchFanout({ url: o.url, token: o.token }));
}

/** The stack's REST API as the admin token, and a one-task shell pipeline maker. */
export function benchApi(o: Pick<Opts, "url" | "token">) {
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(o.url + path, {
      method,
      headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${await r.text()}`);
    return r.json() as Promise<any>;
  };
  const pipeline = (name: string, script: string) =>
    api("POST", "/api/v1/pipelines", { name, stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script } }] }] });
  return { api, pipeline };
}

/** One run: POST it, then wait for its first log line over SSE; the time between, in ms. */
export async function runStartLatency(
  o: Opts,
  api: (method: string, path: string, body?: unknown) => Promise<any>,
  pipelineId: string,
): Promise<number> {
  const t0 = performance.now();
  const run = await api("POST", `/api/v1/pipelines/${pipelineId}/runs`, {});
  const view = await api("GET", `/api/v1/runs/${run.id}`);
  await followLog(o, view.stages[0].tasks[0].id, () => true);
  const ms = performance.now() - t0;
  await waitFinal(api, run.id);
  return ms;
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function printDesigner(d: { loadMs: number[]; editMs: number[] }) {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (n: number) => n.toFixed(0).padStart(6);
  console.log(`
designer, pipeline of 20 stages × 15 tasks, Chromium (median of ${d.loadMs.length})
  navigation → interactive ${fmt(med(d.loadMs))} ms   (all: ${d.loadMs.join(", ")})   (aim: < 1000 ms)
  one drag-and-drop edit   ${fmt(med(d.editMs))} ms   (all: ${d.editMs.map((x) => x.toFixed(0)).join(", ")}; mouse-up → DOM)   (aim: < 50 ms)
`);
}

/** Reads an SSE log stream until `event: end` (or until onLine returns true). */
export async function followLog(o: Opts, taskRunId: string, onLine: () => boolean) {
  const ctrl = new AbortController();
  const r = await fetch(`${o.url}/api/v1/task-runs/${taskRunId}/logs?follow=true`, {
    headers: { authorization: `Bearer ${o.token}`, accept: "text/event-stream" },
    signal: ctrl.signal,
  });
  if (!r.ok || !r.body) throw new Error(`log stream → ${r.status}`);
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += value;
      let i: number;
      while ((i = buf.indexOf("\n\n")) !== -1) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (/^event: end$/m.test(ev)) return;
        if (/^data: /m.test(ev) && !/^event: /m.test(ev) && onLine()) return;
      }
    }
  } finally {
    ctrl.abort();
  }
}

async function waitFinal(api: (m: string, p: string) => Promise<{ status: RunStatus }>, runId: string) {
  for (;;) {
    const v = await api("GET", `/api/v1/runs/${runId}`);
    if (isFinal(v.status)) {
      if (v.status !== "succeeded") throw new Error(`bench run ${runId} ${v.status}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function sampleMemory(pids: Record<string, number>) {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const t = setInterval(() => {
    const tree = processTree();
    for (const [k, pid] of Object.entries(pids)) peaks[k] = Math.max(peaks[k], treeRssKb(pid, tree));
  }, 100);
  return {
    stop: () => {
      clearInterval(t);
      return peaks as { web: number; operator: number };
    },
  };
}

function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // The process exited while we listed /proc: it has no children to count.
    }
  }
  return children;
}

function treeRssKb(pid: number, tree: Map<number, number[]>): number {
  let kb = 0;
  try {
    kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    // The process exited since the tree was read: it uses no memory now.
  }
  // Task processes are the operator's children but not the operator's memory: count only node.
  for (const c of tree.get(pid) ?? []) {
    try {
      if (readFileSync(`/proc/${c}/comm`, "utf8").trim().startsWith("node") || readFileSync(`/proc/${c}/comm`, "utf8").includes("next"))
        kb += treeRssKb(c, tree);
    } catch {
      // The child exited since the tree was read.
    }
  }
  return kb;
}
