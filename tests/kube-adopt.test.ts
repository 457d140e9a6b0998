import { randomBytes } from "node:crypto";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskRuns } from "@/server/db/schema";
import { clusterLogsManifest, criLine } from "../scripts/lib/cluster/fixtures";
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
 * Kubernetes mode, two operator replicas: when the one running a task dies, its BuildJob keeps
 * running in the cluster, so the survivor takes the task run over (adopts it) instead of failing
 * it, follows the BuildJob to its end, and goes on with its log after the last stored line, so
 * every line of the pod is stored exactly once.
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let logDir: string;
const ns = `kadopt-${randomBytes(3).toString("hex")}`;
const started: OperatorProcess[] = [];
const STALE_SECONDS = 3;
/** The cluster's catch-all ClusterLogs, put back after the test. */
let defaultLogs: string | undefined;

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("kadopt"));
  t = await createTestDatabase("gantry_kadopt");
  logDir = tempDir("kadopt-logs");
}, 60 * 60_000);

afterAll(async () => {
  await kubectl?.(["delete", "clusterlogs", ns, "--ignore-not-found"]).catch(() => {});
  if (defaultLogs) {
    const o = JSON.parse(defaultLogs) as { metadata: Record<string, unknown> };
    o.metadata = { name: o.metadata.name, labels: o.metadata.labels };
    await kubectl(["apply", "-f", "-"], JSON.stringify(o)).catch((e) =>
      console.error(`could not restore ClusterLogs gantry-default: ${(e as Error).message}`),
    );
  }
  await endKubeTest({ operators: started.splice(0), kubectl, namespaces: [ns], db: t, own, dir: logDir });
}, 120_000);

function operator(id: string): OperatorProcess {
  const op = startKubeOperator({
    databaseUrl: t.url,
    id,
    workspaces: logDir,
    kubeconfig,
    namespace: ns,
    env: { GANTRY_OPERATOR_STALE_SECONDS: String(STALE_SECONDS) },
  });
  started.push(op);
  return op;
}

async function ready(op: OperatorProcess) {
  await waitFor(
    "the operator to register",
    async () => {
      if (op.child.exitCode !== null) throw new Error(`operator exited early:\n${op.output().slice(-4000)}`);
      return op.output().includes('"operator registered"');
    },
    60_000,
    200,
  );
}

describe("Kubernetes mode: a surviving operator adopts a dead one's task runs", () => {
  it("the survivor follows the BuildJob to its end; the task succeeds with every log line exactly once and one Job", async () => {
    const a = operator("kube-adopt-a");
    const b = operator("kube-adopt-b");
    await Promise.all([ready(a), ready(b)]);
    // The pod's log: a line every 100 ms, written while the operators follow it. The file is
    // served for every pod of the namespace (the pod's name is not known before it exists).
    const file = path.join(logDir, "adopt.log");
    const expected: string[] = [];
    const emit = () => {
      const text = `line ${String(expected.length).padStart(3, "0")}`;
      expected.push(text);
      appendFileSync(file, criLine(text, new Date()));
    };
    writeFileSync(file, "");
    // kwok picks among matching ClusterLogs at random on each request: the cluster's catch-all
    // (a placeholder line, whose follow stream never ends) steps aside for this test.
    defaultLogs = await kubectl(["get", "clusterlogs", "gantry-default", "-o", "json"]).catch(() => undefined);
    await kubectl(["delete", "clusterlogs", "gantry-default", "--ignore-not-found"]);
    await kubectl(["apply", "-f", "-"], JSON.stringify(clusterLogsManifest(ns, { namespaces: [ns] }, [{ file }])));
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("long", "make", { env: { KWOK_DURATION: "15s" } })] }]);
    const tr = await waitForTask(t.db, runId, "long", "running", 30_000);
    const ticker = setInterval(emit, 100);
    try {
      const owner = async () => (await t.db.select().from(taskRuns).where(eq(taskRuns.id, tr.id)))[0];
      await waitFor(
        "lines in the store",
        async () => (await logLines(t.db, tr.id)).filter((l) => l.stream === "out").length >= 10,
        30_000,
        100,
      );
      const first = (await owner()).claimedBy!;
      const [dead, survivor] = first === "kube-adopt-a" ? [a, b] : [b, a];
      dead.kill9();
      await dead.exited;
      started.splice(started.indexOf(dead), 1);
      await waitFor("the survivor to adopt the task run", async () => (await owner()).claimedBy !== first, 60_000, 200);
      expect((await owner()).status).toBe("running");
      // Its log line may reach us a moment after the claim is in the database.
      await waitFor("the survivor to say so", async () => survivor.output().includes("adopted a task run of a dead operator"), 10_000, 100);
      // Lines keep coming after the adoption, until shortly before the pod ends.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      clearInterval(ticker);
    }
    const run = await waitForRunEnd(t.db, runId, 120_000);
    const done = taskOf(run, "long");
    expect(done.status, done.message ?? "").toBe("succeeded");
    const lines = await logLines(t.db, tr.id);
    const out = lines.filter((l) => l.stream === "out").map((l) => l.text);
    expect(out).toEqual(expected);
    expect(lines.some((l) => l.stream === "sys" && /stopped responding .*took the task over/.test(l.text))).toBe(true);
    const jobs = JSON.parse(await kubectl(["get", "jobs", "-n", ns, "-l", `gantry.dev/task-run=${tr.id}`, "-o", "json"])) as {
      items: unknown[];
    };
    expect(jobs.items).toHaveLength(1);
  }, 240_000);
});
