import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PipelineSpecSchema, type PipelineSpecInput } from "@/lib/pipeline-spec";
import type { ProjectSettings } from "@/lib/projects";
import { projects } from "@/server/db/schema";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import { endKubeTest, startKubeOperator, testCluster, type Kubectl } from "./kube-helpers";
import {
  createTestDatabase,
  logText,
  sh,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";
import { gitEnv } from "./git-env";

/**
 * helm-deploy and kubectl-apply with the real helm (v4, built from source by the test set-up)
 * and kubectl against the real test control plane. Local mode: the operator mints a token of
 * the project's deploy service account and the task deploys a chart from a repository made
 * here; kwok reports the pods Ready, so `--wait` and `rollout status` complete for real, and a
 * pod no node can take makes the upgrade fail and roll back. Kubernetes mode: only the deploy
 * task's pod runs as that account with its token.
 */

let own: Cluster | undefined;
let kubectl: Kubectl;
let t: TestDatabase;
let workDir: string;
let repo: string;
let op: OperatorProcess | undefined;
const id = randomBytes(3).toString("hex");
/** The local project's namespace, where its deploy account may deploy. */
const ns = `deploy-${id}`;
/** The Kubernetes-mode project's namespace. */
const kns = `deploy-k-${id}`;
const home = `deploy-home-${id}`;
const project = { local: randomUUID(), locked: randomUUID(), none: randomUUID(), kube: randomUUID() };

/** A chart whose Deployment takes its image tag (and, to make it fail, a node selector) from values; and plain manifests. */
function makeRepo(dir: string) {
  const file = (p: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  };
  file("chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
  file("chart/values.yaml", "image:\n  repository: registry.example.test/web\n  tag: latest\nnodeSelector: {}\n");
  file(
    "chart/templates/deployment.yaml",
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: { app: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app: {{ .Release.Name }} }
    spec:
      nodeSelector: {{ toJson .Values.nodeSelector }}
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`,
  );
  file(
    "k8s/api.yaml",
    `apiVersion: v1
kind: ConfigMap
metadata: { name: api-config }
data: { greeting: hello }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers: [{ name: api, image: "registry.example.test/api:1" }]
`,
  );
  execFileSync("git", ["init", "-q", "-b", "main", dir], { env: gitEnv });
  execFileSync("git", ["-C", dir, "add", "."], { env: gitEnv });
  execFileSync("git", ["-C", dir, "commit", "-q", "-m", "chart"], { env: gitEnv });
}

/** Namespaces with a deploy account that may deploy, one without any rights, and the Kubernetes project's account. */
const accounts = (n: string, k: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: n } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: k } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: n } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "locked", namespace: n } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: k } },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "deployer-admin", namespace: n },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
        subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: n }],
      },
    ],
  });

beforeAll(async () => {
  let kubeconfig: string;
  ({ own, kubectl, kubeconfig } = await testCluster("deploy"));
  t = await createTestDatabase("gantry_deploy");
  workDir = tempDir("deploy");
  repo = path.join(workDir, "repo");
  makeRepo(repo);
  await kubectl(["apply", "-f", "-"], accounts(ns, kns));
  const settings: Record<keyof typeof project, ProjectSettings> = {
    local: { executor: "local", namespace: ns, deployServiceAccount: "deployer" },
    locked: { executor: "local", namespace: ns, deployServiceAccount: "locked" },
    none: { executor: "local", namespace: ns },
    kube: { executor: "kubernetes", namespace: kns, deployServiceAccount: "deployer" },
  };
  for (const [k, pid] of Object.entries(project) as [keyof typeof project, string][])
    await t.db.insert(projects).values({ id: pid, slug: `dp-${k}-${id}`, name: `deploy ${k}`, settings: settings[k] });
  // Local by default, with the operator's kubeconfig to mint tokens; the Kubernetes project's tasks become BuildJobs.
  op = startKubeOperator({
    databaseUrl: t.url,
    id: "deploy",
    workspaces: path.join(workDir, "ws"),
    kubeconfig,
    namespace: home,
    env: { GANTRY_EXECUTOR: "local" },
  });
}, 60 * 60_000);

afterAll(async () => {
  await endKubeTest({ operators: [op], kubectl, namespaces: [ns, kns, home], db: t, own, dir: workDir });
}, 120_000);

type Task = PipelineSpecInput["stages"][number]["tasks"][number];

/** git-clone of the test's repository into src/. */
const checkout = (): Task => ({ name: "checkout", template: "git-clone", params: { url: `file://${repo}`, dir: "src", revision: "main" } });
const deploy = (params: Record<string, string>): Task => ({
  name: "deploy",
  template: "helm-deploy",
  params: { release: "web", chart: "src/chart", namespace: ns, timeout: "60s", set: "image.tag={{ params.TAG }}", ...params },
});

/** A pipeline of these tasks, one stage each (or all in one parallel stage). */
async function pipelineIn(projectId: string, tasks: Task[], parallel = false): Promise<string> {
  const spec = PipelineSpecSchema.parse({
    name: `deploy-${randomBytes(4).toString("hex")}`,
    params: [{ name: "TAG", default: "v1" }],
    stages: parallel ? [{ name: "all", mode: "parallel", tasks }] : tasks.map((task) => ({ name: task.name, tasks: [task] })),
  });
  return (await createPipeline(t.db, { spec, projectId })).id;
}

/** Runs the pipeline with these params and returns the run once it has ended. */
async function runOf(pipelineId: string, params: Record<string, string>) {
  const run = await createRun(t.db, pipelineId, { params });
  return waitForRunEnd(t.db, run.id, 4 * 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${op?.output().slice(-3000)}`);
  });
}

const imageOf = async (deployment: string) =>
  kubectl(["get", "deployment", deployment, "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);

/** The task ended as expected; else the message and its log, to see why. */
async function expectTask(run: Awaited<ReturnType<typeof runOf>>, name: string, status: "succeeded" | "failed") {
  const task = taskOf(run, name);
  if (task.status !== status) {
    const log = (await logText(t.db, task.id)).join("\n");
    expect.fail(`task '${name}' ${task.status} (${task.message}), expected ${status}; its log:\n${log}`);
  }
  return task;
}

describe("helm-deploy on the local executor", () => {
  let pipelineId: string;

  it(
    "installs the chart from the checkout with --set values, waits for it, and reports revision 1, then 2",
    async () => {
      pipelineId = await pipelineIn(project.local, [checkout(), deploy({})]);
      const first = await runOf(pipelineId, { TAG: "v1" });
      expect((await expectTask(first, "deploy", "succeeded")).results).toEqual({ revision: "1" });
      expect(await imageOf("web")).toBe("registry.example.test/web:v1");
      const out = (await logText(t.db, taskOf(first, "deploy").id)).join("\n");
      expect(out).toContain("--set image.tag=v1");
      expect(out).toContain("--rollback-on-failure");

      const second = await runOf(pipelineId, { TAG: "v2" });
      expect((await expectTask(second, "deploy", "succeeded")).results).toEqual({ revision: "2" });
      expect(await imageOf("web")).toBe("registry.example.test/web:v2");
    },
    10 * 60_000,
  );

  it(
    "rolls a failed upgrade back and fails saying so: the release keeps the old image",
    async () => {
      expect(pipelineId, "the pipeline of the previous test").toBeDefined();
      // No node has this label: the new pod is never scheduled, so it never becomes ready.
      const failing = await pipelineIn(project.local, [
        checkout(),
        deploy({ timeout: "10s", set: "image.tag={{ params.TAG }}\nnodeSelector.gantry-test=nowhere" }),
      ]);
      const run = await runOf(failing, { TAG: "v3" });
      const task = await expectTask(run, "deploy", "failed");
      const log = (await logText(t.db, task.id)).join("\n");
      expect(log).toContain("helm-deploy: the upgrade of release web failed and was rolled back");
      expect(task.message).toBe("exit code 1: helm-deploy: the upgrade of release web failed and was rolled back (now at revision 4)");
      expect(await imageOf("web")).toBe("registry.example.test/web:v2");
      const history = JSON.parse(await kubectl(["get", "secrets", "-n", ns, "-l", "owner=helm,name=web", "-o", "json"])) as {
        items: { metadata: { labels: Record<string, string> } }[];
      };
      const byRevision = Object.fromEntries(history.items.map((s) => [s.metadata.labels.version, s.metadata.labels.status]));
      // Revision 3 failed; revision 4 is the rollback to revision 2, now deployed.
      expect(byRevision).toMatchObject({ "2": "superseded", "3": "failed", "4": "deployed" });
    },
    10 * 60_000,
  );

  it(
    "uses the project's deploy account, not the operator's: an account without rights is forbidden",
    async () => {
      const pipeline = await pipelineIn(project.locked, [checkout(), deploy({ release: "locked" })]);
      const run = await runOf(pipeline, { TAG: "v1" });
      const task = await expectTask(run, "deploy", "failed");
      expect((await logText(t.db, task.id)).join("\n")).toMatch(/forbidden: User "system:serviceaccount:[^:]+:locked" cannot/);
    },
    10 * 60_000,
  );

  it("refuses, when the pipeline is saved, a deploy task in a project without a deploy account", async () => {
    await expect(pipelineIn(project.none, [checkout(), deploy({})])).rejects.toMatchObject({
      details: {
        errors: [
          { path: "stages[1].tasks[0].template", message: expect.stringContaining("'Deploy service account' in the project's settings") },
        ],
      },
    });
  });
});

describe("kubectl-apply on the local executor", () => {
  it(
    "applies the manifests and succeeds, without a rollout and waiting for one",
    async () => {
      const apply = (rollout: string): Task => ({
        name: rollout ? "apply-and-wait" : "apply",
        template: "kubectl-apply",
        params: { manifests: "src/k8s", namespace: ns, rollout, timeout: "60s" },
      });
      const pipeline = await pipelineIn(project.local, [checkout(), apply(""), apply("deployment/api")]);
      const run = await runOf(pipeline, {});
      await expectTask(run, "apply", "succeeded");
      const waited = await expectTask(run, "apply-and-wait", "succeeded");
      expect((await logText(t.db, waited.id)).join("\n")).toContain('deployment "api" successfully rolled out');
      expect(await kubectl(["get", "configmap", "api-config", "-n", ns, "-o", "jsonpath={.data.greeting}"])).toBe("hello");
      expect(await imageOf("api")).toBe("registry.example.test/api:1");
    },
    10 * 60_000,
  );
});

describe("deploy credentials in Kubernetes mode", () => {
  it(
    "runs only the deploy task's pod as the project's deploy account with its token; other tasks get none",
    async () => {
      const pipeline = await pipelineIn(
        project.kube,
        [
          sh("build", "echo built"),
          { name: "deploy", template: "helm-deploy", params: { release: "web", chart: "src/chart", namespace: kns } },
        ],
        true,
      );
      await createRun(t.db, pipeline, { params: {} });
      type Job = { metadata: { labels: Record<string, string> }; spec: { template: { spec: Record<string, unknown> } } };
      const jobs = await waitFor(
        "the build and deploy Jobs",
        async () => {
          const list = JSON.parse(await kubectl(["get", "jobs", "-n", kns, "-o", "json"])) as { items: Job[] };
          const byTask = Object.fromEntries(list.items.map((j) => [j.metadata.labels["gantry.dev/task"], j.spec.template.spec]));
          return byTask.build && byTask.deploy ? byTask : null;
        },
        4 * 60_000,
        1000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${op?.output().slice(-3000)}`);
      });
      expect(jobs.deploy).toMatchObject({ serviceAccountName: "deployer", automountServiceAccountToken: true });
      expect(jobs.build.automountServiceAccountToken).toBe(false);
      expect(jobs.build.serviceAccountName).toBeUndefined();
    },
    10 * 60_000,
  );
});
