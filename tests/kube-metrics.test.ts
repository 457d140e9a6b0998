import { randomBytes } from "node:crypto";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";
import { readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "@/server/logs/store";
import { LogWriter } from "@/server/logs/writer";
import { parseTaskMetrics } from "@/server/metrics/task-metrics";
import { runTests } from "@/server/reports/queries";
import { MetricsBlocks } from "@/operator/scheduler/metrics-blocks";
import { freePort } from "@/scripts/lib/proc";
import { criLine, podLogsManifest } from "../scripts/lib/cluster/fixtures";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import {
  createTestDatabase,
  logLines,
  sh,
  startRun,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  waitForTask,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";

/**
 * Metrics pushed by a task in Kubernetes mode (docs/operations.md, "Metrics pushed by tasks"):
 * the pod prints them as a metrics block in its log; the operator takes the block out of the
 * stored log and exposes the samples on its metrics port with the run's labels. kwok runs no
 * containers, so the pod's log is a file of our own (kwok's Logs object), as the metrics
 * wrapper would have printed it (the wrapper itself is run in job-spec's metrics-wrapper.test.ts).
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let logDir: string;
let op: OperatorProcess | undefined;
let metricsPort: number;
const ns = `kmetrics-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("kmetrics"));
  t = await createTestDatabase("gantry_kmetrics");
  logDir = tempDir("kube-metrics-logs");
  metricsPort = await freePort();
  op = startKubeOperator({
    databaseUrl: t.url,
    id: "kube-metrics",
    workspaces: logDir,
    kubeconfig,
    namespace: ns,
    env: { GANTRY_METRICS_PORT: String(metricsPort), GANTRY_METRICS_ADDRESS: "127.0.0.1" },
  });
  await waitFor(
    "the operator to register",
    async () => {
      if (op!.child.exitCode !== null) throw new Error(`operator exited early:\n${op!.output().slice(-4000)}`);
      return op!.output().includes('"operator registered"');
    },
    60_000,
    200,
  );
}, 60 * 60_000);

afterAll(() => endKubeTest({ operators: [op], kubectl, namespaces: [ns], db: t, own, dir: logDir }), 120_000);

const podOf = async (taskRunId: string) =>
  waitFor(
    "the pod",
    async () =>
      (
        JSON.parse(await kubectl(["get", "pods", "-n", ns, "-l", `gantry.dev/task-run=${taskRunId}`, "-o", "json"])) as {
          items: { metadata: { name: string } }[];
        }
      ).items[0]?.metadata.name,
    30_000,
    200,
  );

/** The pod's log as the main container with the metrics wrapper prints it: the task's lines, then the block. */
const TASK_OUTPUT = [
  "compiling",
  "echo ::gantry-metrics::begin is how a block starts",
  "::gantry-metrics::begin",
  'app_bytes{kind="jar"} 2048',
  "# TYPE tests_total counter",
  'tests_total{result="passed"} 42',
  "not a metric",
  "::gantry-metrics::end",
];

describe("metrics pushed by a task in Kubernetes mode", () => {
  it("takes the metrics block out of the pod's stored log and exposes its samples on the operator's metrics port with the run's labels", async () => {
    const file = path.join(logDir, "report.log");
    // After kwok's placeholder line (written when the cluster started), which the follower may
    // read before the Logs object exists: older lines would be taken for ones already written.
    const base = Date.now() - 1_000;
    writeFileSync(file, TASK_OUTPUT.map((l, i) => criLine(l, new Date(base + i * 100))).join(""));
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("report", "make report", { env: { KWOK_DURATION: "6s" } })] }]);
    const tr = await waitForTask(t.db, runId, "report", "running", 30_000);
    // kwok serves a pod's log from the Logs object named after the pod, which can only exist once the pod does.
    await kubectl(["apply", "-f", "-"], JSON.stringify(podLogsManifest(ns, await podOf(tr.id), [{ containers: ["main"], file }])));
    const run = await waitForRunEnd(t.db, runId, 60_000);
    const task = taskOf(run, "report");
    expect(task.status, task.message ?? "").toBe("succeeded");

    const lines = await logLines(t.db, task.id);
    const out = lines.filter((l) => l.stream === "out" && !l.text.startsWith("kwok:")).map((l) => l.text);
    expect(out, "the block's lines are not in the stored log; the marker's text inside a line is").toEqual([
      "compiling",
      "echo ::gantry-metrics::begin is how a block starts",
    ]);
    const sys = lines.filter((l) => l.stream === "sys").map((l) => l.text);
    expect(sys).toContainEqual(expect.stringMatching(/^metrics block: 1 line\(s\) skipped \(line 4: not a sample line/));

    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const labels = `project="default",pipeline="${run.pipelineName}",run="${run.number}",task="report"`;
    expect(text).toContain(`app_bytes{kind="jar",${labels}} 2048\n`);
    expect(text).toContain(`tests_total{result="passed",${labels}} 42\n`);
    expect(text).toContain("# TYPE tests_total counter\n");
  }, 120_000);

  it("takes a task's test reports out of the pod's log and stores their cases (JUnit XML printed by the task wrapper)", async () => {
    const fixtures = path.join(import.meta.dirname, "../server/reports/fixtures");
    const report = (name: string) => [
      `::gantry-report::begin reports/${name}`,
      ...readFileSync(path.join(fixtures, name), "utf8").split("\n"),
      "::gantry-report::end",
    ];
    // As METRICS_WRAPPER prints the files `reports/*.xml` matched (run for real in metrics-wrapper.test.ts).
    const output = ["running the tests", ...report("gotestsum.xml"), ...report("pytest.xml")];
    const file = path.join(logDir, "reports.log");
    const base = Date.now() - 1_000;
    writeFileSync(file, output.map((l, i) => criLine(l, new Date(base + i * 10))).join(""));
    const runId = await startRun(t.db, [
      { name: "test", tasks: [sh("unit", "go test ./...", { reports: { junit: "reports/*.xml" }, env: { KWOK_DURATION: "6s" } })] },
    ]);
    const tr = await waitForTask(t.db, runId, "unit", "running", 30_000);
    await kubectl(["apply", "-f", "-"], JSON.stringify(podLogsManifest(ns, await podOf(tr.id), [{ containers: ["main"], file }])));
    const run = await waitForRunEnd(t.db, runId, 60_000);
    const task = taskOf(run, "unit");
    expect(task.status, task.message ?? "").toBe("succeeded");
    const lines = await logLines(t.db, task.id);
    expect(
      lines.filter((l) => l.stream === "out" && !l.text.startsWith("kwok:")).map((l) => l.text),
      "the reports are not in the log",
    ).toEqual(["running the tests"]);
    expect(lines.filter((l) => l.stream === "sys").map((l) => l.text)).toContain(
      "test reports: 11 tests in 2 files (4 passed, 4 failed, 1 error, 2 skipped)",
    );
    const tests = await runTests(t.db, runId, {});
    expect(tests.counts).toEqual({ total: 11, passed: 4, failed: 4, error: 1, skipped: 2 });
    expect(tests.cases.find((c) => c.name === "TestDivide")).toMatchObject({
      status: "failed",
      task: "unit",
      failure: expect.stringContaining("7/2 = 3, want 4"),
    });
  }, 120_000);

  it("reads a whole block through a pod log stream that is cut in the middle of its lines and resumed", async () => {
    const { KubeApi } = await import("@/operator/executors/kubernetes/kube-api");
    const { PodLogs } = await import("@/operator/executors/kubernetes/log-follower");
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const api = new KubeApi(kc);
    const name = `cut-${randomBytes(3).toString("hex")}`;
    const file = path.join(logDir, `${name}.log`);
    const base = Date.now() - 30_000;
    const block = Array.from({ length: 30 }, (_, i) => `series_${String(i).padStart(2, "0")}{shard="${i % 3}"} ${1000 + i}`);
    const lines = ["before", "::gantry-metrics::begin", ...block, "::gantry-metrics::end", "after"];
    // Ten lines per second: a resume at second precision gets some of them twice from the API.
    writeFileSync(file, lines.map((l, i) => criLine(l, new Date(base + i * 100))).join(""));
    const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true };
    await kubectl(["apply", "-f", "-"], JSON.stringify(podLogsManifest(ns, name, [{ containers: ["main"], file }])));
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: ns, annotations: { "gantry.dev/kwok-duration": "6s" } },
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [{ name: "main", image: "busybox", securityContext: restricted }],
        },
      }),
    );
    let pod: any;
    const poll = setInterval(
      () =>
        void kubectl(["get", "pod", name, "-n", ns, "-o", "json"]).then(
          (p) => (pod = JSON.parse(p)),
          () => {},
        ),
      200,
    );
    try {
      await waitFor("the pod to run", async () => pod?.status?.containerStatuses?.[0]?.state?.running, 30_000, 100);
      // The first three streams end cleanly after a number of bytes that falls inside a line of the block.
      const cutAt = [160, 700, 1300];
      let cuts = 0;
      const cutting = {
        stream: async (p: string, q: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) => {
          const res = await api.stream(p, q, signal);
          if (cuts >= cutAt.length) return res;
          const limit = cutAt[cuts++];
          const out = new PassThrough();
          let seen = 0;
          res.on("data", (d: Buffer) => {
            if (seen >= limit) return;
            const part = d.subarray(0, limit - seen);
            seen += part.length;
            out.write(part);
            if (seen >= limit) {
              res.destroy();
              out.end();
            }
          });
          res.on("end", () => out.end());
          res.on("error", () => out.end());
          return out as unknown as IncomingMessage;
        },
      };
      const stored: LogLine[] = [];
      const writer = new LogWriter(
        { append: async (_id, l) => void stored.push(...l), read: async () => [], lastSeq: async () => 0 },
        "tr",
        { flushMs: 0 },
      );
      const sink = new MetricsBlocks(writer);
      const logs = new PodLogs(name, { api: cutting, namespace: ns, sink, pod: () => pod });
      const timer = setInterval(() => logs.poke(), 200);
      logs.poke();
      await waitFor("the container to end", async () => pod?.status?.containerStatuses?.[0]?.state?.terminated, 30_000, 100);
      await logs.done();
      clearInterval(timer);
      sink.endOfOutput();
      await writer.close();
      expect(cuts).toBe(cutAt.length);
      expect(stored.map((l) => l.text)).toEqual(["before", "after"]);
      expect(stored.map((l) => l.container)).toEqual(["main", "main"]);
      const parsed = parseTaskMetrics(sink.text()!);
      expect(parsed.problems).toEqual([]);
      expect(parsed.samples.map((s) => `${s.name}{shard="${s.labels.shard}"} ${s.value}`)).toEqual(block);
    } finally {
      clearInterval(poll);
      await kubectl(["delete", "pod", name, "-n", ns, "--wait=false"]).catch(() => {});
    }
  }, 90_000);
});
