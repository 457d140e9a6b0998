import http from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LogLine, LogStore } from "../logs/store";
import { metricsAuthorized, metricsConfig } from "./config";
import { TaskMetricsStore } from "./task-metrics";

/**
 * The operator's metrics (names and labels documented in docs/operations.md), served on its
 * metrics port (GANTRY_METRICS_PORT) at /metrics. One registry per process, made on first use.
 */

/** Seconds: 100 ms to 2 h, for tasks and the time they wait. */
const TASK_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];
/** Seconds: 1 ms to 10 s, for one reconcile or one API call. */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function make() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queues = new Map<string, () => number>();
  const pushed = new TaskMetricsStore(metricsConfig().GANTRY_TASK_METRICS_RUNS);
  return {
    registry,
    taskRunsStarted: new Counter({
      name: "gantry_task_runs_started_total",
      help: "Task runs this operator started (resumed ones after a restart included).",
      labelNames: ["project", "pipeline"] as const,
      registers: [registry],
    }),
    taskRunsFinished: new Counter({
      name: "gantry_task_runs_total",
      help: "Task runs this operator finished, by final status.",
      labelNames: ["project", "pipeline", "status"] as const,
      registers: [registry],
    }),
    taskDuration: new Histogram({
      name: "gantry_task_duration_seconds",
      help: "Task run duration, from start to final status (all attempts).",
      labelNames: ["project", "pipeline", "status"] as const,
      buckets: TASK_BUCKETS,
      registers: [registry],
    }),
    taskQueue: new Histogram({
      name: "gantry_task_queue_seconds",
      help: "Time a task run waited before it started: from the later of its run's creation and the end of the run's last finished task.",
      labelNames: ["project", "pipeline"] as const,
      buckets: TASK_BUCKETS,
      registers: [registry],
    }),
    runsFinished: new Counter({
      name: "gantry_runs_total",
      help: "Runs that ended while this operator advanced them, by final status.",
      labelNames: ["project", "pipeline", "status"] as const,
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: "gantry_run_duration_seconds",
      help: "Run duration, from its start (its creation if it never started) to its final status.",
      labelNames: ["project", "pipeline", "status"] as const,
      buckets: TASK_BUCKETS,
      registers: [registry],
    }),
    runQueue: new Histogram({
      name: "gantry_run_queue_seconds",
      help: "Time from a run's creation to its start (its first task run claimed).",
      labelNames: ["project", "pipeline"] as const,
      buckets: TASK_BUCKETS,
      registers: [registry],
    }),
    taskCache: new Counter({
      name: "gantry_task_cache_total",
      help: "Build cache look-ups of finished task runs (their result `cache`), by template and result (hit, miss).",
      labelNames: ["project", "pipeline", "template", "result"] as const,
      registers: [registry],
    }),
    tasksRunning: new Gauge({
      name: "gantry_task_runs_running",
      help: "Task runs in flight on this operator.",
      registers: [registry],
    }),
    logLines: new Counter({ name: "gantry_log_lines_ingested_total", help: "Log lines stored.", registers: [registry] }),
    logBytes: new Counter({ name: "gantry_log_bytes_ingested_total", help: "Bytes of log text stored (UTF-8).", registers: [registry] }),
    logWriteErrors: new Counter({
      name: "gantry_log_write_errors_total",
      help: "Failed log store writes (each is retried).",
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: "gantry_reconcile_duration_seconds",
      help: "Time one BuildJob reconcile took (Kubernetes mode).",
      labelNames: ["result"] as const,
      buckets: FAST_BUCKETS,
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: "gantry_reconcile_errors_total",
      help: "Reconciles that failed and were requeued (Kubernetes mode).",
      registers: [registry],
    }),
    workQueueDepth: new Gauge({
      name: "gantry_work_queue_depth",
      help: "Keys waiting in a controller work queue (Kubernetes mode).",
      labelNames: ["queue"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [name, depth] of queues) this.set({ queue: name }, depth());
      },
    }),
    kubeApiCalls: new Counter({
      name: "gantry_kube_api_requests_total",
      help: "Kubernetes API requests by verb and HTTP status code (code 0: no answer).",
      labelNames: ["verb", "code"] as const,
      registers: [registry],
    }),
    kubeApiDuration: new Histogram({
      name: "gantry_kube_api_request_duration_seconds",
      help: "Kubernetes API request latency to the response headers (streams: to the start of the stream).",
      labelNames: ["verb"] as const,
      buckets: FAST_BUCKETS,
      registers: [registry],
    }),
    taskMetricsSeries: new Gauge({
      name: "gantry_task_pushed_series",
      help: "Series pushed by tasks (GANTRY_METRICS_FILE or metrics blocks) that are exposed now.",
      registers: [registry],
      collect() {
        this.set(pushed.seriesCount);
      },
    }),
    taskMetricsRejected: new Counter({
      name: "gantry_task_pushed_samples_rejected_total",
      help: "Lines pushed by tasks (GANTRY_METRICS_FILE or metrics blocks) that were skipped (invalid, reserved name, over the limit).",
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: "gantry_retention_deleted_total",
      help: "What run retention deleted, by kind (runs, task_runs, log_chunks, test_cases, artifacts).",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    retentionPasses: new Counter({
      name: "gantry_retention_passes_total",
      help: "Run retention passes by result: done, capped (more left for the next pass), locked (another replica was pruning), error.",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    /** Pushed metrics of recent runs, rendered after the registry's own. */
    taskMetrics: pushed,
    /** A work queue whose depth is exposed (replaces one of the same name). */
    trackQueue(name: string, depth: () => number) {
      queues.set(name, depth);
    },
    async text(): Promise<string> {
      return (await registry.metrics()) + pushed.render();
    },
  };
}

type OperatorMetrics = ReturnType<typeof make>;
const g = globalThis as unknown as { __gantryOperatorMetrics?: OperatorMetrics };

/** The operator's metrics, made on first use. */
export function operatorMetrics(): OperatorMetrics {
  return (g.__gantryOperatorMetrics ??= make());
}

/** A log store that counts what it stores (lines, bytes, failed writes). */
export function countingLogStore(store: LogStore): LogStore {
  const m = operatorMetrics();
  return {
    async append(taskRunId: string, lines: LogLine[]) {
      try {
        await store.append(taskRunId, lines);
      } catch (e) {
        m.logWriteErrors.inc();
        throw e;
      }
      let bytes = 0;
      for (const l of lines) bytes += Buffer.byteLength(l.text);
      m.logLines.inc(lines.length);
      m.logBytes.inc(bytes);
    },
    read: (id, after, limit) => store.read(id, after, limit),
    lastSeq: (id) => store.lastSeq(id),
  };
}

/** Counts one Kubernetes API request (call when its answer, or its failure, is known). */
export function observeKubeApi(verb: string, code: number, startedAt: number) {
  const m = operatorMetrics();
  m.kubeApiCalls.inc({ verb, code: String(code) });
  m.kubeApiDuration.observe({ verb }, (performance.now() - startedAt) / 1000);
}

/**
 * Serves /metrics on GANTRY_METRICS_PORT (bearer GANTRY_METRICS_TOKEN when set). A port that is
 * taken is logged, not fatal: the operator's work matters more than its metrics.
 */
export async function startMetricsServer(opts: {
  port: number;
  address: string;
  token?: string;
  log?: { warn: (o: object, m: string) => void };
}): Promise<http.Server | null> {
  if (!opts.port) return null;
  const m = operatorMetrics();
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (url !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    if (!metricsAuthorized(req.headers.authorization, opts.token)) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="gantry-metrics"' }).end("unauthorized\n");
      return;
    }
    m.text().then(
      (body) => res.writeHead(200, { "content-type": m.registry.contentType, "cache-control": "no-store" }).end(body),
      (e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${e.message}\n`),
    );
  });
  return new Promise((resolve) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      opts.log?.warn({ err: e.message, port: opts.port, address: opts.address }, "metrics port unavailable; serving no metrics");
      resolve(null);
    });
    server.listen(opts.port, opts.address, () => resolve(server));
  });
}

export const metricsPortOf = (s: http.Server) => (s.address() as AddressInfo).port;
