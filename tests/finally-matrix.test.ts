import { describe, expect, it } from "vitest";
import { collectSse, createPipeline, get, openSse, post, startRun, uniqueName, waitForRun } from "./api-helpers";

/**
 * `finally` tasks and `matrix` tasks on the running stack (local executor), through the REST API:
 * finally runs after a failure and after a cancel and sees what the stages came to; a matrix
 * fans out into one task run per combination with its values; failFast stops the rest.
 */

type TaskJson = {
  id: string;
  name: string;
  status: string;
  message: string | null;
  matrix?: { task: string; values: Record<string, string> };
};
type RunJson = { status: string; message: string | null; stages: { name: string; finally?: boolean; tasks: TaskJson[] }[] };
const tasksOf = (run: RunJson) => run.stages.flatMap((s) => s.tasks);
const task = (run: RunJson, name: string): TaskJson => {
  const t = tasksOf(run).find((x) => x.name === name);
  if (!t)
    throw new Error(
      `no task '${name}' in the run (it has ${tasksOf(run)
        .map((x) => `'${x.name}'`)
        .join(", ")})`,
    );
  return t;
};
const log = async (taskRunId: string) => (await get(`/api/v1/task-runs/${taskRunId}/logs`)).text;
const sh = (name: string, script: string, extra: Record<string, unknown> = {}) => ({
  name,
  template: "shell",
  params: { script },
  ...extra,
});

describe("finally", () => {
  it("runs after a failure, sees run.status=failed, and its conditions read it", async () => {
    const id = await createPipeline({
      name: uniqueName("finally-failed"),
      stages: [
        { name: "build", tasks: [sh("compile", "echo compiling; exit 3")] },
        { name: "ship", tasks: [sh("deploy", "echo deploying")] },
      ],
      finally: [
        sh("report", 'echo "the run {{ run.status }}, compile {{ tasks.compile.status }}"'),
        sh("on-failure", "echo cleaning up", { when: 'run.status == "failed"' }),
        sh("on-success", "echo celebrating", { when: 'run.status == "succeeded"' }),
      ],
    });
    const run: RunJson = await waitForRun(await startRun(id));
    expect(run.status, JSON.stringify(run)).toBe("failed");
    expect(run.message).toMatch(/^task 'compile' failed/);
    expect(task(run, "deploy").status).toBe("skipped");
    expect(run.stages.at(-1)).toMatchObject({ name: "finally", finally: true });
    expect(run.stages.slice(0, -1).every((s) => !s.finally)).toBe(true);
    expect(task(run, "report").status).toBe("succeeded");
    expect(await log(task(run, "report").id)).toContain("the run failed, compile failed");
    expect(task(run, "on-failure").status).toBe("succeeded");
    expect(task(run, "on-success")).toMatchObject({ status: "skipped", message: expect.stringContaining('run.status == "succeeded"') });
  });

  it("fails a run whose stages succeeded when a finally task fails, naming it", async () => {
    const id = await createPipeline({
      name: uniqueName("finally-fails"),
      stages: [{ name: "build", tasks: [sh("compile", "echo ok")] }],
      finally: [sh("cleanup", "echo nope; exit 2"), sh("notify", 'echo "status {{ run.status }}"')],
    });
    const run: RunJson = await waitForRun(await startRun(id));
    expect(run.status, JSON.stringify(run)).toBe("failed");
    expect(run.message).toMatch(/^finally task 'cleanup' failed/);
    expect(await log(task(run, "notify").id)).toContain("status succeeded");
  });

  it("still runs after a cancel: the finally task succeeds and the run ends cancelled", async () => {
    const id = await createPipeline({
      name: uniqueName("finally-cancel"),
      stages: [{ name: "long", tasks: [sh("sleeper", "echo started; sleep 60")] }],
      finally: [sh("teardown", 'sleep 1; echo "tearing down after {{ run.status }}"')],
    });
    const runId = await startRun(id);
    const sleeper = (await get(`/api/v1/runs/${runId}`)).body.stages[0].tasks[0].id;
    await collectSse(await openSse(`/api/v1/task-runs/${sleeper}/logs?follow=true`), (e) => e.event === "message");
    const t0 = Date.now();
    expect((await post(`/api/v1/runs/${runId}/cancel`)).status).toBe(200);
    const run: RunJson = await waitForRun(runId, 30_000);
    expect(Date.now() - t0, "cancel does not wait for the 60 s sleep").toBeLessThan(20_000);
    expect(run.status, JSON.stringify(run)).toBe("cancelled");
    expect(task(run, "sleeper").status).toBe("cancelled");
    expect(task(run, "teardown").status, JSON.stringify(task(run, "teardown"))).toBe("succeeded");
    expect(await log(task(run, "teardown").id)).toContain("tearing down after cancelled");
  });
});

