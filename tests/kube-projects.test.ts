import { randomBytes, randomUUID } from "node:crypto";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projects, taskRuns } from "@/server/db/schema";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import {
  createTestDatabase,
  logText,
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
 * Project ↔ namespace against the real test control plane: an operator in Kubernetes mode applies
 * each project's namespace with the ResourceQuota and LimitRange of its settings, and a settings
 * change reaches the cluster at the next sync, without a restart; each project's tasks run in its
 * namespace, placed by its settings, or as local processes when the project says so.
 */

let own: Cluster | undefined;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const slug = `kp-${randomBytes(3).toString("hex")}`;
const ns = `gantry-${slug}`;
/** A project placing its build pods, in a namespace of its own choosing. */
const placedNs = `kplace-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  ({ own, kubectl } = await testCluster("kp"));
  t = await createTestDatabase("gantry_kproj");
  workDir = tempDir("kproj");
}, 60 * 60_000);

afterAll(async () => {
  await kubectl?.(["delete", "priorityclass", placedNs, "--wait=false"]).catch(() => {});
  await endKubeTest({ operators: [op], kubectl, namespaces: [ns, placedNs], db: t, own, dir: workDir });
}, 120_000);

const get = async (kind: string, name: string) => JSON.parse(await kubectl(["get", kind, name, "-n", ns, "-o", "json"]));

describe("project namespaces", () => {
  it("applies each project's namespace with its quota and container defaults, and follows changes", async () => {
    const id = randomUUID();
    await t.db.insert(projects).values({
      id,
      slug,
      name: slug,
      settings: { quota: { cpu: "4", memory: "8Gi", pods: 20 }, limitRange: { defaultCpu: "500m", defaultMemory: "256Mi" } },
    });
    op = startKubeOperator({
      databaseUrl: t.url,
      id: "kproj",
      workspaces: workDir,
      kubeconfig: process.env.KUBECONFIG ?? own!.kubeconfig,
      namespace: `kproj-${randomBytes(2).toString("hex")}`,
      env: { GANTRY_PROJECT_NAMESPACE_SYNC_SECONDS: "1" },
    });
    const quota = await waitFor(
      "the project's ResourceQuota",
      () => get("resourcequota", "gantry-quota").catch(() => null),
      60_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${op!.output().slice(-3000)}`);
    });
    expect(quota.spec.hard).toEqual({ "requests.cpu": "4", "requests.memory": "8Gi", pods: "20" });
    const namespace = JSON.parse(await kubectl(["get", "namespace", ns, "-o", "json"]));
    expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const limits = await get("limitrange", "gantry-limits");
    expect(limits.spec.limits[0]).toMatchObject({ type: "Container", default: { cpu: "500m", memory: "256Mi" } });

    await t.db
      .update(projects)
      .set({ settings: { quota: { cpu: "6", pods: 30 } } })
      .where(eq(projects.id, id));
    const changed = await waitFor(
      "the changed quota",
      async () => {
        const q = await get("resourcequota", "gantry-quota");
        return q.spec.hard["requests.cpu"] === "6" ? q : null;
      },
      30_000,
      500,
    );
    expect(changed.spec.hard.pods).toBe("30");
  });
});

