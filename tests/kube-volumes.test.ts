import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import { endKubeTest, startKubeOperator, testCluster, type Kubectl } from "./kube-helpers";
import {
  createTestDatabase,
  sh,
  startRun,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";

/**
 * A cluster with no storage (the kwok test cluster has no provisioner and no StorageClass), used
 * with per-run workspace volumes as a new user would: the operator says at start what to set, and
 * a task whose pod waits for its unbound volume fails after the bind timeout with that reason,
 * instead of waiting until its deadline; its Job is gone.
 */

let own: Cluster | undefined;
let kubectl: Kubectl;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const ns = `kvol-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  let kubeconfig: string;
  ({ own, kubectl, kubeconfig } = await testCluster("kvol"));
  t = await createTestDatabase("gantry_kvol");
  workDir = tempDir("kvol");
  op = startKubeOperator({
    databaseUrl: t.url,
    id: "kvol",
    workspaces: workDir,
    kubeconfig,
    namespace: ns,
    env: { GANTRY_KUBE_WORKSPACE: "pvc", GANTRY_KUBE_VOLUME_BIND_SECONDS: "3" },
  });
}, 60 * 60_000);

afterAll(async () => {
  await endKubeTest({ operators: [op], kubectl, namespaces: [ns], db: t, own, dir: workDir });
}, 120_000);

describe("workspace volumes on a cluster without storage", () => {
  it("says at start what to set", async () => {
    await waitFor(
      "the operator's StorageClass warning",
      async () => (op!.output().includes("no default StorageClass") ? true : null),
      60_000,
      250,
    );
    expect(op!.output()).toMatch(/set GANTRY_KUBE_STORAGE_CLASS to one that can provision.*or GANTRY_KUBE_WORKSPACE=emptyDir/);
  });

  it("fails a task whose volume stays unbound, saying why, and removes its Job", async () => {
    // Two tasks: a run of one task needs no shared workspace (it gets an emptyDir).
    const runId = await startRun(t.db, [
      { name: "build", tasks: [sh("make", "echo never")] },
      { name: "test", tasks: [sh("check", "echo never")] },
    ]);
    const run = await waitForRunEnd(t.db, runId, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${op!.output().slice(-3000)}`);
    });
    const task = taskOf(run, "make");
    expect(run.status).toBe("failed");
    expect(task.message).toMatch(
      /^the task's volumes \(PersistentVolumeClaim gantry-ws-[^)]+\) are still unbound after 3s: the cluster has no default StorageClass/,
    );
    await waitFor(
      "the Job to be deleted",
      async () =>
        JSON.parse(await kubectl(["get", "jobs", "-n", ns, "-l", `gantry.dev/run=${runId}`, "-o", "json"])).items.length === 0
          ? true
          : null,
      30_000,
      500,
    );
  });
});
