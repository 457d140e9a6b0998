import { randomBytes } from "node:crypto";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runs, taskRuns } from "@/server/db/schema";
import { compileTask } from "@/server/runs/compile";
import { getRunView } from "@/server/runs/queries";
import { getTemplate } from "@/server/templates/catalog";
import { createTemplate, parseTemplateDefinition } from "@/server/templates/manage";
import { cancelRun } from "@/server/runs/cancel-run";
import { criLine, podLogsManifest } from "../scripts/lib/cluster/fixtures";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import {
  createTestDatabase,
  logLines,
  sh,
  startRun,
  startRunWithPlans,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  waitForTask,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";

/**
 * The Kubernetes executor against a real control plane (docs/kubernetes-test-cluster.md): the
 * operator entrypoint in Kubernetes mode, a real apiserver, Job controller and scheduler, kwok
 * playing the kubelet. Task env KWOK_DURATION / KWOK_EXIT_CODE become kwok's pod annotations
 * (GANTRY_POD_ANNOTATIONS_FROM_ENV), so a task chooses how its pod ends.
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let logDir: string;
const ns = `kexec-${randomBytes(3).toString("hex")}`;
const started: OperatorProcess[] = [];

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("kexec"));
  t = await createTestDatabase("gantry_kube");
  logDir = tempDir("kube-logs");
}, 60 * 60_000);

afterAll(() => endKubeTest({ operators: started.splice(0), kubectl, namespaces: [ns], db: t, own, dir: logDir }), 120_000);

function operator(id: string, env: Record<string, string> = {}): OperatorProcess {
  const op = startKubeOperator({ databaseUrl: t.url, id, workspaces: logDir, kubeconfig, namespace: ns, env });
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

const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, "-n", ns, "-o", "json"])) as T;
type Obj = {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: any;
  status?: any;
};

/**
 * Writes of the kinds the operator makes (BuildJobs and their status, Jobs, Secrets, PVCs), from
 * the apiserver's own counters. The Job controller's writes (pods, jobs/status) and the leader
 * lease's renewals (a cost per operator, not per task run) are not counted.
 */
async function operatorWrites(): Promise<Record<string, number>> {
  const text = await kubectl(["get", "--raw", "/metrics"]);
  const n: Record<string, number> = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const label = (k: string) => new RegExp(`[{,]${k}="([^"]*)"`).exec(line)?.[1] ?? "";
    if (!["POST", "PUT", "PATCH", "DELETE", "APPLY"].includes(label("verb"))) continue;
    const r = label("resource");
    const sub = label("subresource");
    const ours = r === "buildjobs" || (r === "jobs" && sub === "") || r === "secrets" || r === "persistentvolumeclaims";
    const key = `${label("verb")} ${r}${sub ? `/${sub}` : ""} ${label("code")}`;
    if (ours) n[key] = (n[key] ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return n;
}

async function taskRunOfId(runId: string, name: string) {
  return taskOf(await getRunView(t.db, runId), name);
}

async function jobsOfTaskRun(taskRunId: string): Promise<Obj[]> {
  return (await json<{ items: Obj[] }>(["get", "jobs", "-l", `gantry.dev/task-run=${taskRunId}`])).items;
}

describe("Kubernetes executor on a real control plane", () => {
  let op: OperatorProcess;

  it("installs the BuildJob CRD on start, which rejects an invalid BuildJob", async () => {
    op = operator("kube-a");
    await ready(op);
    const crd = JSON.parse(await kubectl(["get", "crd", "buildjobs.gantry.dev", "-o", "json"]));
    expect(crd.spec.names.shortNames).toContain("bj");
    const bad = {
      apiVersion: "gantry.dev/v1alpha1",
      kind: "BuildJob",
      metadata: { name: "bad", namespace: ns },
      spec: { taskRunId: "x", attempt: 0 },
    };
    const err = await kubectl(["create", "-f", "-"], JSON.stringify(bad)).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(err).toMatch(/spec\.attempt|spec\.plan|Invalid value|Required value/);
  }, 120_000);

  it("runs a task as a Job owned by its BuildJob (labels, restricted security context, deadline) and succeeds", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const runId = await startRun(t.db, [
      { name: "build", tasks: [sh("compile", "make", { timeoutSeconds: 120, env: { KWOK_DURATION: "2s" } })] },
    ]);
    const run = await waitForRunEnd(t.db, runId, 60_000);
    const task = taskOf(run, "compile");
    expect(run.status, task.message ?? "").toBe("succeeded");
    expect(task.exitCode).toBe(0);

    const [job] = await jobsOfTaskRun(task.id);
    expect(job, "one Job for the task run").toBeDefined();
    const owner = job.metadata.ownerReferences?.find((o) => o.controller);
    expect(owner?.kind).toBe("BuildJob");
    const bj = await json<Obj>(["get", "buildjob", owner!.name]);
    expect(owner?.uid).toBe(bj.metadata.uid);
    expect(bj.status.phase).toBe("Succeeded");
    expect(bj.status.jobName).toBe(job.metadata.name);
    expect(job.metadata.labels).toMatchObject({
      "gantry.dev/run": runId,
      "gantry.dev/task-run": task.id,
      "app.kubernetes.io/managed-by": "gantry",
    });
    expect(job.spec.activeDeadlineSeconds).toBe(120);
    expect(job.spec.backoffLimit).toBe(0);
    const pod = job.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0]).toMatchObject({
      name: "main",
      image: "debian:bookworm-slim",
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    // The task's argv after the metrics wrapper, run by the task's own shell (job-spec.ts).
    expect(pod.containers[0].command.slice(0, 2)).toEqual(["bash", "-c"]);
    expect(pod.containers[0].command.slice(3)).toEqual(["gantry-task", "bash", "-eo", "pipefail", "-c", "make"]);
    expect(pod.containers[0].env).toContainEqual({ name: "GANTRY_METRICS_FILE", value: "/home/gantry/.gantry-metrics.prom" });
  }, 120_000);

  it("runs a template's sidecar as a native sidecar, keeps secret params in an owned Secret, and logs every container and the pod's events", async () => {
    op ??= operator("kube-a");
    await ready(op);
    // Pipelines are still checked against the local executor when saved (server/pipelines/validate.ts):
    // the run is made from the template's real plan directly.
    // A template of its own with an upload sidecar (the built-in artifact-upload uploads from the task itself now).
    const name = `sidecar-upload-${randomBytes(3).toString("hex")}`;
    await createTemplate(
      t.db,
      parseTemplateDefinition({
        name,
        title: "Upload on finish",
        category: "test",
        image: "alpine:3",
        command: ["sh", "-c", "true"],
        sidecars: [
          { name: "upload", role: "upload", image: "curlimages/curl:8.11.1", preStop: ["sh", "-c", "true"], gracePeriodSeconds: 60 },
        ],
        paramsSchema: { type: "object", properties: {} },
        local: { supported: false, reason: "a sidecar" },
      }),
      null,
    );
    const tpl = await getTemplate(t.db, name);
    const plan = compileTask(
      {
        name: "upload",
        template: tpl.name,
        params: {},
        env: { KWOK_DURATION: "2s" },
        retries: 0,
      },
      tpl,
      "task",
    );
    const runId = await startRunWithPlans(t.db, [{ name: "upload", plan }]);
    await t.db
      .update(runs)
      .set({ params: { TOKEN: "s3cr3t-value" }, secretNames: ["TOKEN"] })
      .where(eq(runs.id, runId));
    const run = await waitForRunEnd(t.db, runId, 60_000);
    const task = taskOf(run, "upload");
    expect(task.status, task.message ?? "").toBe("succeeded");
    const [job] = await jobsOfTaskRun(task.id);
    const bjName = job.metadata.ownerReferences![0].name;
    const pod = job.spec.template.spec;
    expect(pod.initContainers[0]).toMatchObject({
      name: "upload",
      restartPolicy: "Always",
      volumeMounts: [{ name: "workspace", readOnly: true }],
    });
    expect(pod.containers[0].env).toContainEqual({
      name: "TOKEN",
      valueFrom: { secretKeyRef: { name: `${bjName}-params`, key: "TOKEN" } },
    });
    const secret = await json<Obj>(["get", "secret", `${bjName}-params`]);
    expect(secret.metadata.ownerReferences?.[0]).toMatchObject({ kind: "BuildJob", name: bjName });
    expect(JSON.stringify(await json<Obj>(["get", "buildjob", bjName]))).not.toContain("s3cr3t-value");
    const lines = await logLines(t.db, task.id);
    // kwok serves a placeholder line for containers without a log file: one per container.
    expect(lines.filter((l) => l.stream === "out").map((l) => l.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\[upload\] kwok:/), expect.stringMatching(/^kwok:/)]),
    );
    expect(
      lines.some((l) => l.stream === "sys" && /Normal Scheduled on pod/.test(l.text)),
      "the pod's Scheduled event is in the log",
    ).toBe(true);
  }, 120_000);

  it("fails a task whose container exits non-zero, with the exit code", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const runId = await startRun(t.db, [{ name: "test", tasks: [sh("unit", "exit 3", { env: { KWOK_EXIT_CODE: "3" } })] }]);
    const run = await waitForRunEnd(t.db, runId, 60_000);
    const task = taskOf(run, "unit");
    expect(run.status).toBe("failed");
    expect(task.status).toBe("failed");
    expect(task.exitCode).toBe(3);
    expect(task.message).toMatch(/exit code 3/);
  }, 120_000);

  it("fails a task that runs past its timeout (the Job's deadline)", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const runId = await startRun(t.db, [
      { name: "test", tasks: [sh("slow", "sleep 1000", { timeoutSeconds: 3, env: { KWOK_DURATION: "1h" } })] },
    ]);
    const run = await waitForRunEnd(t.db, runId, 90_000);
    const task = taskOf(run, "slow");
    expect(task.status).toBe("failed");
    expect(task.message).toMatch(/timed out after 3s/);
  }, 120_000);

  it("cancel deletes the Job and the task ends cancelled", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const runId = await startRun(t.db, [{ name: "test", tasks: [sh("long", "sleep 1000", { env: { KWOK_DURATION: "1h" } })] }]);
    const tr = await waitForTask(t.db, runId, "long", "running", 30_000);
    await waitFor("the Job", async () => (await jobsOfTaskRun(tr.id)).length === 1, 30_000, 250);
    await cancelRun(t.db, runId, "alice");
    const run = await waitForRunEnd(t.db, runId, 60_000);
    expect(run.status).toBe("cancelled");
    expect(taskOf(run, "long").status).toBe("cancelled");
    await waitFor("the Job to be deleted", async () => (await jobsOfTaskRun(tr.id)).length === 0, 60_000, 250);
    const bjs = (await json<{ items: Obj[] }>(["get", "buildjobs", "-l", `gantry.dev/task-run=${tr.id}`])).items;
    expect(bjs.map((b) => b.status?.phase)).toEqual(["Cancelled"]);
  }, 120_000);

  it("stores the pod's log lines in order, the ones written after it started too", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const file = path.join(logDir, "main.log");
    const base = Date.now() - 30_000;
    const lines = Array.from({ length: 50 }, (_, i) => `line ${String(i).padStart(2, "0")}`);
    // Several lines per second: resuming at second precision must neither drop nor repeat them.
    writeFileSync(file, lines.map((l, i) => criLine(l, new Date(base + i * 100))).join(""));
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("logs", "echo", { env: { KWOK_DURATION: "6s" } })] }]);
    const tr = await waitForTask(t.db, runId, "logs", "running", 30_000);
    // kwok serves a pod's log from the Logs object named after it, which can only exist once the
    // pod does: until then the pod's log is kwok's placeholder line.
    const pod = await waitFor(
      "the pod",
      async () => (await json<{ items: Obj[] }>(["get", "pods", "-l", `gantry.dev/task-run=${tr.id}`])).items[0]?.metadata.name,
      30_000,
      200,
    );
    await kubectl(["apply", "-f", "-"], JSON.stringify(podLogsManifest(ns, pod, [{ containers: ["main"], file }])));
    const run = await waitForRunEnd(t.db, runId, 60_000);
    const task = taskOf(run, "logs");
    expect(task.status).toBe("succeeded");
    const out = (await logLines(t.db, task.id)).filter((l) => l.stream === "out" && !l.text.startsWith("kwok:")).map((l) => l.text);
    expect(out).toEqual(lines);
  }, 120_000);

  it("runs sequential and parallel stages in order, with at most 4 API writes per task run", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const before = await operatorWrites();
    const runId = await startRun(t.db, [
      { name: "build", tasks: [sh("compile", "make", { env: { KWOK_DURATION: "2s" } })] },
      { name: "test", mode: "parallel", tasks: [sh("unit", "make test"), sh("lint", "make lint"), sh("e2e", "make e2e")] },
    ]);
    const run = await waitForRunEnd(t.db, runId, 90_000);
    expect(run.status).toBe("succeeded");
    const tasks = run.stages.flatMap((st) => st.tasks);
    const compile = taskOf(run, "compile");
    for (const name of ["unit", "lint", "e2e"]) {
      // A later stage starts only after the stage before it has succeeded.
      expect(new Date(taskOf(run, name).startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(compile.finishedAt!).getTime());
    }
    const after = await operatorWrites();
    const delta = Object.fromEntries(
      Object.entries(after)
        .map(([k, v]) => [k, v - (before[k] ?? 0)])
        .filter(([, v]) => v),
    );
    const writes = (Object.values(delta) as number[]).reduce((a, b) => a + b, 0);
    expect(writes, `API writes for ${tasks.length} task runs: ${JSON.stringify(delta)}`).toBeLessThanOrEqual(4 * tasks.length);
    expect(writes).toBeGreaterThanOrEqual(3 * tasks.length); // BuildJob, Job, final status at least
  }, 150_000);

  it("retries a failing task through the Job's backoffLimit and says how many attempts failed", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const runId = await startRun(t.db, [{ name: "test", tasks: [sh("flaky", "exit 2", { retries: 1, env: { KWOK_EXIT_CODE: "2" } })] }]);
    const run = await waitForRunEnd(t.db, runId, 90_000);
    const task = taskOf(run, "flaky");
    expect(task.status).toBe("failed");
    expect(task.exitCode).toBe(2);
    expect(task.message).toMatch(/exit code 2 \(2 attempts\)/);
    const [job] = await jobsOfTaskRun(task.id);
    expect(job.spec.backoffLimit).toBe(1);
    expect(job.status.failed).toBe(2);
  }, 150_000);

  it("prunes a finished BuildJob after the retention period, its Job with it; the history stays in MySQL", async () => {
    if (op) {
      op.kill9();
      await op.exited;
      started.splice(started.indexOf(op), 1);
    }
    const pruner = operator("kube-a", { GANTRY_BUILDJOB_RETENTION_SECONDS: "2" });
    await ready(pruner);
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("short-lived", "true")] }]);
    const run = await waitForRunEnd(t.db, runId, 60_000);
    const task = taskOf(run, "short-lived");
    expect(task.status).toBe("succeeded");
    await waitFor(
      "the BuildJob to be pruned",
      async () => (await json<{ items: Obj[] }>(["get", "buildjobs", "-l", `gantry.dev/task-run=${task.id}`])).items.length === 0,
      30_000,
      500,
    );
    await waitFor("its Job to be collected", async () => (await jobsOfTaskRun(task.id)).length === 0, 60_000, 500);
    expect(taskOf(await waitForRunEnd(t.db, runId), "short-lived").status).toBe("succeeded");
    pruner.kill9();
    await pruner.exited;
    started.splice(started.indexOf(pruner), 1);
    op = operator("kube-a");
  }, 150_000);

  it("applies a project namespace with the restricted Pod Security label, a ResourceQuota and a LimitRange", async () => {
    const { KubeApi } = await import("@/operator/executors/kubernetes/kube-api");
    const { ensureProjectNamespace, QUOTA_NAME, LIMIT_RANGE_NAME } = await import("@/operator/executors/kubernetes/namespaces");
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const project = `kproj-${randomBytes(3).toString("hex")}`;
    const settings = {
      quota: { pods: "20", "requests.cpu": "4" },
      limits: { default: { cpu: "1", memory: "1Gi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } },
    };
    try {
      await ensureProjectNamespace(new KubeApi(kc), project, settings);
      await ensureProjectNamespace(new KubeApi(kc), project, settings); // applying again changes nothing
      const nsObj = JSON.parse(await kubectl(["get", "namespace", project, "-o", "json"]));
      expect(nsObj.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      const quota = JSON.parse(await kubectl(["get", "resourcequota", QUOTA_NAME, "-n", project, "-o", "json"]));
      expect(quota.spec.hard).toEqual({ pods: "20", "requests.cpu": "4" });
      const lr = JSON.parse(await kubectl(["get", "limitrange", LIMIT_RANGE_NAME, "-n", project, "-o", "json"]));
      expect(lr.spec.limits[0]).toMatchObject({ type: "Container", default: { cpu: "1", memory: "1Gi" } });
    } finally {
      await kubectl(["delete", "namespace", project, "--wait=false"]).catch(() => {});
    }
  }, 60_000);

  it("resumes a pod's log after its stream is cut, without losing or repeating a line", async () => {
    const { KubeApi } = await import("@/operator/executors/kubernetes/kube-api");
    const { PodLogs } = await import("@/operator/executors/kubernetes/log-follower");
    const { KubeConfig } = await import("@kubernetes/client-node");
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const api = new KubeApi(kc);
    const name = `cut-${randomBytes(3).toString("hex")}`;
    const file = path.join(logDir, `${name}.log`);
    const base = Date.now() - 30_000;
    // Ten lines per second: a resume at second precision gets some of them twice from the API.
    const lines = Array.from({ length: 40 }, (_, i) => `cut line ${String(i).padStart(2, "0")}`);
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
        void json<any>(["get", "pod", name]).then(
          (p) => (pod = p),
          () => {},
        ),
      200,
    );
    try {
      await waitFor("the pod to run", async () => pod?.status?.containerStatuses?.[0]?.state?.running, 30_000, 100);
      // The first two streams are cut after a few lines each, as a dropped connection would.
      let cuts = 0;
      const cutting = {
        stream: async (p: string, q: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) => {
          const res = await api.stream(p, q, signal);
          if (cuts < 2) {
            cuts++;
            let seen = 0;
            res.on("data", (d: Buffer) => {
              seen += d.toString().split("\n").length - 1;
              if (seen >= 7) res.destroy(new Error("connection reset (test)"));
            });
          }
          return res;
        },
      };
      const got: string[] = [];
      const sink = {
        write: (_s: "out" | "err", d: Buffer | string) => got.push(...String(d).split("\n").filter(Boolean)),
        system: () => {},
        full: false,
        waitForRoom: async () => {},
      };
      const logs = new PodLogs(name, { api: cutting, namespace: ns, sink: sink as any, pod: () => pod });
      const timer = setInterval(() => logs.poke(), 200);
      logs.poke();
      await waitFor("the container to end", async () => pod?.status?.containerStatuses?.[0]?.state?.terminated, 30_000, 100);
      await logs.done();
      clearInterval(timer);
      expect(cuts).toBe(2);
      expect(got).toEqual(lines);
    } finally {
      clearInterval(poll);
      await kubectl(["delete", "pod", name, "-n", ns, "--wait=false"]).catch(() => {});
    }
  }, 90_000);

  it("says why a task cannot start when the namespace's quota refuses its pod, and can still be cancelled", async () => {
    op ??= operator("kube-a");
    await ready(op);
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "no-pods", namespace: ns },
        spec: { hard: { pods: "0" } },
      }),
    );
    try {
      const runId = await startRun(t.db, [{ name: "test", tasks: [sh("blocked", "make")] }]);
      const tr = await waitForTask(t.db, runId, "blocked", "running", 30_000);
      const line = await waitFor(
        "the reason in the task's log",
        async () => (await logLines(t.db, tr.id)).find((l) => l.stream === "sys" && /^FailedCreate: /.test(l.text)),
        60_000,
        250,
      );
      expect(line.text).toMatch(/exceeded quota/);
      // The task run itself says why it is not running yet.
      await waitFor(
        "the task's message",
        async () => /^FailedCreate: .*exceeded quota/.test((await taskRunOfId(runId, "blocked")).message ?? ""),
        10_000,
        200,
      );
      const bj = (await json<{ items: Obj[] }>(["get", "buildjobs", "-l", `gantry.dev/task-run=${tr.id}`])).items[0];
      expect(bj.status.phase).toBe("Pending");
      await cancelRun(t.db, runId, "alice");
      expect(taskOf(await waitForRunEnd(t.db, runId, 60_000), "blocked").status).toBe("cancelled");
    } finally {
      await kubectl(["delete", "resourcequota", "no-pods", "-n", ns, "--ignore-not-found"]);
    }
  }, 150_000);

  it("shares a PVC workspace between the tasks of a run when the cluster can bind one", async () => {
    if (op) {
      op.kill9();
      await op.exited;
      started.splice(started.indexOf(op), 1);
    }
    // kwok has no provisioner: a static volume of our own class for the claim to bind to.
    const pv = `${ns}-ws`;
    await kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: pv },
        spec: {
          storageClassName: `${ns}-manual`,
          capacity: { storage: "1Gi" },
          accessModes: ["ReadWriteOnce"],
          hostPath: { path: `/tmp/${pv}` },
        },
      }),
    );
    const pvcOp = operator("kube-a", { GANTRY_KUBE_WORKSPACE: "pvc", GANTRY_KUBE_STORAGE_CLASS: `${ns}-manual` });
    try {
      await ready(pvcOp);
      const runId = await startRun(t.db, [
        { name: "build", tasks: [sh("compile", "make")] },
        { name: "test", tasks: [sh("unit", "make test")] },
      ]);
      const run = await waitForRunEnd(t.db, runId, 90_000);
      expect(run.status, JSON.stringify(run.stages.flatMap((st) => st.tasks.map((x) => x.message)))).toBe("succeeded");
      const claims = (await json<{ items: Obj[] }>(["get", "pvc", "-l", `gantry.dev/run=${runId}`])).items;
      expect(claims).toHaveLength(1);
      expect(claims[0].spec.storageClassName).toBe(`${ns}-manual`);
      for (const name of ["compile", "unit"]) {
        const [job] = await jobsOfTaskRun(taskOf(run, name).id);
        expect(job.spec.template.spec.volumes).toContainEqual({
          name: "workspace",
          persistentVolumeClaim: { claimName: claims[0].metadata.name },
        });
      }
    } finally {
      pvcOp.kill9();
      await pvcOp.exited;
      started.splice(started.indexOf(pvcOp), 1);
      op = operator("kube-a");
      await kubectl(["delete", "pv", pv, "--wait=false", "--ignore-not-found"]).catch(() => {});
    }
  }, 180_000);

  it("an operator killed mid-run re-attaches after its restart: the task finishes, with one Job", async () => {
    op ??= operator("kube-a");
    await ready(op);
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("survivor", "make", { env: { KWOK_DURATION: "10s" } })] }]);
    const tr = await waitForTask(t.db, runId, "survivor", "running", 30_000);
    await waitFor(
      "the executor ref",
      async () => (await t.db.select().from(taskRuns).where(eq(taskRuns.id, tr.id)))[0]?.executorRef?.startsWith("k8s:"),
      30_000,
      100,
    );
    await waitFor("the Job", async () => (await jobsOfTaskRun(tr.id)).length === 1, 30_000, 250);
    op.kill9();
    await op.exited;
    started.splice(started.indexOf(op), 1);
    op = operator("kube-a");
    await ready(op);
    const run = await waitForRunEnd(t.db, runId, 60_000);
    expect(taskOf(run, "survivor").status, taskOf(run, "survivor").message ?? "").toBe("succeeded");
    expect(await jobsOfTaskRun(tr.id)).toHaveLength(1);
    expect(op.output()).toContain("re-attaching");
  }, 180_000);

  it("two replicas: one holds the lease; when it is killed the other takes over and runs go on", async () => {
    for (const o of started.splice(0)) {
      o.kill9();
      await o.exited;
    }
    // A dead replica's lease runs out after its duration: release it between tests.
    await kubectl(["delete", "lease", "gantry-operator", "-n", ns, "--ignore-not-found"]);
    const a = operator("kube-r1");
    const b = operator("kube-r2");
    await Promise.all([ready(a), ready(b)]);
    const holder = async () => (await json<Obj>(["get", "lease", "gantry-operator"])).spec?.holderIdentity as string | undefined;
    const first = await waitFor("a leader", holder, 30_000, 250);
    const [leader, other] = first.startsWith("kube-r1") ? [a, b] : [b, a];
    const r1 = await startRun(t.db, [{ name: "s", tasks: [sh("one", "true")] }]);
    expect((await waitForRunEnd(t.db, r1, 60_000)).status).toBe("succeeded");

    leader.kill9();
    await leader.exited;
    started.splice(started.indexOf(leader), 1);
    const next = await waitFor(
      "another leader",
      async () => {
        const h = await holder();
        return h && h !== first ? h : null;
      },
      60_000,
      500,
    );
    expect(next.startsWith(first.startsWith("kube-r1") ? "kube-r2" : "kube-r1")).toBe(true);
    const r2 = await startRun(t.db, [{ name: "s", tasks: [sh("two", "true")] }]);
    expect((await waitForRunEnd(t.db, r2, 60_000)).status).toBe("succeeded");
    expect(other.child.exitCode).toBeNull();
  }, 180_000);
});