describe("matrix", () => {
  it("runs a 2×2 matrix as four task runs with their values, and the next stage waits for all", async () => {
    const id = await createPipeline({
      name: uniqueName("matrix"),
      stages: [
        {
          name: "test",
          tasks: [
            sh("unit", 'sleep 1; echo "node=$NODE os=$OS via {{ matrix.NODE }}/{{ matrix.OS }}"', {
              matrix: { NODE: [18, 20], OS: ["linux", "mac"] },
            }),
          ],
        },
        { name: "after", tasks: [sh("summary", 'echo "unit {{ tasks.unit.status }}"')] },
      ],
    });
    const run: RunJson = await waitForRun(await startRun(id));
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    const names = run.stages[0].tasks.map((t) => t.name);
    expect(names).toEqual(["unit (NODE=18, OS=linux)", "unit (NODE=18, OS=mac)", "unit (NODE=20, OS=linux)", "unit (NODE=20, OS=mac)"]);
    expect(run.stages[0].tasks.map((t) => t.matrix)).toEqual([
      { task: "unit", values: { NODE: "18", OS: "linux" } },
      { task: "unit", values: { NODE: "18", OS: "mac" } },
      { task: "unit", values: { NODE: "20", OS: "linux" } },
      { task: "unit", values: { NODE: "20", OS: "mac" } },
    ]);
    for (const t of run.stages[0].tasks) {
      expect(t.status).toBe("succeeded");
      const [, node, os] = /NODE=(\d+), OS=(\w+)/.exec(t.name) ?? [];
      expect(await log(t.id)).toContain(`node=${node} os=${os} via ${node}/${os}`);
    }
    expect(await log(task(run, "summary").id)).toContain("unit succeeded");
  });

  it("with failFast (the default), one failing combination skips and cancels the others, naming it", async () => {
    const id = await createPipeline({
      name: uniqueName("matrix-failfast"),
      stages: [{ name: "test", tasks: [sh("unit", '[ "$N" = 1 ] && { sleep 1; exit 1; }; sleep 60', { matrix: { N: [1, 2, 3] } })] }],
    });
    const t0 = Date.now();
    const run: RunJson = await waitForRun(await startRun(id), 40_000);
    expect(Date.now() - t0, "the others do not sleep their 60 s").toBeLessThan(30_000);
    expect(run.status, JSON.stringify(run)).toBe("failed");
    expect(run.message).toMatch(/^task 'unit \(N=1\)' failed/);
    expect(task(run, "unit (N=1)").status).toBe("failed");
    for (const name of ["unit (N=2)", "unit (N=3)"]) {
      const t = task(run, name);
      expect(["cancelled", "skipped"], `${name}: ${JSON.stringify(t)}`).toContain(t.status);
      expect(t.message).toContain("unit (N=1)");
    }
  });

  it("without failFast, the other combinations run to their end", async () => {
    const id = await createPipeline({
      name: uniqueName("matrix-all"),
      stages: [{ name: "test", tasks: [sh("unit", '[ "$N" = 1 ] && exit 1; sleep 2', { matrix: { N: [1, 2] }, failFast: false })] }],
    });
    const run: RunJson = await waitForRun(await startRun(id));
    expect(run.status, JSON.stringify(run)).toBe("failed");
    expect(task(run, "unit (N=1)").status).toBe("failed");
    expect(task(run, "unit (N=2)").status).toBe("succeeded");
  });
});

describe("saving", () => {
  it("refuses matrix and finally mistakes at their fields", async () => {
    const r = await post("/api/v1/pipelines", {
      name: uniqueName("matrix-bad"),
      stages: [
        {
          name: "s",
          tasks: [
            sh("build", "echo {{ matrix.NODE }}", { matrix: { NODE: [18, 20] }, results: [{ name: "out" }] }),
            sh("plain", "echo {{ matrix.NODE }}"),
          ],
        },
        { name: "t", tasks: [sh("use", "echo {{ tasks.build.results.out }}")] },
      ],
      finally: [sh("report", "echo {{ tasks.nope.status }}")],
    });
    expect(r.status, r.text).toBe(422);
    const errors = r.body.error.details.errors as { path: string; message: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: "stages[0].tasks[1].params.script",
          message: expect.stringContaining("only in a task with a `matrix`"),
        }),
        expect.objectContaining({ path: "stages[1].tasks[0].params.script", message: expect.stringContaining("ambiguous") }),
        expect.objectContaining({ path: "finally[0].params.script", message: expect.stringContaining("task 'nope'") }),
      ]),
    );
    const big = await post("/api/v1/pipelines", {
      name: uniqueName("matrix-big"),
      stages: [{ name: "s", tasks: [sh("t", "true", { matrix: { A: [1, 2, 3, 4, 5], B: [1, 2, 3, 4], C: [1, 2, 3, 4] } })] }],
    });
    expect(big.status).toBe(422);
    expect(big.body.error.details.errors).toEqual([
      expect.objectContaining({ path: "stages[0].tasks[0].matrix", message: expect.stringContaining("at most 64") }),
    ]);
  });
});
