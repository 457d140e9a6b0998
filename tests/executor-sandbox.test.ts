import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalExecutor } from "@/operator/executors/local/local-executor";
import type { SandboxSettings } from "@/operator/executors/local/sandbox";
import { cancelRun } from "@/server/runs/cancel-run";
import { sandboxReadableDir } from "./api-helpers";
import {
  createTestDatabase,
  logText,
  sh,
  startInProcessOperator,
  startRun,
  startRunWithPlans,
  taskOf,
  waitFor,
  waitForRunEnd,
  waitForTask,
  type TestDatabase,
} from "./executor-helpers";

/**
 * The local executor's process semantics inside the bubblewrap sandbox: the task's uid, the
 * shared workspace, exit codes, a stop's grace, a timeout that kills the whole tree, the clear
 * message of a missing program, the checkout; and the refusal to run where the sandbox cannot work.
 * A task's pids are those of its PID namespace, so its processes are found by their environment.
 */

const SANDBOX: SandboxSettings = { mode: "required", uid: 65534, gid: 65534, network: "none", hide: [] };

let t: TestDatabase;
let op: ReturnType<typeof startInProcessOperator>;

beforeAll(async () => {
  t = await createTestDatabase("gantry_sandbox");
  op = startInProcessOperator(t.db, { killGraceMs: 1500, sandbox: SANDBOX });
});

afterAll(async () => {
  await op?.stop();
  await t?.close();
});

