import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRun } from "@/server/runs/create-run";
import { verifyUploadToken } from "@/server/artifacts/token";
import { keyring } from "@/server/secrets/crypto";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import {
  createTestDatabase,
  createTestPipeline,
  taskOf,
  tempDir,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";

/**
 * The artifact-upload template on the Kubernetes executor, against the real test control plane:
 * kwok runs no container, so this proves the wiring the same curl command needs there — Gantry's
 * URL as set for pods, and the task run's upload token through the BuildJob's Secret only. The
 * upload itself is proven on the local executor (tests/artifacts.test.ts).
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const ns = `kart-${randomBytes(3).toString("hex")}`;
const POD_URL = "http://gantry-web.gantry.svc:3000";

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("kart"));
  t = await createTestDatabase("gantry_kart");
  workDir = tempDir("kart");
}, 60 * 60_000);

afterAll(() => endKubeTest({ operators: [op], kubectl, namespaces: [ns], db: t, own, dir: workDir }), 120_000);

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };

describe("artifact-upload on the Kubernetes executor", () => {
  it("runs the curl image with GANTRY_URL and the task run's upload token from a Secret, never in clear in the Job", async () => {
    const pipelineId = await createTestPipeline(t.db, [
      {
        name: "publish",
        tasks: [{ name: "upload", template: "artifact-upload", params: { paths: "dist/*" }, env: { KWOK_DURATION: "1s" } }],
      },
    ]);
    const run = await createRun(t.db, pipelineId);
    op = startKubeOperator({
      databaseUrl: t.url,
      id: "kart",
      workspaces: workDir,
      kubeconfig,
      namespace: ns,
      env: { GANTRY_URL: POD_URL },
    });
    const task = taskOf(await waitForRunEnd(t.db, run.id, 90_000), "upload");
    expect(task.status, `${task.message ?? ""}\n${op.output().slice(-3000)}`).toBe("succeeded");

    const jobs = JSON.parse(await kubectl(["get", "jobs", "-l", `gantry.dev/task-run=${task.id}`, "-n", ns, "-o", "json"])).items;
    expect(jobs).toHaveLength(1);
    const main = jobs[0].spec.template.spec.containers[0];
    expect(main.image).toBe("curlimages/curl:8.11.1");
    const env = main.env as EnvVar[];
    expect(env).toContainEqual({ name: "GANTRY_URL", value: POD_URL });
    const tokenVar = env.find((e) => e.name === "GANTRY_ARTIFACT_TOKEN");
    expect(tokenVar?.value, "the token is not in the Job in clear").toBeUndefined();
    const ref = tokenVar?.valueFrom?.secretKeyRef;
    expect(ref?.key).toBe("GANTRY_ARTIFACT_TOKEN");

    const secret = JSON.parse(await kubectl(["get", "secret", ref!.name, "-n", ns, "-o", "json"]));
    const token = Buffer.from(secret.data.GANTRY_ARTIFACT_TOKEN, "base64").toString();
    expect(verifyUploadToken(keyring(), token, Math.floor(Date.now() / 1000))?.taskRunId).toBe(task.id);
    expect(JSON.stringify(jobs[0])).not.toContain(token);
  });
});
