import mysql from "mysql2/promise";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskRuns } from "@/server/db/schema";
import {
  advanceAndClaim,
  claimTaskRun,
  failOrphanedTaskRuns,
  finishTaskRun,
  heartbeatOperator,
  registerOperator,
  RESTARTED_MESSAGE,
} from "@/server/runs/operator-queries";
import { cancelRun } from "@/server/runs/cancel-run";
import { getRunView } from "@/server/runs/queries";
import { createTestDatabase, logText, runRow, sh, startRun, taskOf, type TestDatabase } from "./executor-helpers";

/**
 * The run state machine and the operator's claims against the real database, with no operator
 * running: each step is driven by hand, as an operator would.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("gantry_exec_state");
});
afterAll(async () => {
  await t?.close();
});

const claim = (runId: string, capacity = 10, operatorId = "op-a") => advanceAndClaim(t.db, runId, { operatorId, capacity });
const names = (r: Awaited<ReturnType<typeof claim>>) => r.claimed.map((c) => c.taskRun.name);

describe("run state machine", () => {
  it("starts the first stage: all tasks of a parallel one, the first of a sequential one", async () => {
    const par = await startRun(t.db, [
      { name: "p", mode: "parallel", tasks: [sh("a", "true"), sh("b", "true")] },
      { name: "z", tasks: [sh("z", "true")] },
    ]);
    expect(names(await claim(par))).toEqual(["a", "b"]);
    const seq = await startRun(t.db, [{ name: "s", tasks: [sh("c", "true"), sh("d", "true")] }]);
    expect(names(await claim(seq))).toEqual(["c"]);
    expect((await runRow(t.db, seq)).status).toBe("running");
  });

  it("is idempotent: advancing again claims nothing more and changes nothing", async () => {
    const id = await startRun(t.db, [{ name: "s", tasks: [sh("a", "true"), sh("b", "true")] }]);
    const first = await claim(id);
    expect(names(first)).toEqual(["a"]);
    const again = await claim(id);
    expect(names(again)).toEqual([]);
    expect(again.rev).toBe(first.rev);
  });

  it("claims no more than the capacity, and leaves the rest queued for later", async () => {
    const id = await startRun(t.db, [{ name: "p", mode: "parallel", tasks: ["a", "b", "c"].map((n) => sh(n, "true")) }]);
    const r = await claim(id, 2);
    expect(names(r)).toEqual(["a", "b"]);
    expect(r.unclaimed).toBe(1);
    expect(names(await claim(id, 5))).toEqual(["c"]);
  });

  it("leaves a run queued when nothing can start for lack of capacity", async () => {
    const id = await startRun(t.db, [{ name: "s", tasks: [sh("a", "true")] }]);
    // The scheduler does not advance queued runs at capacity 0; claiming 0 must still not start tasks.
    const r = await claim(id, 0);
    expect(r.claimed).toEqual([]);
    expect((await getRunView(t.db, id)).stages[0].tasks[0].status).toBe("queued");
  });

  it("moves to the next stage only when every task of the current one succeeded", async () => {
    const id = await startRun(t.db, [
      { name: "p", mode: "parallel", tasks: [sh("a", "true"), sh("b", "true")] },
      { name: "n", tasks: [sh("next", "true")] },
    ]);
    const [a, b] = (await claim(id)).claimed.map((c) => c.taskRun);
    await finishTaskRun(t.db, a, { status: "succeeded", exitCode: 0, message: null });
    expect(names(await claim(id))).toEqual([]);
    await finishTaskRun(t.db, b, { status: "succeeded", exitCode: 0, message: null });
    const next = (await claim(id)).claimed.map((c) => c.taskRun);
    expect(next.map((x) => x.name)).toEqual(["next"]);
    await finishTaskRun(t.db, next[0], { status: "succeeded", exitCode: 0, message: null });
    await claim(id);
    const run = await getRunView(t.db, id);
    expect(run.status).toBe("succeeded");
    expect(run.finishedAt).not.toBeNull();
  });

  it("on a failure, lets running siblings finish, skips what is queued, then fails the run", async () => {
    const id = await startRun(t.db, [
      { name: "p", mode: "parallel", tasks: [sh("a", "true"), sh("b", "true")] },
      { name: "n", tasks: [sh("next", "true")] },
    ]);
    const [a, b] = (await claim(id)).claimed.map((c) => c.taskRun);
    await finishTaskRun(t.db, a, { status: "failed", exitCode: 2, message: "exit code 2" });
    await claim(id);
    let run = await getRunView(t.db, id);
    expect(run.status, "the run waits for its running task").toBe("running");
    expect(taskOf(run, "next")).toMatchObject({ status: "skipped", message: "skipped: task 'a' failed" });
    await finishTaskRun(t.db, b, { status: "succeeded", exitCode: 0, message: null });
    await claim(id);
    run = await getRunView(t.db, id);
    expect(run.status).toBe("failed");
    expect(run.message).toBe("task 'a' failed: exit code 2");
  });

  it("cancels a run once its running task has been stopped, and skips the rest at once", async () => {
    const id = await startRun(t.db, [{ name: "s", tasks: [sh("a", "true"), sh("b", "true")] }]);
    const [a] = (await claim(id)).claimed.map((c) => c.taskRun);
    expect((await cancelRun(t.db, id, "bob")).status).toBe("running");
    expect(taskOf(await getRunView(t.db, id), "b").status).toBe("skipped");
    await finishTaskRun(t.db, a, { status: "cancelled", exitCode: null, message: "cancelled by bob" });
    await claim(id);
    const run = await getRunView(t.db, id);
    expect(run.status).toBe("cancelled");
    expect(run.message).toBe("cancelled by bob");
  });

  it("lets one claimer win a task run; the other gets nothing", async () => {
    const id = await startRun(t.db, [{ name: "s", tasks: [sh("a", "true")] }]);
    const [tr] = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, id));
    const results = await Promise.all([claimTaskRun(t.db, tr, "op-a"), claimTaskRun(t.db, tr, "op-b")]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("skips a run another operator holds locked instead of waiting for it (SKIP LOCKED)", async () => {
    const id = await startRun(t.db, [{ name: "s", tasks: [sh("a", "true")] }]);
    const other = await mysql.createConnection(t.url);
    try {
      await other.beginTransaction();
      await other.query("select id from runs where id = ? for update", [id]);
      const t0 = Date.now();
      const r = await claim(id);
      expect(r.skipped).toBe(true);
      expect(r.claimed).toEqual([]);
      expect(Date.now() - t0, "did not wait for the lock").toBeLessThan(1000);
    } finally {
      await other.rollback();
      await other.end();
    }
    expect(names(await claim(id))).toEqual(["a"]);
  });
});

describe("orphaned task runs", () => {
  it("fails what this operator's previous life left running, with a log line, and fails the run", async () => {
    await registerOperator(t.db, { id: "op-restarting", hostname: "h", pid: 1 });
    const id = await startRun(t.db, [
      { name: "s", tasks: [sh("a", "true")] },
      { name: "n", tasks: [sh("b", "true")] },
    ]);
    const [a] = (await claim(id, 10, "op-restarting")).claimed.map((c) => c.taskRun);
    const orphans = await failOrphanedTaskRuns(t.db, { operatorId: "op-restarting", own: true });
    expect(orphans.map((o) => [o.id, o.message])).toEqual([[a.id, RESTARTED_MESSAGE]]);
    const run = await getRunView(t.db, id);
    expect(taskOf(run, "a")).toMatchObject({ status: "failed", message: RESTARTED_MESSAGE });
    expect(taskOf(run, "b").status).toBe("skipped");
    expect(run.status).toBe("failed");
    expect(await logText(t.db, a.id, "sys")).toEqual([RESTARTED_MESSAGE]);
  });

  it("never touches task runs of a live operator, nor (at run time) its own", async () => {
    await registerOperator(t.db, { id: "op-live", hostname: "h", pid: 2 });
    await registerOperator(t.db, { id: "op-self", hostname: "h", pid: 3 });
    const id = await startRun(t.db, [{ name: "p", mode: "parallel", tasks: [sh("a", "true"), sh("b", "true")] }]);
    const rows = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, id));
    expect(
      await claimTaskRun(
        t.db,
        rows.find((x) => x.name === "a")!,
        "op-live",
      ),
    ).toBe(true);
    expect(
      await claimTaskRun(
        t.db,
        rows.find((x) => x.name === "b")!,
        "op-self",
      ),
    ).toBe(true);
    await heartbeatOperator(t.db, { id: "op-live", hostname: "h", pid: 2 });
    // (Earlier tests left task runs claimed by operators that never registered: those are fair game.)
    const ofThisRun = async () =>
      (await failOrphanedTaskRuns(t.db, { operatorId: "op-self", own: false, staleSeconds: 30 })).filter((o) => o.runId === id);
    expect(await ofThisRun()).toEqual([]);
    // …but a stale heartbeat is another matter.
    await t.query("update operators set heartbeat_at = NOW(3) - INTERVAL 31 SECOND where id = 'op-live'");
    const orphans = await ofThisRun();
    expect(orphans.map((o) => [o.claimedBy, o.message])).toEqual([
      ["op-live", "operator 'op-live' stopped responding (no heartbeat for over 30s) while the task was running"],
    ]);
    const run = await getRunView(t.db, id);
    expect(taskOf(run, "b").status, "this operator's own task keeps running").toBe("running");
    expect(run.status, "the run waits for it").not.toBe("failed");
  });
});
