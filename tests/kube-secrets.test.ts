import { randomBytes, randomUUID } from "node:crypto";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { secrets } from "@/server/db/schema";
import { createRun } from "@/server/runs/create-run";
import { encrypt } from "@/server/secrets/crypto";
import { secretAad } from "@/server/secrets/secrets";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import {
  createTestDatabase,
  createTestPipeline,
  logLines,
  sh,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";

/**
 * Project secrets in Kubernetes mode, against the real test control plane (kwok plays the
 * kubelet): the values go into a Secret owned by the BuildJob, the pod reads them through
 * secretKeyRef, and neither the BuildJob nor the Job holds them in clear.
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const ns = `ksec-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("ksec"));
  t = await createTestDatabase("gantry_ksec");
  workDir = tempDir("ksec");
}, 60 * 60_000);

afterAll(() => endKubeTest({ operators: [op], kubectl, namespaces: [ns], db: t, own, dir: workDir }), 120_000);

const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, "-n", ns, "-o", "json"])) as T;
type Obj = {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  data?: Record<string, string>;
  spec?: any;
};

describe("project secrets on the Kubernetes executor", () => {
  it("puts the values in a BuildJob-owned Secret the pod reads, and nowhere else", async () => {
    const value = `kube-s3cret-${randomBytes(5).toString("hex")}`;
    const param = `kube-param-${randomBytes(5).toString("hex")}`;
    const sealed = encrypt(value, secretAad(DEFAULT_PROJECT_ID, "REGISTRY_TOKEN"));
    await t.db.insert(secrets).values({
      id: randomUUID(),
      projectId: DEFAULT_PROJECT_ID,
      name: "REGISTRY_TOKEN",
      ciphertext: sealed.ciphertext,
      keyId: sealed.keyId,
    });
    const pipelineId = await createTestPipeline(
      t.db,
      [
        {
          name: "push",
          tasks: [sh("push", 'echo "token $REGISTRY_TOKEN"', { env: { KWOK_DURATION: "1s" }, secrets: ["REGISTRY_TOKEN"] })],
        },
      ],
      [{ name: "PASSWORD", secret: true }],
    );
    const run = await createRun(t.db, pipelineId, { params: { PASSWORD: param } });

    op = startKubeOperator({ databaseUrl: t.url, id: "ksec", workspaces: workDir, kubeconfig, namespace: ns });
    const view = await waitForRunEnd(t.db, run.id, 90_000);
    const task = taskOf(view, "push");
    expect(task.status, `${task.message ?? ""}\n${op.output().slice(-3000)}`).toBe("succeeded");

    const jobs = (await json<{ items: Obj[] }>(["get", "jobs", "-l", `gantry.dev/task-run=${task.id}`])).items;
    expect(jobs).toHaveLength(1);
    const bjName = jobs[0].metadata.ownerReferences![0].name;
    const env = jobs[0].spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env).toContainEqual({
      name: "REGISTRY_TOKEN",
      valueFrom: { secretKeyRef: { name: `${bjName}-params`, key: "REGISTRY_TOKEN" } },
    });
    expect(env).toContainEqual({ name: "PASSWORD", valueFrom: { secretKeyRef: { name: `${bjName}-params`, key: "PASSWORD" } } });

    const secret = await json<Obj>(["get", "secret", `${bjName}-params`]);
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "BuildJob", name: bjName });
    expect(secret.metadata.labels?.["gantry.dev/task-run"]).toBeTruthy();
    expect(Buffer.from(secret.data!.REGISTRY_TOKEN, "base64").toString()).toBe(value);
    expect(Buffer.from(secret.data!.PASSWORD, "base64").toString()).toBe(param);

    for (const obj of [await json<Obj>(["get", "buildjob", bjName]), jobs[0]]) {
      const text = JSON.stringify(obj);
      expect(text).not.toContain(value);
      expect(text).not.toContain(param);
    }
    // kwok prints a placeholder instead of running the script; the log holds no value either way.
    const lines = await logLines(t.db, task.id);
    expect(lines.map((l) => l.text).join("\n")).not.toContain(value);

    // Deleting the BuildJob takes its Secret with it (the garbage collector follows the owner).
    await kubectl(["delete", "buildjob", bjName, "-n", ns, "--wait=true"]);
    await waitFor(
      "the Secret to be garbage-collected",
      async () => !(await kubectl(["get", "secrets", "-n", ns, "-o", "name"])).includes(`${bjName}-params`),
      60_000,
      500,
    );
  }, 180_000);
});
