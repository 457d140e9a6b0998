import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeApi } from "@/operator/executors/kubernetes/kube-api";
import { LABEL } from "@/operator/executors/kubernetes/names";
import { createRun } from "@/server/runs/create-run";
import { getRunView, type RunView } from "@/server/runs/queries";
import { startCluster, type Cluster } from "../scripts/lib/cluster/lifecycle";
import { watch } from "../bench/lib/kube-bench";
import { createTestDatabase, createTestPipeline, sh, tempDir, waitFor, type OperatorProcess, type TestDatabase } from "./executor-helpers";
import { endKubeTest, startKubeOperator } from "./kube-helpers";
import { startThrottleProxy, type ThrottleProxy } from "./throttle-proxy";

/**
 * Kubernetes mode under a burst of runs while the apiserver misbehaves: first it answers every
 * request with 429 Too Many Requests for a while (through a proxy, as API Priority and Fairness
 * does under load), then it stops answering at all (its process SIGSTOPped, as in a long GC pause
 * or a frozen VM) and comes back. The operator must ride both out: it does not exit (no crash
 * loop), and every run still finishes once, with one Job per task run.
 */

const RUNS = 40;
const THROTTLE_SECONDS = 10;
const PAUSE_SECONDS = 20;
let own: Cluster | undefined;
let kubeconfig: string;
let kubectl: (args: string[], input?: string) => Promise<string>;
let t: TestDatabase;
let dir: string;
let proxy: ThrottleProxy | undefined;
let pausedPid: number | undefined;
const ns = `kfault-${randomBytes(3).toString("hex")}`;
const started: OperatorProcess[] = [];
const stopWatch = new AbortController();

beforeAll(async () => {
  // A cluster of its own, even when KUBECONFIG names one: a paused apiserver makes the
  // controller-manager and the scheduler lose their leader leases and exit (nothing restarts them
  // here, as a kubelet would), so they run without leader election, alone as they are.
  own = await startCluster({
    name: `gantry-kfault-${process.pid}`,
    log: (m) => console.log(m),
    componentArgs: { "kube-controller-manager": { "leader-elect": "false" }, "kube-scheduler": { "leader-elect": "false" } },
  });
  ({ kubeconfig, kubectl } = own);
  t = await createTestDatabase("gantry_kfault");
  dir = tempDir("kfault");
}, 60 * 60_000);

afterAll(async () => {
  // Never leave the cluster frozen for the suites after this one.
  if (pausedPid) process.kill(pausedPid, "SIGCONT");
  stopWatch.abort();
  await proxy?.close();
  await endKubeTest({ operators: started.splice(0), kubectl, namespaces: [ns], db: t, own, dir });
}, 120_000);

/** The kube-apiserver process serving the kubeconfig's port (found through /proc, as kwokctl runs it). */
function apiserverPid(kc: KubeConfig): number {
  const port = new URL(kc.getCurrentCluster()!.server).port;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      if (path.basename(args[0]) === "kube-apiserver" && args.includes(`--secure-port=${port}`)) return Number(d);
    } catch {
      // exited meanwhile
    }
  }
  throw new Error(`no kube-apiserver process serves port ${port}`);
}

describe("Kubernetes mode: the apiserver throttles (429) and then pauses during a burst", () => {
  it(
    "the operator backs off without exiting, and every run finishes once with one Job",
    async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const pid = apiserverPid(kc);
      proxy = await startThrottleProxy(kubeconfig, path.join(dir, "throttled.kubeconfig"));
      const op = startKubeOperator({
        databaseUrl: t.url,
        id: "kfault",
        workspaces: dir,
        kubeconfig: proxy.kubeconfig,
        namespace: ns,
        // Few tasks at once, so the burst outlasts both faults.
        env: { GANTRY_CONCURRENCY: "4" },
      });
      started.push(op);
      await waitFor(
        "the operator to register",
        async () => {
          if (op.child.exitCode !== null) throw new Error(`operator exited early:\n${op.output().slice(-4000)}`);
          return op.output().includes('"operator registered"');
        },
        60_000,
        200,
      );

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

      await waitFor("a quarter of the runs to end", async () => ended(await views()) >= RUNS / 4, 240_000, 500);
      proxy.throttle(1);
      await new Promise((r) => setTimeout(r, THROTTLE_SECONDS * 1000));
      proxy.open();
      expect(proxy.counts().throttled, "requests the operator made while throttled").toBeGreaterThan(0);
      expect(op.child.exitCode, `the operator exited while throttled:\n${op.output().slice(-3000)}`).toBeNull();

      await waitFor("half of the runs to end", async () => ended(await views()) >= RUNS / 2, 240_000, 500);
      expect(ended(await views()), "runs still to finish when the apiserver pauses").toBeLessThan(RUNS);
      process.kill(pid, "SIGSTOP");
      pausedPid = pid;
      await new Promise((r) => setTimeout(r, PAUSE_SECONDS * 1000));
      process.kill(pid, "SIGCONT");
      pausedPid = undefined;
      expect(op.child.exitCode, `the operator exited while the apiserver was paused:\n${op.output().slice(-3000)}`).toBeNull();

      const final = await waitFor(
        "every run to end",
        async () => {
          const vs = await views();
          return ended(vs) === RUNS ? vs : null;
        },
        300_000,
        1000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\noperator output:\n${op.output().slice(-4000)}`);
      });
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
      expect(op.child.exitCode, "the operator is still up").toBeNull();
    },
    15 * 60_000,
  );
});