/** Host processes of a run (its tasks carry GANTRY_RUN_ID in their environment). */
function processesOf(runId: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/environ`, "utf8").split("\0").includes(`GANTRY_RUN_ID=${runId}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("the local executor in the sandbox", () => {
  it("runs tasks as the sandbox's uid in the run's shared workspace, with their exit codes", async () => {
    const runId = await startRun(t.db, [
      { name: "one", tasks: [sh("write", 'id -u > who.txt; echo "$GANTRY_WORKSPACE" >> who.txt')] },
      { name: "two", tasks: [sh("read", "cat who.txt; pwd; exit 3")] },
    ]);
    const run = await waitForRunEnd(t.db, runId);
    expect(taskOf(run, "write").status).toBe("succeeded");
    const ws = path.join(op.workspaces, runId);
    expect(await logText(t.db, taskOf(run, "read").id, "out")).toEqual(["65534", ws, ws]);
    expect(taskOf(run, "read")).toMatchObject({ status: "failed", exitCode: 3, message: "exit code 3" });
  });

  it("hands the task's environment to the task only, not to bwrap outside the sandbox (where LD_PRELOAD would load unconfined)", async () => {
    const mark = `MARK=${Math.random().toString(36).slice(2)}`;
    const runId = await startRun(t.db, [
      {
        name: "s",
        tasks: [
          sh("env", 'echo "greeting=$GREETING"; echo started; sleep 30', {
            env: { MARK: mark.slice(5), GREETING: "hi there", LD_PRELOAD: "" },
          }),
        ],
      },
    ]);
    const running = await waitForTask(t.db, runId, "env", "running");
    await waitFor("the task to start", async () => (await logText(t.db, running.id)).includes("started"));
    // Host processes of the run: bwrap outside (one pid level) and the task inside (two).
    const levels = (pid: number) =>
      (/^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "").trim().split(/\s+/).length;
    const env = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const procs = processesOf(runId);
    const outside = procs.filter((p) => levels(p) === 1);
    const inside = procs.filter((p) => levels(p) > 1);
    expect(outside.length, "bwrap runs outside").toBeGreaterThan(0);
    expect(
      inside.some((p) => env(p).includes(mark)),
      "the task has its env",
    ).toBe(true);
    for (const p of outside)
      expect(
        env(p).filter((e) => /^(MARK|GREETING|LD_PRELOAD)=/.test(e)),
        `bwrap (${p}) got the task's env`,
      ).toEqual([]);
    await cancelRun(t.db, runId, "test");
    await waitForRunEnd(t.db, runId);
  });

  it("cancel gives the task its grace (SIGTERM reaches it, not bwrap) and then nothing of it is left", async () => {
    const runId = await startRun(t.db, [
      { name: "long", tasks: [sh("wait", "trap 'echo got TERM; exit 7' TERM; sleep 120 & echo started; wait")] },
    ]);
    const running = await waitForTask(t.db, runId, "wait", "running");
    await waitFor("the task to start", async () => (await logText(t.db, running.id)).includes("started"));
    expect(processesOf(runId).length).toBeGreaterThan(0);
    await cancelRun(t.db, runId, "alice");
    const run = await waitForRunEnd(t.db, runId, 10_000);
    expect(taskOf(run, "wait")).toMatchObject({ status: "cancelled", message: "cancelled by alice" });
    expect(await logText(t.db, taskOf(run, "wait").id)).toContain("got TERM");
    await waitFor("every process of the task to be gone", async () => processesOf(runId).length === 0, 5000);
  });

  it("a timeout kills a tree that ignores SIGTERM", async () => {
    const runId = await startRun(t.db, [
      { name: "slow", tasks: [sh("hang", `sh -c 'trap "" TERM; sleep 300' & trap '' TERM; echo waiting; wait`, { timeoutSeconds: 1 })] },
    ]);
    const run = await waitForRunEnd(t.db, runId);
    expect(taskOf(run, "hang")).toMatchObject({ status: "failed", message: "timed out after 1s" });
    await waitFor("every process of the task to be gone", async () => processesOf(runId).length === 0, 5000);
  });

  it("finds the operator's tools on PATH directories under /tmp, and skips one its uid cannot enter instead of failing", async () => {
    // A checkout under /tmp links its tools there (npm test does); root's own directories are closed to nobody.
    const open = mkdtempSync(path.join(tmpdir(), "gantry-path-open-"));
    const closed = mkdtempSync(path.join(tmpdir(), "gantry-path-closed-"));
    chmodSync(open, 0o755);
    chmodSync(closed, 0o700);
    writeFileSync(path.join(open, "gantry-path-tool"), "#!/bin/sh\necho tool from the operator PATH\n", { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${closed}:${open}:${saved}`;
    try {
      const runId = await startRun(t.db, [{ name: "s", tasks: [sh("tool", "gantry-path-tool")] }]);
      const run = await waitForRunEnd(t.db, runId);
      expect(taskOf(run, "tool").status, taskOf(run, "tool").message ?? "").toBe("succeeded");
      expect(await logText(t.db, taskOf(run, "tool").id, "out")).toEqual(["tool from the operator PATH"]);
    } finally {
      process.env.PATH = saved;
      rmSync(open, { recursive: true, force: true });
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it("says a missing program is missing, permanently", async () => {
    const runId = await startRunWithPlans(t.db, [{ name: "ghost", plan: { localCommand: ["no-such-program-xyz"], retries: 2 } }]);
    const run = await waitForRunEnd(t.db, runId);
    expect(taskOf(run, "ghost")).toMatchObject({
      status: "failed",
      message: "cannot run 'no-such-program-xyz': program not found (is it installed and on the PATH?)",
    });
    expect(taskOf(run, "ghost").attempt).toBe(1);
  });

  it("checks out a repository the task uid can read before the task", async () => {
    const repo = sandboxReadableDir("gantry-sbx-exec-repo-");
    const git = (...a: string[]) =>
      execFileSync("git", ["-C", repo, ...a], {
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "D",
          GIT_AUTHOR_EMAIL: "d@e.test",
          GIT_COMMITTER_NAME: "D",
          GIT_COMMITTER_EMAIL: "d@e.test",
        },
      }).trim();
    try {
      git("init", "-q", "-b", "main");
      writeFileSync(path.join(repo, "f.txt"), "from git\n");
      git("add", ".");
      git("commit", "-q", "-m", "c");
      const runId = await startRunWithPlans(t.db, [
        {
          name: "co",
          plan: { localCommand: ["sh", "-c", "cat src/f.txt"], source: { git: { url: `file://${repo}`, revision: "main", dir: "src" } } },
        },
      ]);
      const run = await waitForRunEnd(t.db, runId);
      expect(taskOf(run, "co").status, taskOf(run, "co").message ?? "").toBe("succeeded");
      expect(await logText(t.db, taskOf(run, "co").id, "out")).toContain("from git");
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe("where the sandbox cannot work", () => {
  const task = {
    taskRunId: "tr",
    runId: "run-1",
    taskName: "t",
    stageName: "s",
    attempt: 1,
    env: {},
    plan: { template: "shell", localCommand: ["true"], timeoutSeconds: 5 },
  } as never;
  const sink = { write() {}, system() {}, full: false, waitForRoom: async () => undefined };

  it("refuses to run a task when bwrap is missing, and says how to fix it", async () => {
    const ws = mkdtempSync(path.join(tmpdir(), "gantry-nobwrap-"));
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    let ex: LocalExecutor;
    try {
      ex = new LocalExecutor({ workspacesDir: ws, killGraceMs: 100, sandbox: SANDBOX });
    } finally {
      process.env.PATH = saved;
    }
    await expect(ex.start(task, sink)).rejects.toMatchObject({
      permanent: true,
      message: expect.stringMatching(/'bwrap' is not on the operator's PATH: install it .*GANTRY_LOCAL_SANDBOX=off/),
    });
    rmSync(ws, { recursive: true, force: true });
  });

  it("refuses to run a task when the task uid cannot reach the workspaces, and names the directory", async () => {
    const closed = mkdtempSync(path.join(tmpdir(), "gantry-closed-"));
    chmodSync(closed, 0o700);
    const ex = new LocalExecutor({ workspacesDir: path.join(closed, "ws"), killGraceMs: 100, sandbox: SANDBOX });
    await expect(ex.start(task, sink)).rejects.toMatchObject({
      permanent: true,
      message: expect.stringContaining(`must be able to reach the workspaces directory ${path.join(closed, "ws")}`),
    });
    rmSync(closed, { recursive: true, force: true });
  });
});
