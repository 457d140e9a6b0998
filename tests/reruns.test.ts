import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskRuns } from "@/server/db/schema";
import { createRun } from "@/server/runs/create-run";
import { advanceAndClaim, finishTaskRun } from "@/server/runs/operator-queries";
import { rerunRun } from "@/server/runs/rerun";
import { getRunView } from "@/server/runs/queries";
import { createTestDatabase, createTestPipeline, runRow, sh, type TestDatabase } from "./executor-helpers";
import { createPipeline, get, post, sandboxReadableDir, uniqueName, waitForRun } from "./api-helpers";

/**
 * Re-runs: the whole run, only what failed (succeeded tasks keep their result and say where it
 * came from), or from a stage. Driven by hand against a private database, then through the stack.
 */

let t: TestDatabase;
beforeAll(async () => {
  // Secret params are sealed when a run is created in this process (the stack has its own key).
  process.env.GANTRY_SECRET_KEY ??= randomBytes(32).toString("base64");
  t = await createTestDatabase("gantry_rerun");
});
afterAll(async () => {
  await t?.close();
});

const claim = async (runId: string) =>
  (await advanceAndClaim(t.db, runId, { operatorId: "op-a", capacity: 10 })).claimed.map((c) => c.taskRun.name);
async function finish(runId: string, name: string, status: "succeeded" | "failed") {
  const [tr] = await t.db
    .select()
    .from(taskRuns)
    .where(and(eq(taskRuns.runId, runId), eq(taskRuns.name, name)));
  await finishTaskRun(t.db, tr, { status, exitCode: status === "succeeded" ? 0 : 1, message: status === "failed" ? "exit code 1" : null });
}
const tasks = async (runId: string) =>
  Object.fromEntries(
    (await getRunView(t.db, runId)).stages
      .flatMap((s) => s.tasks)
      .map((x) => [x.name, { status: x.status, reusedFrom: x.reusedFrom, message: x.message }]),
  );

/** build: a (ok) ‖ b (fails); test: c — run #1 fails at b, c is skipped. */
async function failedRun() {
  const pipelineId = await createTestPipeline(
    t.db,
    [
      { name: "build", mode: "parallel", tasks: [sh("a", "true"), sh("b", "false")] },
      { name: "test", tasks: [sh("c", "true")] },
    ],
    [
      { name: "TOKEN", secret: true },
      { name: "TARGET", default: "staging" },
    ],
  );
  const { id } = await createRun(t.db, pipelineId, { params: { TOKEN: "s3cret", TARGET: "prod" }, ref: "main" });
  expect(await claim(id)).toEqual(["a", "b"]);
  await finish(id, "a", "succeeded");
  await finish(id, "b", "failed");
  await claim(id);
  expect((await runRow(t.db, id)).status).toBe("failed");
  return { pipelineId, id };
}

