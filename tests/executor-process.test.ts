import net from "node:net";
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RESTARTED_MESSAGE, SHUTDOWN_MESSAGE } from "@/server/runs/operator-queries";
import { getRunView } from "@/server/runs/queries";
import {
  adminUrl,
  createTestDatabase,
  logText,
  pidFile,
  processAlive,
  sh,
  startOperatorProcess,
  startRun,
  taskOf,
  tempDir,
  waitFor,
  waitForOperator,
  waitForRunEnd,
  waitForTask,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";

/**
 * The operator as the process it is in production (operator/main.ts, started through tsx) on a
 * database of its own: crash and restart, drain on SIGTERM, a dead replica, a database outage.
 */

let t: TestDatabase;
let workspaces: string;
const started: OperatorProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase("gantry_exec_proc");
  workspaces = tempDir("proc-ws");
});

afterEach(async () => {
  // A test that failed half-way must not leave an operator claiming the next test's runs.
  for (const op of started.splice(0)) {
    op.kill9();
    await op.exited;
  }
});

afterAll(async () => {
  await t?.close();
  rmSync(workspaces, { recursive: true, force: true });
});

function operator(id: string, env: Record<string, string> = {}, databaseUrl = t.url): OperatorProcess {
  const op = startOperatorProcess({ DATABASE_URL: databaseUrl, GANTRY_OPERATOR_ID: id, GANTRY_WORKSPACES: workspaces, ...env });
  started.push(op);
  return op;
}

async function stopped(op: OperatorProcess, timeoutMs = 20_000) {
  const r = await Promise.race([op.exited, new Promise<null>((res) => setTimeout(() => res(null), timeoutMs))]);
  if (!r) throw new Error(`operator did not exit within ${timeoutMs} ms:\n${op.output().slice(-3000)}`);
  started.splice(started.indexOf(op), 1);
  return r;
}

