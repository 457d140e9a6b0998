import { beforeAll, describe, expect, it } from "vitest";
import { createPipeline, get, startRun, testEnv, uniqueName, waitForRun } from "./api-helpers";

/**
 * Metrics as Prometheus sees them: `npm test` starts a real Prometheus (Debian's package) that
 * scrapes the web app's /api/metrics and the operator's metrics port every second, with the
 * scrape token; these tests run pipelines through the API and then ask Prometheus in PromQL.
 */

const PROM = process.env.PROMETHEUS_TEST_URL;
// Run by hand without Prometheus the suite says so and is skipped; under CI a skipped metrics
// suite must fail the run instead, as the Kubernetes suites do.
if (!PROM && process.env.CI === "true") throw new Error("PROMETHEUS_TEST_URL is not set: the metrics suite cannot run under CI");

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<PromSample[]> {
  const r = await fetch(`${PROM}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as { status: string; data?: { resultType: string; result: PromSample[] }; error?: string };
  if (body.status !== "success") throw new Error(`PromQL '${promql}' failed: ${body.error}`);
  return body.data!.result;
}

/** Polls until the query's result passes `check` (scrapes come every second; counters arrive shortly after the run ends). */
async function eventually(promql: string, check: (r: PromSample[]) => boolean, timeoutMs = 20_000): Promise<PromSample[]> {
  const deadline = Date.now() + timeoutMs;
  let last: PromSample[] = [];
  while (Date.now() < deadline) {
    last = await query(promql);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`PromQL '${promql}' never passed; last result: ${JSON.stringify(last)}`);
}

const scalar = (r: PromSample[]) => (r.length ? Number(r[0].value[1]) : NaN);

describe.skipIf(!PROM)("metrics scraped by Prometheus", () => {
  const name = uniqueName("metrics");
  const runIds: string[] = [];

  beforeAll(async () => {
    testEnv();
    const id = await createPipeline({
      name,
      params: [{ name: "FAIL", default: "0" }],
      stages: [
        {
          name: "build",
          tasks: [
            {
              name: "compile",
              template: "shell",
              params: {
                script: [
                  `echo 'build_artifact_bytes{kind="jar"} 12345' >> "$GANTRY_METRICS_FILE"`,
                  `echo 'not a metric' >> "$GANTRY_METRICS_FILE"`,
                  "echo compiled",
                  'exit "$FAIL"',
                ].join("\n"),
              },
            },
          ],
        },
        { name: "check", tasks: [{ name: "verify", template: "shell", params: { script: "sleep 0.3; echo verified" } }] },
      ],
    });
    for (const fail of ["0", "0", "1"]) {
      const runId = await startRun(id, { params: { FAIL: fail } });
      runIds.push(runId);
      await waitForRun(runId);
    }
  }, 90_000);

  it("scrapes both the web app and the operator, with the scrape token", async () => {
    const up = await eventually('up{job=~"gantry-web|gantry-operator"}', (r) => r.length === 2 && r.every((s) => s.value[1] === "1"));
    expect(up.map((s) => s.metric.job).sort()).toEqual(["gantry-operator", "gantry-web"]);
    // Without the token, neither answers.
    expect((await get("/api/metrics", { token: null })).status).toBe(401);
    expect((await fetch(process.env.GANTRY_TEST_METRICS_URL!)).status).toBe(401);
    const ok = await get("/api/metrics", { token: process.env.GANTRY_TEST_METRICS_TOKEN! });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("# TYPE gantry_sse_clients gauge");
  });

  it("counts task runs and runs by status and pipeline", async () => {
    const succeeded = await eventually(`sum(gantry_task_runs_total{status="succeeded",pipeline="${name}"})`, (r) => scalar(r) === 4);
    expect(scalar(succeeded)).toBe(4);
    expect(scalar(await eventually(`sum(gantry_task_runs_total{status="failed",pipeline="${name}"})`, (r) => scalar(r) === 1))).toBe(1);
    expect(scalar(await eventually(`sum(gantry_runs_total{status="succeeded",pipeline="${name}"})`, (r) => scalar(r) === 2))).toBe(2);
    expect(scalar(await eventually(`sum(gantry_runs_total{status="failed",pipeline="${name}"})`, (r) => scalar(r) === 1))).toBe(1);
  });

  it("has task durations and queue times as histograms", async () => {
    // The verify task sleeps 0.3 s: the 90th percentile of the pipeline's tasks is at least that.
    const p90 = await eventually(
      `histogram_quantile(0.9, sum by (le) (gantry_task_duration_seconds_bucket{pipeline="${name}"}))`,
      (r) => scalar(r) > 0,
    );
    expect(scalar(p90)).toBeGreaterThanOrEqual(0.25);
    expect(scalar(p90)).toBeLessThan(30);
    const queued = await eventually(`sum(gantry_task_queue_seconds_count{pipeline="${name}"})`, (r) => scalar(r) === 5);
    expect(scalar(queued)).toBe(5);
    const runs = await eventually(`sum(gantry_run_duration_seconds_count{pipeline="${name}"})`, (r) => scalar(r) === 3);
    expect(scalar(runs)).toBe(3);
  });

  it("exposes what tasks push through GANTRY_METRICS_FILE with the run's labels", async () => {
    const r = await eventually(`build_artifact_bytes{pipeline="${name}"}`, (x) => x.length === 3);
    const series = r.map((s) => ({
      project: s.metric.project,
      run: s.metric.run,
      task: s.metric.task,
      kind: s.metric.kind,
      job: s.metric.job,
      value: s.value[1],
    }));
    series.sort((a, b) => a.run.localeCompare(b.run));
    expect(series).toEqual(
      ["1", "2", "3"].map((run) => ({ project: "default", run, task: "compile", kind: "jar", job: "gantry-operator", value: "12345" })),
    );
    // The line that was not a metric is reported in the task's log, not silently dropped.
    const view = (await get(`/api/v1/runs/${runIds[0]}`)).body;
    const log = await get(`/api/v1/task-runs/${view.stages[0].tasks[0].id}/logs`);
    expect(log.text).toMatch(/metrics file: 1 line\(s\) skipped \(line 2: not a sample line/);
  });

  it("counts log lines ingested and API requests", async () => {
    expect(scalar(await eventually("sum(gantry_log_lines_ingested_total)", (r) => scalar(r) >= 6))).toBeGreaterThanOrEqual(6);
    expect(
      scalar(await eventually('sum(gantry_http_requests_total{job="gantry-web",method="POST",code="201"})', (r) => scalar(r) >= 4)),
    ).toBeGreaterThanOrEqual(4);
  });
});
