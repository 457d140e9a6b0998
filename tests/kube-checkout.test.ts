import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { CLONE_SCRIPT } from "@/operator/executors/clone-script";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import { cachedBinaries, kubectlFor, startCluster, type Cluster } from "../scripts/lib/cluster";
import { createTestDatabase, logLines, sh, startOperatorProcess, taskOf, tempDir, waitForRunEnd, type OperatorProcess, type TestDatabase } from "./executor-helpers";

/**
 * The pipeline's `repository` in Kubernetes mode, against the real test control plane (kwok
 * plays the kubelet, so no git runs here: the clone script itself is exercised in
 * clone-script.test.ts and, locally, in checkout.test.ts). Every task's Job must carry the clone
 * init container with the run's URL, directory and revision as arguments.
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const ns = `kco-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  if (process.env.KUBECONFIG) {
    kubeconfig = process.env.KUBECONFIG;
    kubectl = kubectlFor(kubeconfig, cachedBinaries()?.kubectl ?? "kubectl");
  } else {
    own = await startCluster({ name: `gantry-kco-${process.pid}`, log: (m) => console.log(m) });
    kubeconfig = own.kubeconfig;
    kubectl = own.kubectl;
  }
  t = await createTestDatabase("gantry_kco");
  workDir = tempDir("kco");
}, 60 * 60_000);

afterAll(async () => {
  if (op) {
    op.kill9();
    await op.exited;
  }
  await kubectl?.(["delete", "namespace", ns, "--wait=false"]).catch(() => {});
  await t?.close();
  await own?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 120_000);

type Container = { name: string; image: string; command: string[]; workingDir: string; terminationMessagePolicy?: string; volumeMounts: { name: string; mountPath: string }[] };
type Job = { metadata: { ownerReferences: { name: string }[] }; spec: { template: { spec: { initContainers?: Container[]; containers: Container[] } } } };
const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, "-n", ns, "-o", "json"])) as T;

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
    const pushed = await createRun(t.db, pipelineId, { trigger: "github", event: { type: "push", repoUrl: "git@git.example.com:acme/shop", sha, branch: "feature/x" } });

    op = startOperatorProcess({
      DATABASE_URL: t.url,
      GANTRY_OPERATOR_ID: "kco",
      GANTRY_WORKSPACES: workDir,
      GANTRY_EXECUTOR: "kubernetes",
      KUBECONFIG: kubeconfig,
      GANTRY_NAMESPACE: ns,
      GANTRY_KUBE_WORKSPACE: "emptyDir",
      GANTRY_POD_ANNOTATIONS_FROM_ENV: "KWOK_DURATION=gantry.dev/kwok-duration",
    });

    for (const [run, revision] of [
      [manual, "release/1.2"],
      [pushed, sha],
    ] as const) {
      const view = await waitForRunEnd(t.db, run.id, 120_000);
      expect(view.status, `${view.stages.flatMap((s) => s.tasks).map((x) => x.message).join("; ")}\n${op.output().slice(-3000)}`).toBe("succeeded");
      for (const name of ["build", "test"]) {
        const task = taskOf(view, name);
        const jobs = (await json<{ items: Job[] }>(["get", "jobs", "-l", `gantry.dev/task-run=${task.id}`])).items;
        expect(jobs, `one Job for ${name}`).toHaveLength(1);
        const pod = jobs[0].spec.template.spec;
        expect(pod.initContainers?.map((c) => c.name), `${name}'s init containers`).toEqual(["clone"]);
        const clone = pod.initContainers![0];
        // Kubernetes would expand $(…) in the script: every '$' is doubled.
        expect(clone.command).toEqual(["sh", "-c", CLONE_SCRIPT.replaceAll("$", () => "$$"), "gantry-clone", url, "app", revision]);
        expect(clone).toMatchObject({ image: "alpine/git:2.47.2", workingDir: "/workspace", terminationMessagePolicy: "FallbackToLogsOnError" });
        expect(clone.volumeMounts).toContainEqual({ name: "workspace", mountPath: "/workspace" });
        const bj = await json<{ spec: { source?: unknown } }>(["get", "buildjob", jobs[0].metadata.ownerReferences[0].name]);
        expect(bj.spec.source).toEqual({ git: { url, revision, dir: "app" } });
        // kwok serves a placeholder line for each container it "ran", the clone's prefixed.
        const lines = await logLines(t.db, task.id);
        expect(lines.some((l) => l.stream === "out" && l.text.startsWith("[clone] ")), `${name}'s log shows the clone container`).toBe(true);
      }
    }
  }, 300_000);
});