describe("operator process", () => {
  it("after a crash and restart, fails the task it had in flight with a message that says why, keeps its log, and fails the run", async () => {
    const first = operator("op-restart");
    await waitForOperator(first);
    const runId = await startRun(t.db, [
      { name: "build", tasks: [sh("long", "echo $$ > task.pid; echo before the crash; sleep 60")] },
      { name: "deploy", tasks: [sh("never", "echo should not run")] },
    ]);
    const taskPid = await pidFile(workspaces, runId, "task.pid");
    const task = await waitForTask(t.db, runId, "long", "running");
    await waitFor("the first log line to be stored", async () => (await logText(t.db, task.id)).length > 0);

    first.kill9();
    await stopped(first);
    expect(processAlive(taskPid), "the task's process outlives the crashed operator").toBe(true);
    expect((await getRunView(t.db, runId)).status).toBe("running");

    const second = operator("op-restart");
    await waitForOperator(second);
    const run = await waitForRunEnd(t.db, runId);
    expect(taskOf(run, "long")).toMatchObject({ status: "failed", message: RESTARTED_MESSAGE });
    expect(await logText(t.db, task.id)).toEqual(["before the crash", RESTARTED_MESSAGE]);
    expect(taskOf(run, "never").status).toBe("skipped");
    expect(run.status).toBe("failed");
    expect(run.message).toBe(`task 'long' failed: ${RESTARTED_MESSAGE}`);
    // What the dead operator left running is stopped too.
    await waitFor("the orphaned task process to be stopped", async () => !processAlive(taskPid), 5000);

    second.term();
    expect(await stopped(second)).toEqual({ code: 0, signal: null });
  });

  it("drains on SIGTERM: lets short tasks finish, fails the rest with a message, and exits 0", async () => {
    const op = operator("op-drain", { GANTRY_DRAIN_SECONDS: "2" });
    await waitForOperator(op);
    const runId = await startRun(t.db, [
      { name: "work", mode: "parallel", tasks: [sh("quick", "sleep 0.5; echo done"), sh("slow", "echo $$ > slow.pid; sleep 60")] },
      { name: "after", tasks: [sh("never", "true")] },
    ]);
    const slowPid = await pidFile(workspaces, runId, "slow.pid");
    await waitForTask(t.db, runId, "quick", "running");
    await waitForTask(t.db, runId, "slow", "running");

    const t0 = Date.now();
    op.term();
    expect(await stopped(op), op.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0, "exit after the 2 s drain plus the kill grace, not later").toBeLessThan(8000);

    const run = await getRunView(t.db, runId);
    expect(taskOf(run, "quick")).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(taskOf(run, "slow")).toMatchObject({ status: "failed", message: SHUTDOWN_MESSAGE });
    expect(taskOf(run, "never").status).toBe("skipped");
    expect(run.status).toBe("failed");
    expect(processAlive(slowPid)).toBe(false);
    expect((await logText(t.db, taskOf(run, "slow").id)).at(-1)).toBe(SHUTDOWN_MESSAGE);
    const ops = await t.query("select id from operators where id = 'op-drain'");
    expect(ops, "a cleanly stopped operator removes its heartbeat row").toEqual([]);
  });

  it("fails the task runs of an operator that stopped sending heartbeats", async () => {
    const dead = operator("op-dead");
    await waitForOperator(dead);
    const runId = await startRun(t.db, [{ name: "s", tasks: [sh("lost", "echo $$ > lost.pid; sleep 60")] }]);
    const lostPid = await pidFile(workspaces, runId, "lost.pid");
    await waitForTask(t.db, runId, "lost", "running");
    dead.kill9();
    await stopped(dead);

    const survivor = operator("op-survivor", { GANTRY_OPERATOR_STALE_SECONDS: "2" });
    await waitForOperator(survivor);
    const run = await waitForRunEnd(t.db, runId, 15_000);
    expect(taskOf(run, "lost").status).toBe("failed");
    expect(taskOf(run, "lost").message).toBe("operator 'op-dead' stopped responding (no heartbeat for over 2s) while the task was running");
    await waitFor("the dead operator's task process to be stopped", async () => !processAlive(lostPid), 5000);
    survivor.term();
    await stopped(survivor);
  });

  it("rides out a database outage: a task that ends meanwhile gets its result and log stored, and queued runs start, once the database is back", async () => {
    const proxy = await DbProxy.start(adminUrl());
    const healthPort = await freePort();
    const op = operator("op-outage", { GANTRY_OPERATOR_PORT: String(healthPort) }, proxy.urlFor(t.name));
    await waitForOperator(op);
    const readyz = async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status;
    expect(await readyz()).toBe(200);

    const first = await startRun(t.db, [{ name: "s", tasks: [sh("span", "echo before; sleep 2; echo after")] }]);
    const span = await waitForTask(t.db, first, "span", "running");
    await waitFor("the first line to be stored", async () => (await logText(t.db, span.id)).includes("before"));

    proxy.down();
    await waitFor("readiness to report the outage", async () => (await readyz()) === 503, 10_000);
    // Queued while the operator can't see the database; the task above ends meanwhile.
    const second = await startRun(t.db, [{ name: "s", tasks: [sh("later", "echo queued during the outage")] }]);
    await new Promise((r) => setTimeout(r, 3000));
    expect(taskOf(await getRunView(t.db, first), "span").status, "nothing could be written during the outage").toBe("running");
    expect(op.child.exitCode, "the operator is still up").toBeNull();

    await proxy.up();
    const a = await waitForRunEnd(t.db, first, 30_000);
    const b = await waitForRunEnd(t.db, second, 30_000);
    expect(taskOf(a, "span")).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(await logText(t.db, span.id)).toEqual(["before", "after"]);
    expect(b.status).toBe("succeeded");
    expect(await logText(t.db, taskOf(b, "later").id)).toEqual(["queued during the outage"]);
    await waitFor("readiness to recover", async () => (await readyz()) === 200, 10_000);

    op.term();
    await stopped(op);
    await proxy.close();
  });
});

/** A TCP proxy to the database that can drop every connection and refuse new ones: an outage. */
class DbProxy {
  private server: net.Server | null = null;
  private sockets = new Set<net.Socket>();
  private constructor(
    private target: { host: string; port: number },
    private url: URL,
    readonly port: number,
  ) {}

  static async start(adminDbUrl: string): Promise<DbProxy> {
    const url = new URL(adminDbUrl);
    const p = new DbProxy({ host: url.hostname, port: Number(url.port || 3306) }, url, await freePort());
    await p.listen();
    return p;
  }

  urlFor(database: string): string {
    const u = new URL(this.url.toString());
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    u.pathname = `/${database}`;
    return u.toString();
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve) => server.listen(this.port, "127.0.0.1", () => resolve()));
  }

  down() {
    this.server?.close();
    this.server = null;
    for (const s of this.sockets) s.destroy();
  }

  async up() {
    await this.listen();
  }

  async close() {
    this.down();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
