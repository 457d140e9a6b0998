import { cpus, loadavg } from "node:os";

/**
 * The SSE fan-out case (issue 7): 500 viewers on 50 running task runs (10 each) follow their
 * logs over SSE while the tasks print. For every line a viewer receives, the delay is the time
 * from when the operator took the line in (its `ts`, before the log store write) to when the
 * viewer had it; same machine, same clock. The web app's /api/metrics says what the live hub
 * read upstream meanwhile: one shared poll loop per task run, not one per viewer.
 */

export interface FanoutOptions {
  url: string;
  token: string;
  taskRuns?: number;
  viewersPerTaskRun?: number;
  /** Seconds measured, after the warm-up. */
  seconds?: number;
  /** Milliseconds between two lines of one task. */
  lineEveryMs?: number;
}

export interface FanoutResult {
  taskRuns: number;
  viewers: number;
  seconds: number;
  linesWritten: number;
  received: number;
  expected: number;
  delays: { p50: number; p95: number; p99: number; max: number };
  loops: number;
  sseClients: number;
  /** Progress reads of all shared log loops together (batched), per second. */
  progressReadsPerSecond: number;
  loopLogPagesPerTaskRunPerSecond: number;
  viewerReads: number;
}

const WARMUP_MS = 3000;

export async function benchFanout(o: FanoutOptions): Promise<FanoutResult> {
  // GANTRY_FANOUT=<task runs>x<viewers each> sizes it differently, e.g. 5x10 to compare.
  const [envRuns, envViewers] = (process.env.GANTRY_FANOUT ?? "").split("x").map(Number);
  const taskRuns = o.taskRuns ?? (envRuns || 50);
  const perTask = o.viewersPerTaskRun ?? (envViewers || 10);
  const seconds = o.seconds ?? 15;
  const every = o.lineEveryMs ?? 200;
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(o.url + path, {
      method,
      headers: { authorization: `Bearer ${o.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${await r.text()}`);
    return r.json();
  };

  // Long enough to cover connecting, the warm-up and the measured window; stopped by cancel after.
  const lines = Math.ceil(((seconds + 300) * 1000) / every);
  // One process per task (perl-base is on every Debian): 50 shells forking `sleep` 250 times a
  // second would load the machine more than what is measured.
  const script = `exec perl -e '$| = 1; for my $i (1 .. ${lines}) { print "fan-out line $i\\n"; select(undef, undef, undef, ${every / 1000}); }'`;
  const pipeline = await api("POST", "/api/v1/pipelines", {
    name: `bench-fanout-${Date.now()}`,
    stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script } }] }],
  });
  const runIds: string[] = [];
  const taskIds: string[] = [];
  for (let i = 0; i < taskRuns; i++) {
    const run = await api("POST", `/api/v1/pipelines/${pipeline.id}/runs`, {});
    runIds.push(run.id);
    taskIds.push((await api("GET", `/api/v1/runs/${run.id}`)).stages[0].tasks[0].id);
  }

  const ctrl = new AbortController();
  let measuring = false;
  let windowStart = 0;
  let windowEnd = Infinity;
  const delays: number[] = [];
  let connected = 0;
  let refused = 0;
  const viewer = async (taskRunId: string) => {
    let r: Response;
    for (let attempt = 0; ; attempt++) {
      r = await fetch(`${o.url}/api/v1/task-runs/${taskRunId}/logs?follow=true`, {
        headers: { authorization: `Bearer ${o.token}`, accept: "text/event-stream" },
        signal: ctrl.signal,
      });
      if (r.ok && r.body) break;
      // Like a browser that reloads: a 503 (the database pool busy with the rush) is retried.
      const body = await r.text().catch(() => "");
      if (refused++ === 0) console.error(`first refused viewer: ${r.status} ${body.slice(0, 300)}`);
      if (r.status !== 503 || attempt >= 10) throw new Error(`log stream → ${r.status} ${body.slice(0, 200)}`);
      await new Promise((res) => setTimeout(res, 250 * (attempt + 1)));
    }
    connected++;
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const now = Date.now();
        buf += value;
        let i: number;
        while ((i = buf.indexOf("\n\n")) !== -1) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!measuring) continue;
          const d = ev.indexOf("data: {");
          if (d === -1 || ev.startsWith("event:")) continue;
          const ts = Number(/"ts":(\d+)/.exec(ev)?.[1]);
          if (ts >= windowStart && ts < windowEnd) delays.push(now - ts);
        }
      }
    } catch (e) {
      if (!ctrl.signal.aborted) throw e;
    }
  };
  // Viewers arrive in groups of 50, as people would, not as one burst of 500 requests.
  const viewers: Promise<unknown>[] = [];
  for (const id of taskIds) {
    for (let v = 0; v < perTask; v++)
      viewers.push(viewer(id).catch((e: Error) => (ctrl.signal.aborted ? undefined : console.error(`viewer: ${e.message}`))));
    if (viewers.length % 50 === 0) await new Promise((r) => setTimeout(r, 100));
  }

  // Everyone connected and every task printing: then a warm-up, then the measured window. Runs
  // are checked one at a time, so that the bench's own polling does not load the web app.
  const deadline = Date.now() + 280_000;
  const running = new Set<string>();
  while (connected < taskRuns * perTask || running.size < runIds.length) {
    if (Date.now() > deadline)
      throw new Error(`fan-out set-up timed out: ${connected} viewers connected, ${running.size} task runs running`);
    for (const id of runIds)
      if (!running.has(id) && (await api("GET", `/api/v1/runs/${id}`)).stages[0].tasks[0].status === "running") running.add(id);
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const before = await scrape(o.url);
  windowStart = Date.now();
  windowEnd = windowStart + seconds * 1000;
  measuring = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const during = await scrape(o.url);
  const elapsed = (Date.now() - windowStart) / 1000;
  // Lines written in the window arrive a little later: wait for the stragglers before counting.
  await new Promise((r) => setTimeout(r, 2000));
  measuring = false;
  ctrl.abort();
  await Promise.all(viewers);
  for (const id of runIds) await api("POST", `/api/v1/runs/${id}/cancel`, {}).catch(() => undefined);

  delays.sort((a, b) => a - b);
  const pct = (p: number) => (delays.length ? delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))] : NaN);
  if (refused) console.error(`${refused} viewer connection(s) were refused and retried`);
  const reads = (m: Map<string, number>, by: string, kind: string) =>
    m.get(`gantry_live_upstream_reads_total{by="${by}",kind="${kind}"}`) ?? 0;
  const diff = (by: string, kind: string) => reads(during, by, kind) - reads(before, by, kind);
  const linesWritten = Math.round(((seconds * 1000) / every) * taskRuns);
  return {
    taskRuns,
    viewers: taskRuns * perTask,
    seconds,
    linesWritten,
    received: delays.length,
    expected: linesWritten * perTask,
    delays: { p50: pct(50), p95: pct(95), p99: pct(99), max: delays[delays.length - 1] ?? NaN },
    loops: during.get('gantry_live_loops{stream="log"}') ?? NaN,
    sseClients: during.get('gantry_sse_clients{stream="log"}') ?? NaN,
    progressReadsPerSecond: diff("loop", "log_progress") / elapsed,
    loopLogPagesPerTaskRunPerSecond: diff("loop", "log_lines") / taskRuns / elapsed,
    viewerReads: diff("viewer", "log_lines") + diff("viewer", "log_progress"),
  };
}

/** The web app's /api/metrics as `name{labels}` → value (no token: the bench stack sets none). */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/api/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export function printFanout(r: FanoutResult) {
  const fmt = (n: number) => n.toFixed(0).padStart(6);
  console.log(`
SSE fan-out: ${r.viewers} viewers on ${r.taskRuns} running task runs (${r.viewers / r.taskRuns} each), ${r.seconds} s measured, load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs
  delay line taken in by the operator → received by a viewer
  p50 ${fmt(r.delays.p50)} ms    p95 ${fmt(r.delays.p95)} ms    p99 ${fmt(r.delays.p99)} ms    max ${fmt(r.delays.max)} ms   (aim: p99 < 500 ms)
  lines received ${r.received.toLocaleString("en")} of ~${r.expected.toLocaleString("en")} (${r.linesWritten.toLocaleString("en")} written × ${r.viewers / r.taskRuns} viewers)
  upstream: ${r.loops} shared log loops for ${r.sseClients} viewers; ${r.progressReadsPerSecond.toFixed(1)} progress reads/s for all of them (batched), ${r.loopLogPagesPerTaskRunPerSecond.toFixed(1)} log reads/s per task run; ${r.viewerReads} reads by viewers themselves   (aim: one loop per task run)
`);
}
