import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { projects, taskRuns } from "@/server/db/schema";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import {
  createTestDatabase,
  startRun,
  sh,
  logText,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";
import { endKubeTest, startKubeOperator, testCluster, type Kubectl } from "./kube-helpers";

/**
 * A node lost under a running task (issue 17). When a node goes NotReady, the node lifecycle
 * controller taints it `node.kubernetes.io/not-ready:NoExecute` (or `unreachable`), and the
 * taint-eviction controller deletes the pods that do not tolerate the taint, marking them
 * DisruptionTarget (DeletionByTaintManager). Our Jobs' pods set no tolerations of their own
 * beyond the project's, so the DefaultTolerationSeconds admission gives them 300 s for those two
 * taints: too long for a test, and on a node whose kwok heartbeat still says Ready the lifecycle
 * controller takes those taints off again within seconds. So the test taints a node with a
 * NoExecute taint of its own, which the same controller acts on at once, the same way.
 *
 * The node is the test's own, labelled for its project's node selector and tainted NoSchedule
 * against every other pod, so suites sharing the cluster never see a node tainted under them; it
 * is deleted in afterAll. As on a really lost node, the deleted pod then lingers (nothing stops
 * its container), and the Job starts the next pod only once it has failed; the test plays the
 * kubelet of the returning node for that step, which kwok's stages do not model.
 */

let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: Kubectl;
let t: TestDatabase;
let dir: string;
let op: OperatorProcess | undefined;
const id = randomBytes(3).toString("hex");
const ns = `kevict-${id}`;
const node = `kwok-evict-${id}`;
const TAINT_KEY = "gantry.dev/eviction-test";
const projectId = randomUUID();
// Its tasks run in namespace gantry-<slug>.
const slug = `kev-${id}`;

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("kevict"));
  t = await createTestDatabase("gantry_kevict");
  dir = tempDir("kevict");
  await kubectl(["apply", "-f", "-"], JSON.stringify(nodeManifest()));
  await waitFor(
    `node ${node} to be Ready`,
    async () => (await kubectl(["get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"])).trim() === "True",
    60_000,
    250,
  );
  await t.db.insert(projects).values({
    id: projectId,
    slug,
    name: "eviction",
    settings: {
      nodeSelector: { [TAINT_KEY]: id },
      tolerations: [{ key: TAINT_KEY, operator: "Equal" as const, value: id, effect: "NoSchedule" as const }],
    },
  });
  op = startKubeOperator({ databaseUrl: t.url, id: "kevict", workspaces: dir, kubeconfig, namespace: ns });
}, 60 * 60_000);

afterAll(async () => {
  await kubectl?.(["delete", "node", node, "--wait=false"]).catch(() => {});
  await endKubeTest({ operators: [op], kubectl, namespaces: [ns, `gantry-${slug}`], db: t, own, dir });
}, 120_000);

/** A kwok node only this test's pods go to: labelled for their node selector, tainted NoSchedule for everyone else's. */
function nodeManifest() {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: { "kubernetes.io/hostname": node, "kubernetes.io/os": "linux", type: "kwok", [TAINT_KEY]: id },
    },
    spec: { taints: [{ key: TAINT_KEY, value: id, effect: "NoSchedule" }] },
    status: {
      allocatable: { cpu: "8", memory: "32Gi", pods: "110" },
      capacity: { cpu: "8", memory: "32Gi", pods: "110" },
      phase: "Running",
    },
  };
}

const noExecute = `${TAINT_KEY}=${id}:NoExecute`;

interface Pod {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string };
}

async function podsOf(runId: string): Promise<Pod[]> {
  return (JSON.parse(await kubectl(["get", "pods", "-A", "-l", `gantry.dev/run=${runId}`, "-o", "json"])) as { items: Pod[] }).items;
}

async function taskRunOf(runId: string) {
  const [tr] = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, runId));
  return tr;
}

describe("Kubernetes mode: the node under a running task is lost", () => {
  it(
    "says the pod was evicted from that node and why, not an exit code, and runs the task again once it has stopped",
    async () => {
      // Runs until a fixed time: long enough to be evicted first, while the replacement pod ends at once.
      const until = new Date(Date.now() + 60_000).toISOString();
      const runId = await startRun(t.db, [{ name: "s", tasks: [sh("long", "make", { env: { KWOK_DURATION: until } })] }], { projectId });
      const first = await waitFor(
        `the task's pod to run on ${node}`,
        async () => (await podsOf(runId)).find((p) => p.spec.nodeName === node && p.status.phase === "Running") ?? null,
        30_000,
        250,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${op?.output().slice(-3000)}`);
      });
      const text = `the pod was evicted from node ${node}: DeletionByTaintManager: Taint manager: deleting due to NoExecute taint`;
      await kubectl(["taint", "node", node, noExecute]);
      try {
        const evicted = await waitFor(
          "the task run to say its pod was evicted",
          async () => {
            const tr = await taskRunOf(runId);
            return tr?.message?.includes("evicted") ? tr : null;
          },
          30_000,
          200,
        ).catch(async (e: Error) => {
          const pods = await kubectl(["get", "pods", "-A", "-l", `gantry.dev/run=${runId}`, "-o", "yaml"]);
          throw new Error(`${e.message}\n${JSON.stringify(await taskRunOf(runId))}\n${pods}\n${op?.output().slice(-3000)}`);
        });
        expect([evicted.status, evicted.message]).toEqual(["running", `Evicted: ${text}; starting it again once it has stopped`]);
      } finally {
        await kubectl(["taint", "node", node, `${noExecute}-`]);
      }
      // The node is back and its kubelet stops the deleted pod's container (kwok's stages do not
      // play that part): the pod fails, as a killed container does, and the Job starts the next pod.
      const killed = {
        status: {
          phase: "Failed",
          containerStatuses: [
            {
              name: "main",
              image: "debian:bookworm-slim",
              imageID: "",
              ready: false,
              restartCount: 0,
              state: {
                terminated: {
                  exitCode: 137,
                  reason: "Error",
                  finishedAt: new Date().toISOString(),
                },
              },
            },
          ],
        },
      };
      const [gone] = (await podsOf(runId)).filter((p) => p.metadata.name === first.metadata.name);
      expect(gone?.metadata.deletionTimestamp, "the evicted pod, deleted but not yet stopped").toBeDefined();
      await kubectl([
        "patch",
        "pod",
        gone.metadata.name,
        "-n",
        gone.metadata.namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        JSON.stringify(killed),
      ]);

      const view = await waitForRunEnd(t.db, runId, 90_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${op?.output().slice(-3000)}`);
      });
      const task = taskOf(view, "long");
      expect(`${view.status}: ${task.message ?? ""}`).toBe("succeeded: ");
      expect(task.attempt, "an eviction does not use up a retry: the same attempt, a second pod").toBe(1);
      const done = (await podsOf(runId)).filter((p) => p.status.phase === "Succeeded").map((p) => p.metadata.name);
      expect(done, "one pod succeeded, and not the evicted one").toHaveLength(1);
      expect(done).not.toContain(first.metadata.name);
      expect((await logText(t.db, task.id)).join("\n"), "the task's log keeps why its first pod stopped").toContain(`Evicted: ${text}`);
    },
    4 * 60_000,
  );
});
