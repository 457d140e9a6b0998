/**
 * Gantry as the peer benchmark drives it: a private database, a real operator process in
 * Kubernetes mode (the bundle `npm start` runs), runs created as the web app creates them (createRun), their end read from
 * the runs table (finished_at, milliseconds, written by the operator).
 */
import path from "node:path";
import { inArray, sql } from "drizzle-orm";
import { ACTIVE_STATUSES } from "@/lib/status";
import { runs } from "@/server/db/schema";
import { createRun } from "@/server/runs/create-run";
import { LABEL } from "@/operator/executors/kubernetes/names";
import { buildOperator } from "../../scripts/lib/build";
import { step } from "../../scripts/lib/proc";
import { ROOT } from "../../scripts/lib/stack";
import { createTestPipeline, sh } from "../../tests/executor-helpers";
import { benchDatabase } from "../lib/database";
import { startOperator } from "../lib/kube-bench";
import type { Kind, RunSystem } from "./harness";

export interface GantrySystem extends RunSystem {
  stop: () => Promise<void>;
}

/** The most task runs one operator runs at once (GANTRY_CONCURRENCY's upper bound). */
export const GANTRY_CONCURRENCY = 256;

export async function startGantry(o: {
  kubeconfig: string;
  namespace: string;
  operatorEnv?: Record<string, string>;
}): Promise<GantrySystem> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((e: Error) => console.error(`clean-up: ${e.message}`));
  };
  try {
    const { url, db } = await benchDatabase("bench-peer", (fn) => stops.push(fn));

    // The same work as Tekton's pipelines: the shell template's image and `bash -c true`.
    const task = (name: string) => sh(name, "true");
    const steady = await createTestPipeline(db, [
      { name: "build", mode: "parallel", tasks: [task("a1"), task("a2"), task("a3")] },
      { name: "test", mode: "parallel", tasks: [task("b1"), task("b2"), task("b3")] },
    ]);
    const burst = await createTestPipeline(db, [{ name: "only", tasks: [task("t")] }]);

    // The operator as `npm start` runs it: bundled, not through tsx (whose loader costs memory).
    await buildOperator(ROOT);
    step(`starting the Gantry operator in Kubernetes mode (namespace ${o.namespace})…`);
    const op = startOperator(
      {
        DATABASE_URL: url,
        KUBECONFIG: o.kubeconfig,
        GANTRY_EXECUTOR: "kubernetes",
        GANTRY_NAMESPACE: o.namespace,
        GANTRY_KUBE_WORKSPACE: "emptyDir",
        GANTRY_OPERATOR_ID: "bench-peer",
        GANTRY_CONCURRENCY: String(GANTRY_CONCURRENCY),
        GANTRY_WORKSPACES: path.join(ROOT, ".gantry/bench-peer-workspaces"),
        ...o.operatorEnv,
      },
      path.join(ROOT, ".gantry/build/operator.mjs"),
    );
    stops.push(() => op.stop());
    if (process.env.BENCH_PEER_DEBUG) op.child.stdout!.on("data", (d: Buffer) => process.stderr.write(d));
    await op.registered;

    return {
      label: "Gantry",
      pid: op.child.pid!,
      tasksPerRun: (kind: Kind) => (kind === "steady" ? 6 : 1),
      submit: async (kind: Kind) => (await createRun(db, kind === "steady" ? steady : burst)).id,
      runOfPod: (pod) => pod.metadata?.labels?.[LABEL.run],
      finished: async (ids, deadline) => {
        const active = sql`${inArray(runs.status, [...ACTIVE_STATUSES])}`;
        while (Date.now() < deadline) {
          const [{ n }] = await db
            .select({ n: sql<number>`count(*)` })
            .from(runs)
            .where(sql`${inArray(runs.id, ids)} and ${active}`);
          if (Number(n) === 0) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        const rows = await db
          .select({ id: runs.id, status: runs.status, finishedAt: runs.finishedAt })
          .from(runs)
          .where(inArray(runs.id, ids));
        const out = new Map<string, { at: number; ok: boolean }>();
        for (const r of rows) if (r.finishedAt) out.set(r.id, { at: r.finishedAt.getTime(), ok: r.status === "succeeded" });
        return out;
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
