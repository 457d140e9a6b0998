import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelRun } from "@/server/runs/cancel-run";
import { MAX_LINE_CHARS } from "@/server/logs/writer";
import type { TaskRunView } from "@/server/runs/queries";
import {
  createTestDatabase,
  logLines,
  logText,
  pidFile,
  processAlive,
  runRow,
  sh,
  startInProcessOperator,
  startRun,
  startRunWithPlans,
  taskOf,
  tempDir,
  waitFor,
  waitForRunEnd,
  waitForTask,
  type TestDatabase,
} from "./executor-helpers";

/**
 * The local executor end to end: the operator's scheduler (in this process) against a real
 * MariaDB database of its own, running real child processes. Crash, restart and outage
 * behaviour of the operator process is in executor-process.test.ts.
 */

let t: TestDatabase;
let op: ReturnType<typeof startInProcessOperator>;

beforeAll(async () => {
  t = await createTestDatabase();
  op = startInProcessOperator(t.db, { concurrency: 8, killGraceMs: 500 });
});

afterAll(async () => {
  await op?.stop();
  await t?.close();
});

const ms = (d: Date | null) => {
  if (!d) throw new Error("expected a timestamp");
  return d.getTime();
};

describe("local executor", () => {
  it("runs the tasks of a parallel stage at the same time", async () => {
    const runId = await startRun(t.db, [
      { name: "checks", mode: "parallel", tasks: [sh("a", "sleep 1"), sh("b", "sleep 1"), sh("c", "sleep 1")] },
    ]);
    const run = await waitForRunEnd(t.db, runId);
    expect(run.status, run.message ?? "").toBe("succeeded");
    const tasks = run.stages[0].tasks;
    for (const task of tasks)
      expect(ms(task.finishedAt) - ms(task.startedAt), `${task.name} ran for its whole second`).toBeGreaterThanOrEqual(900);
    // They overlapped: the last one started before the first one finished.
    const lastStart = Math.max(...tasks.map((x) => ms(x.startedAt)));
    const firstEnd = Math.min(...tasks.map((x) => ms(x.finishedAt)));
    expect(lastStart, "every task started before any finished").toBeLessThan(firstEnd);
  });

  it("runs sequential tasks and stages one after another, in order, in the run's shared workspace", async () => {
    const step = (n: string) => sh(n, `echo ${n} >> order.txt; sleep 0.2`);
    const runId = await startRun(t.db, [
      { name: "one", tasks: [step("first"), step("second")] },
      { name: "two", tasks: [step("third"), sh("report", "cat order.txt")] },
    ]);
    const run = await waitForRunEnd(t.db, runId);
    expect(run.status, run.message ?? "").toBe("succeeded");
    const tasks: TaskRunView[] = run.stages.flatMap((s) => s.tasks);
    for (let i = 1; i < tasks.length; i++) {
      expect(ms(tasks[i].startedAt), `${tasks[i].name} started after ${tasks[i - 1].name} finished`).toBeGreaterThanOrEqual(
        ms(tasks[i - 1].finishedAt),
      );
    }
    expect(await logText(t.db, taskOf(run, "report").id)).toEqual(["first", "second", "third"]);
  });

  it("gives a task the pipeline params, its env and the GANTRY_* variables, and nothing of the operator's environment", async () => {
    process.env.GANTRY_TEST_OPERATOR_SECRET = "must-not-leak";
    const runId = await startRun(
      t.db,
      [
        {
          name: "env",
          tasks: [
            sh(
              "show",
              'echo "$GREETING|$FOO|$GANTRY_TASK|$GANTRY_RUN_ID|$GANTRY_WORKSPACE|$(pwd)|${GANTRY_TEST_OPERATOR_SECRET:-unset}|${DATABASE_URL:-unset}"',
              {
                env: { FOO: "bar" },
              },
            ),
          ],
        },
      ],
      { params: [{ name: "GREETING", default: "hello" }], values: { GREETING: "bonjour" } },
    );
    const run = await waitForRunEnd(t.db, runId);
    expect(run.status, run.message ?? "").toBe("succeeded");
    const [line] = await logText(t.db, taskOf(run, "show").id);
    const [greeting, foo, task, rid, ws, cwd, leaked, dbUrl] = line.split("|");
    expect({ greeting, foo, task, rid, leaked, dbUrl }).toEqual({
      greeting: "bonjour",
      foo: "bar",
      task: "show",
      rid: runId,
      leaked: "unset",
      dbUrl: "unset",
    });
    expect(ws).toBe(`${op.workspaces}/${runId}`);
    expect(cwd).toBe(ws);
    delete process.env.GANTRY_TEST_OPERATOR_SECRET;
  });

  it("fails a task that exceeds its timeout, says so, and kills its whole process group", async () => {
    // The grandchild ignores SIGTERM, so only the group's SIGKILL can end it.
    const runId = await startRun(t.db, [
      {
        name: "slow",
        tasks: [sh("hang", `bash -c 'trap "" TERM; sleep 300' & echo $! > grandchild.pid; echo waiting; wait`, { timeoutSeconds: 1 })],
      },
      { name: "after", tasks: [sh("never", "echo should not run")] },
    ]);
    const grandchild = await pidFile(op.workspaces, runId, "grandchild.pid");
    const run = await waitForRunEnd(t.db, runId);
    const hang = taskOf(run, "hang");
    expect(hang.status).toBe("failed");
    expect(hang.message).toBe("timed out after 1s");
    expect(ms(hang.finishedAt) - ms(hang.startedAt)).toBeLessThan(1000 + 500 + 3000);
    await waitFor("the grandchild process to be gone", async () => !processAlive(grandchild), 5000);
    expect(taskOf(run, "never").status).toBe("skipped");
    expect(run.status).toBe("failed");
    expect(run.message).toContain("timed out after 1s");
    const log = await logText(t.db, hang.id);
    expect(log[0]).toBe("waiting");
    expect(log.at(-1)).toBe("timed out after 1s");
  });

  it("retries a failing task, counting attempts, until it succeeds", async () => {
    const script = 'n=$(cat tries 2>/dev/null || echo 0); n=$((n+1)); echo $n > tries; echo "try $n"; [ "$n" -ge 3 ]';
    const runId = await startRun(t.db, [{ name: "flaky", tasks: [sh("flaky", script, { retries: 2 })] }]);
    const run = await waitForRunEnd(t.db, runId);
    const task = taskOf(run, "flaky");
    expect(task.status, task.message ?? "").toBe("succeeded");
    expect(task.attempt).toBe(3);
    expect(task.maxAttempts).toBe(3);
    expect(task.exitCode).toBe(0);
    const lines = await logLines(t.db, task.id);
    expect(lines.map((l) => `${l.stream}: ${l.text}`)).toEqual([
      "out: try 1",
      "sys: attempt 1 of 3 failed: exit code 1; retrying",
      "sys: attempt 2 of 3",
      "out: try 2",
      "sys: attempt 2 of 3 failed: exit code 1; retrying",
      "sys: attempt 3 of 3",
      "out: try 3",
    ]);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("fails a task whose every attempt fails, with the last attempt's exit code", async () => {
    const runId = await startRun(t.db, [{ name: "bad", tasks: [sh("bad", "echo nope; exit 4", { retries: 1 })] }]);
    const run = await waitForRunEnd(t.db, runId);
    const task = taskOf(run, "bad");
    expect(task.status).toBe("failed");
    expect(task.attempt).toBe(2);
    expect(task.exitCode).toBe(4);
    expect(task.message).toBe("exit code 4");
  });

  it("stores a task's exit code; a failed task fails the run and later stages are skipped", async () => {
    const runId = await startRun(t.db, [
      { name: "ok", tasks: [sh("fine", "exit 0")] },
      { name: "broken", tasks: [sh("three", "echo about to fail >&2; exit 3")] },
      { name: "later", mode: "parallel", tasks: [sh("x", "true"), sh("y", "true")] },
    ]);
    const run = await waitForRunEnd(t.db, runId);
    expect(taskOf(run, "fine")).toMatchObject({ status: "succeeded", exitCode: 0, message: null });
    // The program's last stderr line says why, next to the exit code.
    expect(taskOf(run, "three")).toMatchObject({ status: "failed", exitCode: 3, message: "exit code 3: about to fail" });
    expect(await logText(t.db, taskOf(run, "three").id, "err")).toEqual(["about to fail"]);
    expect(run.stages.map((s) => s.status)).toEqual(["succeeded", "failed", "skipped"]);
    expect(taskOf(run, "x").status).toBe("skipped");
    expect(run.status).toBe("failed");
    expect(run.message).toBe("task 'three' failed: exit code 3: about to fail");
  });

  it("cancel stops the running process, skips the tasks after it, and cancels the run", async () => {
    const runId = await startRun(t.db, [
      { name: "long", tasks: [sh("wait", "echo $$ > task.pid; sleep 120 & echo $! > child.pid; echo started; wait")] },
      { name: "next", tasks: [sh("later", "echo should not run")] },
    ]);
    const child = await pidFile(op.workspaces, runId, "child.pid");
    await waitForTask(t.db, runId, "wait", "running");
    await cancelRun(t.db, runId, "alice");
    const run = await waitForRunEnd(t.db, runId, 10_000);
    expect(run.status).toBe("cancelled");
    expect(run.message).toBe("cancelled by alice");
    expect(taskOf(run, "wait")).toMatchObject({ status: "cancelled", message: "cancelled by alice" });
    expect(taskOf(run, "later").status).toBe("skipped");
    await waitFor("the task's process to be gone", async () => !processAlive(child), 5000);
    expect(await logText(t.db, taskOf(run, "wait").id)).toEqual(["started", "cancelled by alice"]);
  });

  it("masks secret params in stored logs, printed plain, base64- or URL-encoded", async () => {
    const secret = "s3cr3t/Value+42";
    const runId = await startRun(
      t.db,
      [
        {
          name: "leak",
          tasks: [
            sh(
              "leaky",
              [
                'echo "plain: $TOKEN"',
                'printf "%s" "$TOKEN" | base64',
                "echo \"url: $(printf '%s' \"$TOKEN\" | sed 's#/#%2F#g; s#+#%2B#g')\"",
                'echo "err: $TOKEN" >&2',
                'echo "visible: $NAME"',
              ].join("\n"),
            ),
          ],
        },
      ],
      { params: [{ name: "TOKEN", secret: true }, { name: "NAME" }], values: { TOKEN: secret, NAME: "not-secret" } },
    );
    const run = await waitForRunEnd(t.db, runId);
    expect(run.status, run.message ?? "").toBe("succeeded");
    const id = taskOf(run, "leaky").id;
    expect(await logText(t.db, id, "out")).toEqual(["plain: ***", "***", "url: ***", "visible: not-secret"]);
    expect(await logText(t.db, id, "err")).toEqual(["err: ***"]);
    // Nothing of it anywhere in the stored chunks.
    const rows = await t.query<{ data: string }>("select data from log_chunks where task_run_id = ?", [id]);
    const raw = rows.map((r) => r.data).join("");
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(Buffer.from(secret).toString("base64"));
  });

  it("stores binary junk, a line over 1 MiB, and silence, and the tasks succeed", async () => {
    const runId = await startRun(t.db, [
      {
        name: "odd",
        mode: "parallel",
        tasks: [
          sh("junk", "head -c 200000 /dev/urandom; printf '\\n\\000\\377\\376 end\\n'"),
          sh("huge", "head -c 1500000 /dev/zero | tr '\\0' 'x'; echo; echo next"),
          sh("silent", "true"),
        ],
      },
    ]);
    const run = await waitForRunEnd(t.db, runId, 30_000);
    expect(run.stages[0].tasks.map((x) => [x.name, x.status])).toEqual([
      ["junk", "succeeded"],
      ["huge", "succeeded"],
      ["silent", "succeeded"],
    ]);
    const junk = await logText(t.db, taskOf(run, "junk").id);
    expect(junk.at(-1)).toBe("\u0000\uFFFD\uFFFD end");
    const huge = await logText(t.db, taskOf(run, "huge").id);
    expect(huge.at(-1)).toBe("next");
    expect(huge.slice(0, -1).join("")).toBe("x".repeat(1_500_000));
    for (const l of huge) expect(l.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(await logLines(t.db, taskOf(run, "silent").id)).toEqual([]);
  });

  it("fails a task whose program is not installed, saying so, without retrying", async () => {
    const runId = await startRunWithPlans(t.db, [
      { name: "nogit", plan: { localCommand: ["gantry-no-such-program", "clone"], retries: 2 } },
    ]);
    const run = await waitForRunEnd(t.db, runId);
    const task = taskOf(run, "nogit");
    expect(task.status).toBe("failed");
    expect(task.message).toBe("cannot run 'gantry-no-such-program': program not found (is it installed and on the PATH?)");
    expect(task.attempt).toBe(1);
    expect(task.exitCode).toBeNull();
    expect(await logText(t.db, task.id, "sys")).toEqual([task.message]);
  });

  it("fails a task whose template cannot run on the local executor, saying so", async () => {
    const runId = await startRunWithPlans(t.db, [{ name: "k8s-only", plan: { template: "kaniko", localCommand: null } }]);
    const run = await waitForRunEnd(t.db, runId);
    expect(taskOf(run, "k8s-only")).toMatchObject({
      status: "failed",
      message: "template 'kaniko' cannot run on the local executor (it needs Kubernetes)",
    });
  });

  it("takes a metrics block out of the task's log and exposes it with the metrics file's lines and the run's labels", async () => {
    const script = [
      "echo before",
      "echo '::gantry-metrics::begin'",
      `echo 'block_seconds{step="compile"} 4'`,
      "echo 'not a metric'",
      // A secret param's value is masked here too, as in the log.
      `echo "block_info{token=\\"$TOKEN\\"} 1"`,
      "echo '::gantry-metrics::end'",
      "echo 'file_bytes 10' >> \"$GANTRY_METRICS_FILE\"",
      "echo 'see ::gantry-metrics::begin in the docs'",
      "echo after",
    ].join("\n");
    const runId = await startRun(t.db, [{ name: "s", tasks: [sh("metrics-report", script)] }], {
      params: [{ name: "TOKEN", secret: true }],
      values: { TOKEN: "s3cr3t-token-value" },
    });
    const run = await waitForRunEnd(t.db, runId);
    const task = taskOf(run, "metrics-report");
    expect(task.status, task.message ?? "").toBe("succeeded");
    expect(await logText(t.db, task.id, "out")).toEqual(["before", "see ::gantry-metrics::begin in the docs", "after"]);
    expect((await logText(t.db, task.id, "sys")).join("\n")).toMatch(
      /metrics blocks and file: 1 line\(s\) skipped \(line 2: not a sample line/,
    );
    const { operatorMetrics } = await import("@/server/metrics/operator");
    const text = operatorMetrics().taskMetrics.render();
    const mine = text.split("\n").filter((l) => l.includes('task="metrics-report"'));
    const labels = `project="default",pipeline="${run.pipelineName}",run="${run.number}",task="metrics-report"`;
    expect(mine.sort()).toEqual([
      `block_info{token="***",${labels}} 1`,
      `block_seconds{step="compile",${labels}} 4`,
      `file_bytes{${labels}} 10`,
    ]);
  });

  it("records where each task ran (pid on this host) for operators", async () => {
    const runId = await startRun(t.db, [{ name: "s", tasks: [sh("one", "sleep 0.3")] }]);
    await waitForRunEnd(t.db, runId);
    const row = await t.query<{ executor_ref: string }>("select executor_ref from task_runs where run_id = ?", [runId]);
    expect(row[0].executor_ref).toMatch(/^local:[^:]+:\d+$/);
    expect((await runRow(t.db, runId)).status).toBe("succeeded");
  });
});

describe("concurrency limit", () => {
  it("never runs more tasks at once than GANTRY_CONCURRENCY, and still runs them all", async () => {
    await op.stop();
    op = startInProcessOperator(t.db, { concurrency: 2 });
    const runId = await startRun(t.db, [
      { name: "wide", mode: "parallel", tasks: ["a", "b", "c", "d", "e"].map((n) => sh(n, "sleep 0.4")) },
    ]);
    const run = await waitForRunEnd(t.db, runId);
    expect(run.status).toBe("succeeded");
    const spans = run.stages[0].tasks.map((x) => [ms(x.startedAt), ms(x.finishedAt)] as const);
    const most = Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length));
    expect(most, "tasks running at the same moment").toBe(2);
  });
});

describe("several operators on one database", () => {
  it("runs every task exactly once when two operators compete for the same runs", async () => {
    await op.stop();
    op = startInProcessOperator(t.db, { concurrency: 3 });
    const other = startInProcessOperator(t.db, { concurrency: 3 });
    const dir = tempDir("tally");
    const tally = path.join(dir, "tally");
    try {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const work = sh("w", `echo "$GANTRY_RUN_ID $GANTRY_TASK" >> ${tally}; sleep 0.1`);
        ids.push(await startRun(t.db, [{ name: "p", mode: "parallel", tasks: ["a", "b", "c"].map((n) => ({ ...work, name: n })) }]));
      }
      for (const id of ids) expect((await waitForRunEnd(t.db, id, 30_000)).status).toBe("succeeded");
      const lines = readFileSync(tally, "utf8").trim().split("\n");
      expect(lines).toHaveLength(24);
      expect(new Set(lines).size, "no task ran twice").toBe(24);
      const owners = await t.query<{ claimed_by: string }>(
        `select distinct claimed_by from task_runs where run_id in (${ids.map(() => "?").join(",")})`,
        ids,
      );
      expect(owners.length, "both operators took work").toBe(2);
    } finally {
      await other.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removes a run's workspace once the run is over", async () => {
    await op.stop();
    op = startInProcessOperator(t.db, { sweepMs: 100 });
    const runId = await startRun(t.db, [{ name: "s", tasks: [sh("make", "echo data > file.txt")] }]);
    await waitForRunEnd(t.db, runId);
    const ws = path.join(op.workspaces, runId);
    await waitFor("the workspace to be removed", async () => !existsSync(ws), 5000);
  });
});
