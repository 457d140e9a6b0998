import { randomBytes, randomUUID } from "node:crypto";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { CLONE_SCRIPT } from "@/operator/executors/clone-script";
import { secrets as secretsTable } from "@/server/db/schema";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import { encrypt } from "@/server/secrets/crypto";
import { secretAad } from "@/server/secrets/secrets";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import {
  createTestDatabase,
  logLines,
  sh,
  taskOf,
  tempDir,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";

/**
 * The pipeline's `repository` in Kubernetes mode, against the real test control plane (kwok
 * plays the kubelet, so no git runs here: the clone script itself is exercised in
 * clone-script.test.ts and, locally, in checkout.test.ts). Every task's Job must carry the clone
 * init container with the run's URL, directory and revision as arguments, and a private
 * repository's credential only in that container's environment.
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const ns = `kco-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("kco"));
  t = await createTestDatabase("gantry_kco");
  workDir = tempDir("kco");
}, 60 * 60_000);

afterAll(() => endKubeTest({ operators: [op], kubectl, namespaces: [ns], db: t, own, dir: workDir }), 120_000);

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = {
  name: string;
  image: string;
  command: string[];
  workingDir: string;
  terminationMessagePolicy?: string;
  volumeMounts: { name: string; mountPath: string }[];
  env?: EnvVar[];
};
type Job = {
  metadata: { ownerReferences: { name: string }[] };
  spec: { template: { spec: { initContainers?: Container[]; containers: Container[] } } };
};
const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, "-n", ns, "-o", "json"])) as T;

function startOperator() {
  op ??= startKubeOperator({ databaseUrl: t.url, id: "kco", workspaces: workDir, kubeconfig, namespace: ns });
}

describe("checkout of the pipeline's repository (Kubernetes executor)", () => {
  it("gives every task's pod the clone init container with the run's URL, directory and revision, the webhook's commit for the same repository", async () => {
    const url = "https://git.example.com/acme/shop.git";
    const spec = PipelineSpecSchema.parse({
      name: `kco-${randomBytes(3).toString("hex")}`,
      params: [{ name: "REV", default: "main" }],
      repository: { url, revision: "{{params.REV}}", dir: "app" },
      stages: [
        { name: "build", tasks: [sh("build", "make -C app", { env: { KWOK_DURATION: "1s" } })] },
        { name: "test", tasks: [sh("test", "make -C app test", { env: { KWOK_DURATION: "1s" } })] },
      ],
    });
    const pipelineId = (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id;
    const manual = await createRun(t.db, pipelineId, { params: { REV: "release/1.2" } });
    const sha = "4f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";
    const pushed = await createRun(t.db, pipelineId, {
      trigger: "github",
      event: { type: "push", repoUrl: "git@git.example.com:acme/shop", sha, branch: "feature/x" },
    });

    startOperator();

    for (const [run, revision] of [
      [manual, "release/1.2"],
      [pushed, sha],
    ] as const) {
      const view = await waitForRunEnd(t.db, run.id, 120_000);
      expect(
        view.status,
        `${view.stages
          .flatMap((s) => s.tasks)
          .map((x) => x.message)
          .join("; ")}\n${op!.output().slice(-3000)}`,
      ).toBe("succeeded");
      for (const name of ["build", "test"]) {
        const task = taskOf(view, name);
        const jobs = (await json<{ items: Job[] }>(["get", "jobs", "-l", `gantry.dev/task-run=${task.id}`])).items;
        expect(jobs, `one Job for ${name}`).toHaveLength(1);
        const pod = jobs[0].spec.template.spec;
        expect(
          pod.initContainers?.map((c) => c.name),
          `${name}'s init containers`,
        ).toEqual(["clone"]);
        const clone = pod.initContainers![0];
        // Kubernetes would expand $(…) in the script: every '$' is doubled.
        expect(clone.command).toEqual(["sh", "-c", CLONE_SCRIPT.replaceAll("$", () => "$$"), "gantry-clone", url, "app", revision]);
        expect(clone).toMatchObject({
          image: "alpine/git:2.47.2",
          workingDir: "/workspace",
          terminationMessagePolicy: "FallbackToLogsOnError",
        });
        expect(clone.volumeMounts).toContainEqual({ name: "workspace", mountPath: "/workspace" });
        const bj = await json<{ spec: { source?: unknown } }>(["get", "buildjob", jobs[0].metadata.ownerReferences[0].name]);
        expect(bj.spec.source).toEqual({ git: { url, revision, dir: "app" } });
        // kwok serves a placeholder line for each container it "ran", the clone's prefixed.
        const lines = await logLines(t.db, task.id);
        expect(
          lines.some((l) => l.stream === "out" && l.text.startsWith("[clone] ")),
          `${name}'s log shows the clone container`,
        ).toBe(true);
      }
    }
  }, 300_000);

  it("gives a private repository's token to the clone init container alone, from the params Secret, never in the BuildJob or the Job", async () => {
    const token = `tok-${randomBytes(10).toString("hex")}`;
    const { ciphertext, keyId } = encrypt(token, secretAad(DEFAULT_PROJECT_ID, "GIT_TOKEN"));
    await t.db.insert(secretsTable).values({ id: randomUUID(), projectId: DEFAULT_PROJECT_ID, name: "GIT_TOKEN", ciphertext, keyId });
    const url = "https://git.example.com/acme/private.git";
    const spec = PipelineSpecSchema.parse({
      name: `kcp-${randomBytes(3).toString("hex")}`,
      repository: { url, credentials: { secret: "GIT_TOKEN", username: "ci-bot" } },
      stages: [{ name: "build", tasks: [sh("build", "make -C src", { env: { KWOK_DURATION: "1s" } })] }],
    });
    const run = await createRun(t.db, (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id);
    startOperator();
    const view = await waitForRunEnd(t.db, run.id, 120_000);
    expect(view.status, `${taskOf(view, "build").message}\n${op!.output().slice(-3000)}`).toBe("succeeded");
    const task = taskOf(view, "build");
    const [job] = (await json<{ items: Job[] }>(["get", "jobs", "-l", `gantry.dev/task-run=${task.id}`])).items;
    const bjName = job.metadata.ownerReferences[0].name;
    const secretName = `${bjName}-params`;
    const pod = job.spec.template.spec;
    expect(pod.initContainers![0].env).toEqual([
      { name: "HOME", value: "/home/gantry" },
      { name: "GANTRY_GIT_USERNAME", value: "ci-bot" },
      { name: "GANTRY_GIT_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "gantry-git-password" } } },
    ]);
    const main = pod.containers.find((c) => c.name === "main")!;
    expect((main.env ?? []).map((e) => e.name)).not.toContain("GANTRY_GIT_PASSWORD");
    expect(JSON.stringify(main)).not.toContain("gantry-git-password");
    const bj = await json<{ spec: { source?: unknown } }>(["get", "buildjob", bjName]);
    expect(bj.spec.source).toEqual({
      git: { url, revision: "HEAD", dir: "src", credentials: { username: "ci-bot", password: { secretName, key: "gantry-git-password" } } },
    });
    expect(JSON.stringify(bj)).not.toContain(token);
    expect(JSON.stringify(job)).not.toContain(token);
    const secret = await json<{ data: Record<string, string>; metadata: { ownerReferences?: { kind: string; name: string }[] } }>([
      "get",
      "secret",
      secretName,
    ]);
    expect(Buffer.from(secret.data["gantry-git-password"], "base64").toString()).toBe(token);
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "BuildJob", name: bjName });
    expect((await logLines(t.db, task.id)).map((l) => l.text).join("\n")).not.toContain(token);
  }, 300_000);
});
