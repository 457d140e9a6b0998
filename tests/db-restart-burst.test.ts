import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/server/db/client";
import { applyMigrations } from "@/server/db/migrate";
import { seed } from "@/server/seed/seed";
import { createRun } from "@/server/runs/create-run";
import { getRunView } from "@/server/runs/queries";
import { ensureDatabase, startMariaDb, type MariaDb } from "@/scripts/lib/mariadb";
import { freePort } from "@/scripts/lib/proc";
import { createTestPipeline, sh, startOperatorProcess, tempDir, waitFor, waitForOperator, type OperatorProcess } from "./executor-helpers";

/**
 * MariaDB crashes (SIGKILL) in the middle of a burst of runs and comes back on the same data
 * directory and port, as a supervisor restarts it: every run still finishes, once. Each task
 * appends its run's id to a file, so a task executed twice shows as two lines. The server is a
 * private one (scripts/lib/mariadb.ts), not the test server other suites share.
 */

const RUNS = 40;
let dir: string;
let port: number;
let server: MariaDb;
let url: string;
let db: Db;
let closePool: () => Promise<void>;
let op: OperatorProcess | undefined;

beforeAll(async () => {
  dir = tempDir("db-restart");
  port = await freePort();
  server = await startMariaDb(path.join(dir, "db"), port);
  await ensureDatabase(server.adminUrl, "gantry");
  url = server.url("gantry");
  const c = createDb(url);
  db = c.db;
  closePool = () => c.pool.end();
  await applyMigrations(db);
  await seed(db, { adminPassword: "db-restart-test-password", demo: false });
}, 120_000);

afterAll(async () => {
  if (op) {
    op.kill9();
    await op.exited;
  }
  await closePool?.();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

function mariadbPid(): number {
  return Number(readFileSync(path.join(dir, "db/mysqld.pid"), "utf8").trim());
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !st.slice(st.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
};

describe("MariaDB restarted in the middle of a burst", () => {
  it("finishes every run exactly once: none lost, none stuck, no task executed twice", async () => {
    const ranLog = path.join(dir, "ran.log");
    op = startOperatorProcess({
      DATABASE_URL: url,
      GANTRY_OPERATOR_ID: "op-db-restart",
      GANTRY_WORKSPACES: path.join(dir, "workspaces"),
      GANTRY_CONCURRENCY: "8",
    });
    await waitForOperator(op);
    const pipelineId = await createTestPipeline(db, [{ name: "s", tasks: [sh("append", `echo "$GANTRY_RUN_ID" >> ${ranLog}; sleep 1`)] }]);
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) runIds.push((await createRun(db, pipelineId, {})).id);

    // Mid-burst: some runs done, others running or queued.
    await waitFor("a quarter of the runs to have executed", async () => lines(ranLog).length >= RUNS / 4, 60_000);
    const executedBefore = lines(ranLog).length;
    expect(executedBefore, "runs still to execute when MariaDB goes down").toBeLessThan(RUNS);
    const pid = mariadbPid();
    process.kill(pid, "SIGKILL");
    await waitFor("MariaDB to be gone", async () => !alive(pid), 10_000);
    // Down for a few seconds: tasks end meanwhile, the operator's writes fail.
    await new Promise((r) => setTimeout(r, 3000));
    server = await startMariaDb(path.join(dir, "db"), port);

    const ends = await waitFor(
      "every run to end",
      async () => {
        const views = await Promise.all(runIds.map((id) => getRunView(db, id)));
        return views.every((v) => ["succeeded", "failed", "cancelled"].includes(v.status)) ? views : null;
      },
      180_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\noperator output:\n${op!.output().slice(-4000)}`);
    });
    const notOk = ends.filter((v) => v.status !== "succeeded");
    expect(
      notOk.map(
        (v) =>
          `${v.id}: ${v.status} ${v.stages
            .flatMap((s) => s.tasks)
            .map((t) => `${t.status} ${t.message ?? ""}`)
            .join(", ")}`,
      ),
      "every run succeeds",
    ).toEqual([]);
    const counts = new Map<string, number>();
    for (const l of lines(ranLog)) counts.set(l, (counts.get(l) ?? 0) + 1);
    expect(
      [...counts].filter(([, n]) => n !== 1),
      "runs whose task executed more than once",
    ).toEqual([]);
    expect(
      runIds.filter((id) => !counts.has(id)),
      "runs whose task never executed",
    ).toEqual([]);
    expect(op.child.exitCode, `the operator is still up:\n${op.output().slice(-3000)}`).toBeNull();
  }, 300_000);
});

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}