describe("project placement", () => {
  it("runs a project's tasks in its namespace with its node selector, affinity, tolerations and service account", async () => {
    expect(op, "the operator of the previous test").toBeDefined();
    const id = randomUUID();
    const placement = {
      namespace: placedNs,
      nodeSelector: { type: "kwok" },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }],
          },
        },
      },
      tolerations: [{ key: "dedicated", operator: "Equal" as const, value: "ci", effect: "NoSchedule" as const }],
      serviceAccount: "builder",
      priorityClassName: placedNs,
    };
    await t.db.insert(projects).values({ id, slug: `kpl-${randomBytes(2).toString("hex")}`, name: "placed", settings: placement });
    // The account the project names is the cluster administrator's to make.
    await kubectl(["create", "namespace", placedNs]);
    await kubectl(["create", "serviceaccount", "builder", "-n", placedNs]);
    await kubectl(["create", "priorityclass", placedNs, "--value=1000"]);

    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("compile", "echo compiled")] }], { projectId: id });
    const run = await waitForRunEnd(t.db, runId, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${op!.output().slice(-3000)}`);
    });
    expect(run.status, taskOf(run, "compile").message ?? "").toBe("succeeded");
    const [tr] = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, runId));
    expect(tr.executorRef).toMatch(new RegExp(`^k8s:${placedNs}/gantry-`));

    const jobs = JSON.parse(await kubectl(["get", "jobs", "-n", placedNs, "-l", `gantry.dev/run=${runId}`, "-o", "json"]));
    expect(jobs.items, "the run's Job, in the project's namespace").toHaveLength(1);
    const pod = jobs.items[0].spec.template.spec;
    expect(pod.nodeSelector).toEqual({ type: "kwok" });
    expect(pod.affinity).toEqual(placement.affinity);
    expect(pod.tolerations).toEqual(placement.tolerations);
    expect(pod.serviceAccountName).toBe("builder");
    expect(pod.priorityClassName).toBe(placedNs);
    // A named account still gets no API token unless the template asks.
    expect(pod.automountServiceAccountToken).toBe(false);
    const elsewhere = JSON.parse(await kubectl(["get", "jobs", "-A", "-l", `gantry.dev/run=${runId}`, "-o", "json"]));
    expect(elsewhere.items.map((j: { metadata: { namespace: string } }) => j.metadata.namespace)).toEqual([placedNs]);
  });

  it("runs the tasks of a project set to the local executor as local processes, beside Kubernetes ones", async () => {
    const id = randomUUID();
    await t.db
      .insert(projects)
      .values({ id, slug: `kloc-${randomBytes(2).toString("hex")}`, name: "local", settings: { executor: "local" } });
    const runId = await startRun(t.db, [{ name: "build", tasks: [sh("here", "echo ran-on-$(hostname)-as-process")] }], { projectId: id });
    const run = await waitForRunEnd(t.db, runId, 60_000);
    expect(run.status, taskOf(run, "here").message ?? "").toBe("succeeded");
    const [tr] = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, runId));
    expect(tr.executorRef).toMatch(/^local:/);
    expect((await logText(t.db, tr.id, "out")).join("\n")).toMatch(/ran-on-.*-as-process/);
    const jobs = JSON.parse(await kubectl(["get", "buildjobs", "-A", "-l", `gantry.dev/run=${runId}`, "-o", "json"]));
    expect(jobs.items, "no BuildJob for a local project's task").toHaveLength(0);
  });

  it("gives a task its resources and envFrom, or runs its raw JobSpec, from the task's kubernetes block", async () => {
    const id = randomUUID();
    const kslug = `kraw-${randomBytes(2).toString("hex")}`;
    await t.db.insert(projects).values({ id, slug: kslug, name: "raw", settings: { executor: "kubernetes" } });
    // Raw, but it must still pass the namespace's Pod Security "restricted" profile.
    const jobSpec = {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "own",
              image: "busybox:1.36",
              command: ["echo", "my own pod"],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    };
    const runId = await startRun(
      t.db,
      [
        {
          name: "build",
          mode: "parallel",
          tasks: [
            sh("configured", "env", {
              kubernetes: {
                resources: { requests: { cpu: "250m" }, limits: { memory: "512Mi" } },
                envFrom: [{ configMap: "app-config", prefix: "APP_", optional: true }],
              },
            }),
            sh("raw", "true", { kubernetes: { jobSpec } }),
          ],
        },
      ],
      { projectId: id },
    );
    const run = await waitForRunEnd(t.db, runId, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${op!.output().slice(-3000)}`);
    });
    expect(run.status, `${taskOf(run, "configured").message} / ${taskOf(run, "raw").message}`).toBe("succeeded");
    const jobs = JSON.parse(await kubectl(["get", "jobs", "-n", `gantry-${kslug}`, "-l", `gantry.dev/run=${runId}`, "-o", "json"]));
    const byTask = new Map(
      jobs.items.map((j: { metadata: { labels: Record<string, string> } }) => [j.metadata.labels["gantry.dev/task"], j]),
    );
    const configured = (
      byTask.get("configured") as { spec: { template: { spec: { containers: { env: unknown; envFrom: unknown; resources: unknown }[] } } } }
    ).spec.template.spec.containers[0];
    expect(configured.envFrom).toEqual([{ prefix: "APP_", configMapRef: { name: "app-config", optional: true } }]);
    expect(configured.resources).toEqual({ requests: { cpu: "250m" }, limits: { memory: "512Mi" } });
    const raw = (byTask.get("raw") as { spec: { template: { spec: { containers: unknown[] } } } }).spec.template.spec;
    expect(raw.containers).toEqual([expect.objectContaining({ name: "own", image: "busybox:1.36", command: ["echo", "my own pod"] })]);
  }, 120_000);
});