describe("re-running a run", () => {
  it("failed: succeeded tasks keep their result and point at it; the failed and skipped ones run again", async () => {
    const src = await failedRun();
    const [a] = await t.db
      .select()
      .from(taskRuns)
      .where(and(eq(taskRuns.runId, src.id), eq(taskRuns.name, "a")));
    const re = await rerunRun(t.db, src.id, { mode: "failed" });
    expect(re.number).toBe(2);
    const row = await runRow(t.db, re.id);
    // Same version and params, secret ones included, exactly as stored (sealed; the API shows ***).
    expect(row).toMatchObject({ version: 1, secretNames: ["TOKEN"], trigger: "rerun", rerunOf: src.id, ref: "main" });
    expect(row.params).toEqual((await runRow(t.db, src.id)).params);
    expect(row.params.TARGET).toBe("prod");
    const view = await getRunView(t.db, re.id);
    expect(view.params.TOKEN).toBe("***");
    expect(view.rerunOf).toEqual({ id: src.id, number: 1 });
    expect(await tasks(re.id)).toEqual({
      a: { status: "succeeded", reusedFrom: a.id, message: "reused: succeeded in run #1, not run again" },
      b: { status: "queued", reusedFrom: null, message: null },
      c: { status: "queued", reusedFrom: null, message: null },
    });
    expect(await claim(re.id)).toEqual(["b"]);
    await finish(re.id, "b", "succeeded");
    expect(await claim(re.id)).toEqual(["c"]);
    await finish(re.id, "c", "succeeded");
    await claim(re.id);
    expect((await runRow(t.db, re.id)).status).toBe("succeeded");

    // A failed re-run of a re-run points at the task run that really did the work.
    const again = await failedRun();
    const r1 = await rerunRun(t.db, again.id, { mode: "failed" });
    expect(await claim(r1.id)).toEqual(["b"]);
    await finish(r1.id, "b", "failed");
    await claim(r1.id);
    const r2 = await rerunRun(t.db, r1.id, { mode: "failed" });
    const [origA] = await t.db
      .select()
      .from(taskRuns)
      .where(and(eq(taskRuns.runId, again.id), eq(taskRuns.name, "a")));
    expect((await tasks(r2.id)).a).toMatchObject({ status: "succeeded", reusedFrom: origA.id });
  });

  it("all: every task runs again", async () => {
    const src = await failedRun();
    const re = await rerunRun(t.db, src.id, { mode: "all" });
    expect(Object.values(await tasks(re.id)).map((x) => x.status)).toEqual(["queued", "queued", "queued"]);
    expect(await claim(re.id)).toEqual(["a", "b"]);
  });

  it("from-stage: earlier stages are skipped and say so; that stage and later ones run", async () => {
    const src = await failedRun();
    const re = await rerunRun(t.db, src.id, { mode: "from-stage", stage: "test" });
    expect(await tasks(re.id)).toMatchObject({
      a: { status: "skipped", message: "not run: the re-run starts at stage 'test'" },
      b: { status: "skipped" },
      c: { status: "queued" },
    });
    expect(await claim(re.id)).toEqual(["c"]);
    await finish(re.id, "c", "succeeded");
    await claim(re.id);
    expect((await runRow(t.db, re.id)).status).toBe("succeeded");
  });

  it("refuses what makes no sense, saying why", async () => {
    const src = await failedRun();
    await expect(rerunRun(t.db, src.id, { mode: "from-stage", stage: "deploy" })).rejects.toThrow(
      /no stage 'deploy' \(its stages: 'build', 'test'\)/,
    );
    const ok = await rerunRun(t.db, src.id, { mode: "all" });
    // Still queued: only "all" may re-run an active run.
    await expect(rerunRun(t.db, ok.id, { mode: "failed" })).rejects.toThrow(/still queued/);
    for (const _task of ["a", "b"]) await claim(ok.id);
    await finish(ok.id, "a", "succeeded");
    await finish(ok.id, "b", "succeeded");
    await claim(ok.id);
    await finish(ok.id, "c", "succeeded");
    await claim(ok.id);
    await expect(rerunRun(t.db, ok.id, { mode: "failed" })).rejects.toThrow(/nothing failed in run #\d+/);
  });
});

describe("through the running stack", () => {
  it("POST /runs/{id}/rerun re-runs only the failure, audited; the reused task is marked in the run", async () => {
    // The test makes the task pass after its first run: a sandboxed task writes nothing outside its run's workspace.
    const flag = path.join(sandboxReadableDir("gantry-rerun-"), "passes");
    const id = await createPipeline({
      name: uniqueName("rerun"),
      stages: [
        { name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "echo built" } }] },
        // Fails the first time only.
        { name: "test", tasks: [{ name: "flaky", template: "shell", params: { script: `test -f ${flag} || exit 3` } }] },
      ],
    });
    const first = await post(`/api/v1/pipelines/${id}/runs`, {});
    expect((await waitForRun(first.body.id)).status).toBe("failed");
    writeFileSync(flag, "");

    const bad = await post(`/api/v1/runs/${first.body.id}/rerun`, { mode: "from-stage" });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("name the stage to start from");

    const re = await post(`/api/v1/runs/${first.body.id}/rerun`, { mode: "failed" });
    expect(re.status).toBe(201);
    expect(re.body).toMatchObject({ number: 2, status: "queued", rerunOf: first.body.id });
    const done = await waitForRun(re.body.id);
    expect(done).toMatchObject({ status: "succeeded", trigger: "rerun", rerunOf: { id: first.body.id, number: 1 } });
    const compile = done.stages[0].tasks[0];
    const before = (await get(`/api/v1/runs/${first.body.id}`)).body.stages[0].tasks[0];
    expect(compile).toMatchObject({ status: "succeeded", reusedFrom: before.id, message: "reused: succeeded in run #1, not run again" });
    expect(done.stages[1].tasks[0]).toMatchObject({ status: "succeeded", reusedFrom: null });

    const audit = await get(`/api/v1/audit?action=run.rerun`);
    expect(audit.status).toBe(200);
    expect(audit.body.items.find((e: { target: { id: string } }) => e.target.id === re.body.id)).toMatchObject({
      details: { rerunOf: first.body.id, mode: "failed" },
    });
    rmSync(path.dirname(flag), { recursive: true, force: true });
  });
});
