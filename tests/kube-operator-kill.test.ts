import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeApi } from "@/operator/executors/kubernetes/kube-api";
import { LABEL } from "@/operator/executors/kubernetes/names";
import { eq } from "drizzle-orm";
import { taskRuns } from "@/server/db/schema";
import { getRunView, type RunView } from "@/server/runs/queries";
import { createRun } from "@/server/runs/create-run";
import type { Cluster } from "../scripts/lib/cluster/lifecycle";
import { watch } from "../bench/lib/kube-bench";
import {
  createTestDatabase,
  createTestPipeline,
  sh,
  tempDir,
  waitFor,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";
import { endKubeTest, startKubeOperator, testCluster } from "./kube-helpers";

/**
 * Kubernetes mode, two operator replicas, a burst of runs, and the leading operator SIGKILLed
 * twice in the middle of it (restarted with the same id each time, as its Deployment would):
 * every run still finishes, once, and no task run ever gets a second Job. Jobs are counted from a
 * watch of the namespace (by uid), so a Job deleted and made again would count twice too.
 * (`npm run bench:chaos` does the same with 1,000 runs and a kill every 30 s, and times the resumes.)
 */

const RUNS = 60;
const KILLS = 2;
let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let dir: string;
const ns = `kkill-${randomBytes(3).toString("hex")}`;
const started: OperatorProcess[] = [];
const stopWatch = new AbortController();

beforeAll(async () => {
  ({ own, kubeconfig, kubectl } = await testCluster("kkill"));
  t = await createTestDatabase("gantry_kkill");
  dir = tempDir("kkill");
}, 60 * 60_000);

afterAll(async () => {
  stopWatch.abort();
  await endKubeTest({ operators: started.splice(0), kubectl, namespaces: [ns], db: t, own, dir });
}, 120_000);

function operator(id: string): OperatorProcess {
  const op = startKubeOperator({
    databaseUrl: t.url,
    id,
    workspaces: dir,
    kubeconfig,
    namespace: ns,
    // Few tasks at once, so the burst outlasts two kills and restarts.
    env: { GANTRY_OPERATOR_STALE_SECONDS: "5", GANTRY_CONCURRENCY: "4" },
  });
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

describe("Kubernetes mode: the leading operator SIGKILLed during a burst", () => {
  it(
    "every run finishes once, and no task run gets a second Job",
    async () => {
      const ops = new Map<string, OperatorProcess>([
        ["kkill-a", operator("kkill-a")],
        ["kkill-b", operator("kkill-b")],
      ]);
      await Promise.all([...ops.values()].map(ready));

      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const api = new KubeApi(kc);
      const jobUids = new Map<string, Set<string>>();
      void watch(api, `/apis/batch/v1/namespaces/${ns}/jobs`, stopWatch.signal, (type, o) => {
        const tr = o.metadata?.labels?.[LABEL.taskRun];
        const uid = (o.metadata as { uid?: string } | undefined)?.uid;
        if (type !== "ADDED" || !tr || !uid) return;
        jobUids.set(tr, (jobUids.get(tr) ?? new Set()).add(uid));
      });

      const pipelineId = await createTestPipeline(t.db, [{ name: "s", tasks: [sh("t", "make", { env: { KWOK_DURATION: "3s" } })] }]);
      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) runIds.push((await createRun(t.db, pipelineId, {})).id);
      const views = () => Promise.all(runIds.map((id) => getRunView(t.db, id)));
      const ended = (vs: RunView[]) => vs.filter((v) => ["succeeded", "failed", "cancelled"].includes(v.status)).length;

      for (let k = 1; k <= KILLS; k++) {
        await waitFor(
          `${Math.round((k * RUNS) / (KILLS + 2))} runs to end`,
          async () => ended(await views()) >= (k * RUNS) / (KILLS + 2),
          240_000,
          500,
        );
        const holder = JSON.parse(await kubectl(["get", "lease", "gantry-operator", "-n", ns, "-o", "json"])) as {
          spec: { holderIdentity?: string };
        };
        const leaderId = [...ops.keys()].find((id) => holder.spec.holderIdentity?.startsWith(`${id}-`));
        expect(leaderId, `a leader among the operators (the Lease says ${holder.spec.holderIdentity})`).toBeDefined();
        const leader = ops.get(leaderId!)!;
        expect(ended(await views()), "runs still to finish when the leader is killed").toBeLessThan(RUNS);
        leader.kill9();
        await leader.exited;
        started.splice(started.indexOf(leader), 1);
        // Its Deployment starts it again, under the same id.
        const again = operator(leaderId!);
        ops.set(leaderId!, again);
        await ready(again);
      }

      const final = await waitFor(
        "every run to end",
        async () => {
          const vs = await views();
          return ended(vs) === RUNS ? vs : null;
        },
        300_000,
        1000,
      );
      const tasks = final.flatMap((v) => v.stages.flatMap((s) => s.tasks));
      expect(
        tasks.filter((x) => x.status !== "succeeded").map((x) => `${x.id}: ${x.status} ${x.message ?? ""}`),
        "every task succeeds",
      ).toEqual([]);
      await waitFor("the watch to have seen every Job", async () => tasks.every((x) => jobUids.has(x.id)), 30_000, 200);
      expect(
        [...jobUids].filter(([, uids]) => uids.size > 1).map(([tr, uids]) => `${tr}: ${uids.size} Jobs`),
        "task runs with more than one Job",
      ).toEqual([]);
      expect(
        tasks.filter((x) => x.attempt !== 1).map((x) => `${x.id}: attempt ${x.attempt}`),
        "task runs started again",
      ).toEqual([]);
    },
    15 * 60_000,
  );

  it(
    "an operator frozen past the stale period lets go of the task the other adopted, and the task still succeeds",
    async () => {
      // The burst's operators stop first: the task must be on one of these two.
      for (const op of started.splice(0)) {
        op.term();
        await op.exited;
      }
      const ids = ["kfreeze-a", "kfreeze-b"];
      const ops = ids.map(operator);
      await Promise.all(ops.map(ready));
      const pipelineId = await createTestPipeline(t.db, [{ name: "s", tasks: [sh("t", "make", { env: { KWOK_DURATION: "25s" } })] }]);
      const { id: runId } = await createRun(t.db, pipelineId, {});
      const owner = await waitFor(
        "the task to run on one of the operators",
        async () => {
          const [tr] = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, runId));
          return tr?.status === "running" && tr.executorRef ? tr : null;
        },
        60_000,
        200,
      );
      const at = ids.indexOf(owner.claimedBy ?? "");
      expect(at, `the task run's owner '${owner.claimedBy}' is one of ${ids.join(", ")}`).toBeGreaterThanOrEqual(0);
      const frozen = ops[at];
      // Frozen, not dead: no heartbeat, so the other presumes it dead and adopts its task run;
      // thawed, it finds the task run owned by the other and must not cancel the BuildJob they share.
      process.kill(-frozen.child.pid!, "SIGSTOP");
      try {
        await waitFor(
          "the other operator to adopt the task run",
          async () => {
            const [tr] = await t.db.select().from(taskRuns).where(eq(taskRuns.id, owner.id));
            return tr.claimedBy !== owner.claimedBy && tr.status === "running";
          },
          60_000,
          250,
        );
      } finally {
        process.kill(-frozen.child.pid!, "SIGCONT");
      }
      const view = await waitForRunEnd(t.db, runId, 120_000);
      const task = view.stages[0].tasks[0];
      expect(`${view.status}: ${task.message ?? ""}`).toBe("succeeded: ");
      expect(task.attempt, "the same attempt, followed by the other operator").toBe(1);
    },
    5 * 60_000,
  );
});
