import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projects } from "@/server/db/schema";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";
import {
  createTestDatabase,
  startRun,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";

/**
 * `builds.privileged` against the real control plane, whose PodSecurity admission is real: a
 * project that allows privileged builds gets a Pod Security `baseline` namespace, and kaniko-build
 * (a template with runAsRoot) runs there as uid 0; a project that does not keeps `restricted`, the
 * same task fails saying how to allow it, and the apiserver itself rejects a root pod there.
 */

let own: Cluster | undefined;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let workDir: string;
let op: OperatorProcess | undefined;
const tag = randomBytes(3).toString("hex");
const privileged = { id: randomUUID(), slug: `kpriv-${tag}` };
const restricted = { id: randomUUID(), slug: `krest-${tag}` };
const nsOf = (p: { slug: string }) => `gantry-${p.slug}`;

/** A bare pod that runs as root: what kaniko's pod needs, judged by the namespace's Pod Security level. */
const rootPod = (ns: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `root-${tag}`, namespace: ns },
    spec: {
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "c", image: "busybox:1.36", command: ["true"], securityContext: { runAsUser: 0, runAsNonRoot: false } }],
    },
  });

const buildTask = {
  name: "image",
  template: "kaniko-build",
  params: { image: "registry.example.test/app:1", context: "." },
};

beforeAll(async () => {
  ({ own, kubectl } = await testCluster("kpriv"));
  t = await createTestDatabase("gantry_kpriv");
  workDir = tempDir("kpriv");
  await t.db.insert(projects).values([
    { ...privileged, name: "privileged", settings: { executor: "kubernetes", builds: { privileged: true } } },
    { ...restricted, name: "restricted", settings: { executor: "kubernetes" } },
  ]);
  op = startKubeOperator({
    databaseUrl: t.url,
    id: "kpriv",
    workspaces: workDir,
    kubeconfig: process.env.KUBECONFIG ?? own!.kubeconfig,
    namespace: `kpriv-${randomBytes(2).toString("hex")}`,
    env: { GANTRY_PROJECT_NAMESPACE_SYNC_SECONDS: "1" },
  });
  for (const p of [privileged, restricted])
    await waitFor(`the namespace of ${p.slug}`, () => kubectl(["get", "namespace", nsOf(p), "-o", "json"]).catch(() => null), 60_000, 500);
}, 60 * 60_000);

afterAll(async () => {
  await endKubeTest({ operators: [op], kubectl, namespaces: [nsOf(privileged), nsOf(restricted)], db: t, own, dir: workDir });
}, 120_000);

const level = async (p: { slug: string }) =>
  JSON.parse(await kubectl(["get", "namespace", nsOf(p), "-o", "json"])).metadata.labels["pod-security.kubernetes.io/enforce"];

describe("privileged builds", () => {
  it("labels only the privileged project's namespace baseline; the apiserver admits a root pod there and rejects it elsewhere", async () => {
    expect(await level(privileged)).toBe("baseline");
    expect(await level(restricted)).toBe("restricted");
    await kubectl(["create", "-f", "-"], rootPod(nsOf(privileged)));
    const refused = await kubectl(["create", "-f", "-"], rootPod(nsOf(restricted))).then(
      () => "admitted",
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/violates PodSecurity "restricted:latest"/);
    expect(refused).toMatch(/runAsNonRoot|runAsUser=0/);
  });

  it("runs kaniko-build as uid 0 in a project that allows privileged builds", async () => {
    const runId = await startRun(t.db, [{ name: "build", tasks: [buildTask] }], { projectId: privileged.id });
    await waitForRunEnd(t.db, runId, 90_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${op!.output().slice(-3000)}`);
    });
    const jobs = JSON.parse(await kubectl(["get", "jobs", "-n", nsOf(privileged), "-l", `gantry.dev/run=${runId}`, "-o", "json"]));
    expect(jobs.items, "the build's Job").toHaveLength(1);
    const pod = jobs.items[0].spec.template.spec;
    expect(pod.containers[0].securityContext).toEqual({ runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 });
    // The clone and any sidecar stay restricted: only the builder is root.
    for (const c of pod.initContainers ?? []) expect(c.securityContext.runAsNonRoot).toBe(true);
    // The pod was admitted and created by the Job controller (the namespace enforces baseline).
    const pods = await waitFor(
      "the build's pod",
      async () => {
        const l = JSON.parse(await kubectl(["get", "pods", "-n", nsOf(privileged), "-l", `gantry.dev/run=${runId}`, "-o", "json"]));
        return l.items.length ? l.items : null;
      },
      60_000,
      500,
    );
    expect(pods[0].spec.containers[0].securityContext.runAsUser).toBe(0);
  });

  it("fails kaniko-build in a project that does not allow privileged builds, saying how to allow them", async () => {
    const runId = await startRun(t.db, [{ name: "build", tasks: [buildTask] }], { projectId: restricted.id });
    const run = await waitForRunEnd(t.db, runId, 90_000);
    expect(run.status).toBe("failed");
    expect(taskOf(run, "image").message).toMatch(/does not allow privileged builds.*builds\.privileged/);
    const jobs = JSON.parse(await kubectl(["get", "jobs", "-n", nsOf(restricted), "-l", `gantry.dev/run=${runId}`, "-o", "json"]));
    expect(jobs.items, "no Job for a root task in a restricted project").toHaveLength(0);
  });
});
