import { randomBytes, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScheduleBodySchema } from "@/lib/schedules";
import { createDb } from "@/server/db/client";
import { auditEvents, runs, schedules, taskRuns, users } from "@/server/db/schema";
import type { Actor } from "@/server/authz/authz";
import { fireDueSchedules } from "@/server/schedules/fire";
import { requirePipeline } from "@/server/authz/authz";
import { invoke } from "@/server/operations/define";
import { createScheduleOp, deleteScheduleOp, listSchedulesOp, updateScheduleOp } from "@/server/schedules/operations";
import { createSchedule, deleteSchedule, getSchedule, listSchedules, updateSchedule } from "@/server/schedules/schedules";
import { advanceAndClaim, finishTaskRun } from "@/server/runs/operator-queries";
import { createTestDatabase, createTestPipeline, runRow, sh, tempDir, waitForRunEnd, type TestDatabase } from "./executor-helpers";
import { LocalExecutor } from "@/operator/executors/local/local-executor";
import { SANDBOX_OFF } from "@/operator/executors/local/sandbox";
import { Scheduler } from "@/operator/scheduler/scheduler";
import pino from "pino";
import { rmSync } from "node:fs";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { createPipeline } from "@/server/pipelines/pipelines";
import { resolvePendingRun } from "@/server/runs/pending-runs";
import { sandboxReadableDir } from "./api-helpers";
import { PipelineRepo, shellFile } from "./pipeline-repo";
import { del, get, patch, post, uniqueName } from "./schedule-api";

/**
 * Schedules fired by the operator's function with a fake clock against a private database: every
 * concurrency policy, missed ticks within and past the starting deadline, suspend, two operators
 * racing for one tick. Then the REST API on the running stack.
 */

let t: TestDatabase;
let admin: Actor;
beforeAll(async () => {
  // Secret params are sealed in this process (the stack has its own key).
  process.env.GANTRY_SECRET_KEY ??= randomBytes(32).toString("base64");
  t = await createTestDatabase("gantry_sched");
  const [u] = await t.db.select().from(users).where(eq(users.username, "admin"));
  admin = {
    id: u.id,
    username: u.username,
    name: u.name ?? "admin",
    role: "admin",
    scope: "admin",
    via: "session",
    address: "127.0.0.1",
  } as Actor;
});
afterAll(async () => {
  await t?.close();
});

class FakeClock {
  constructor(private t: Date) {}
  now = () => new Date(this.t);
  set(iso: string) {
    this.t = new Date(iso);
  }
}

async function schedule(clock: FakeClock, body: Record<string, unknown>, script = "true") {
  const pipelineId = await createTestPipeline(t.db, [{ name: "s", tasks: [sh("only", script)] }], [{ name: "WHO", default: "cron" }]);
  const s = await createSchedule(t.db, admin, await editAccess(pipelineId), pipelineId, ScheduleBodySchema.parse(body), clock);
  return { pipelineId, id: s.id, view: s };
}
/** The schedule functions take the project access an operation found; the admin has it everywhere. */
const editAccess = (pipelineId: string) => requirePipeline(t.db, admin, pipelineId, "pipeline.edit");
/** Fires what is due and returns what happened to one schedule (earlier tests' schedules fire too). */
const fire = async (clock: FakeClock, id: string) => (await fireDueSchedules(t.db, { clock })).filter((o) => o.scheduleId === id);
const runsOf = (scheduleId: string) => t.db.select().from(runs).where(eq(runs.scheduleId, scheduleId)).orderBy(runs.number);
async function finishRun(runId: string, status: "succeeded" | "failed") {
  await advanceAndClaim(t.db, runId, { operatorId: "op", capacity: 5 });
  const [tr] = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, runId));
  await finishTaskRun(t.db, tr, { status, exitCode: status === "succeeded" ? 0 : 1, message: null });
  await advanceAndClaim(t.db, runId, { operatorId: "op", capacity: 5 });
}

describe("firing ticks", () => {
  it("computes the next tick in the schedule's time zone and fires it once, with trigger 'schedule'", async () => {
    const clock = new FakeClock(new Date("2026-07-10T06:00:00Z"));
    const { id, view } = await schedule(clock, { cron: "0 9 * * *", timeZone: "Europe/Berlin", params: { WHO: "nightly" } });
    expect(view.nextAt?.toISOString()).toBe("2026-07-10T07:00:00.000Z");
    expect(view.upcoming.map((d) => d.toISOString())).toEqual([
      "2026-07-10T07:00:00.000Z",
      "2026-07-11T07:00:00.000Z",
      "2026-07-12T07:00:00.000Z",
    ]);

    clock.set("2026-07-10T06:59:59Z");
    expect(await fire(clock, id)).toEqual([]);
    clock.set("2026-07-10T07:00:02Z");
    const [o] = await fire(clock, id);
    expect(o).toMatchObject({
      scheduleId: id,
      result: "started",
      skippedTicks: 0,
      message: expect.stringMatching(/^started run #1 for the tick at 2026-07-10 09:00 GMT\+2$/),
    });
    expect(await fire(clock, id)).toEqual([]);
    const [r] = await runsOf(id);
    expect(r).toMatchObject({ trigger: "schedule", status: "queued", params: { WHO: "nightly" } });
    const s = await getSchedule(t.db, r.pipelineId, id, clock);
    expect(s.lastScheduledAt?.toISOString()).toBe("2026-07-10T07:00:00.000Z");
    expect(s.nextAt?.toISOString()).toBe("2026-07-11T07:00:00.000Z");
    expect(s.active.map((x) => x.number)).toEqual([1]);
    const [rec] = await t.db.select().from(auditEvents).where(eq(auditEvents.targetId, r.id));
    expect(rec).toMatchObject({
      action: "run.start",
      actorName: "gantry",
      details: expect.objectContaining({ trigger: "schedule", scheduleId: id }),
    });
  });

  it("Allow: a tick starts a run while the previous one is still active", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id } = await schedule(clock, { cron: "* * * * *", concurrencyPolicy: "Allow" });
    clock.set("2026-01-01T00:01:00Z");
    await fire(clock, id);
    clock.set("2026-01-01T00:02:00Z");
    await fire(clock, id);
    expect((await runsOf(id)).map((r) => r.status)).toEqual(["queued", "queued"]);
  });

  it("Forbid: a tick is skipped while the schedule's run is active, and fires again once it ended", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id, pipelineId } = await schedule(clock, { cron: "* * * * *", concurrencyPolicy: "Forbid" });
    clock.set("2026-01-01T00:01:00Z");
    await fire(clock, id);
    clock.set("2026-01-01T00:02:00Z");
    const [o] = await fire(clock, id);
    expect(o).toMatchObject({
      result: "forbidden",
      message: "skipped the tick at 2026-01-01 00:02 UTC: run #1 of this schedule is still active (Forbid)",
    });
    expect((await getSchedule(t.db, pipelineId, id, clock)).lastResult).toBe(o.message);
    const [first] = await runsOf(id);
    await finishRun(first.id, "succeeded");
    clock.set("2026-01-01T00:03:00Z");
    expect((await fire(clock, id))[0].result).toBe("started");
    expect((await runsOf(id)).map((r) => r.number)).toEqual([1, 2]);
  });

  it("Replace: the active run is cancelled and a new one starts", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id } = await schedule(clock, { cron: "* * * * *", concurrencyPolicy: "Replace" });
    clock.set("2026-01-01T00:01:00Z");
    await fire(clock, id);
    clock.set("2026-01-01T00:02:00Z");
    expect((await fire(clock, id))[0].result).toBe("started");
    const [old, fresh] = await runsOf(id);
    expect(old).toMatchObject({ status: "cancelled", message: "cancelled by its schedule (Replace: a newer run started)" });
    expect(fresh.status).toBe("queued");
  });

  it("missed ticks while no operator ran: only the latest fires, within the starting deadline", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id } = await schedule(clock, { cron: "*/5 * * * *", startingDeadlineSeconds: 120 });
    // Down from 00:00:30 to 00:21:10: ticks 00:05 … 00:20 were missed; 00:20 is 70 s old.
    clock.set("2026-01-01T00:21:10Z");
    const [o] = await fire(clock, id);
    expect(o).toMatchObject({ result: "started", skippedTicks: 3, tick: new Date("2026-01-01T00:20:00Z") });
    expect(await runsOf(id)).toHaveLength(1);
    expect((await t.db.select().from(schedules).where(eq(schedules.id, id)))[0].nextAt?.toISOString()).toBe("2026-01-01T00:25:00.000Z");
  });

  it("missed ticks past the starting deadline start nothing, and the schedule goes on from the next tick", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id } = await schedule(clock, { cron: "*/5 * * * *", startingDeadlineSeconds: 60 });
    clock.set("2026-01-01T00:23:00Z"); // the 00:20 tick is 180 s old
    const [o] = await fire(clock, id);
    expect(o).toMatchObject({
      result: "missed",
      message: "missed the tick at 2026-01-01 00:20 UTC: 180s late, past the starting deadline of 60s",
    });
    expect(await runsOf(id)).toHaveLength(0);
    clock.set("2026-01-01T00:25:05Z");
    expect((await fire(clock, id))[0].result).toBe("started");
  });

  it("without a deadline, a late tick still fires once", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id } = await schedule(clock, { cron: "@hourly" });
    clock.set("2026-01-03T05:30:00Z");
    const [o] = await fire(clock, id);
    expect(o).toMatchObject({ result: "started", tick: new Date("2026-01-03T05:00:00Z") });
    expect(await runsOf(id)).toHaveLength(1);
  });

  it("suspend: nothing fires; resuming starts from the next tick, without catching up", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id, pipelineId } = await schedule(clock, { cron: "* * * * *" });
    const s = await updateSchedule(t.db, admin, await editAccess(pipelineId), pipelineId, id, { suspend: true }, clock);
    expect(s).toMatchObject({ suspend: true, nextAt: null, upcoming: [] });
    clock.set("2026-01-01T00:10:00Z");
    expect(await fire(clock, id)).toEqual([]);
    const resumed = await updateSchedule(t.db, admin, await editAccess(pipelineId), pipelineId, id, { suspend: false }, clock);
    expect(resumed.nextAt?.toISOString()).toBe("2026-01-01T00:11:00.000Z");
    expect(await fire(clock, id)).toEqual([]);
    const actions = (await t.db.select().from(auditEvents).where(eq(auditEvents.targetId, id))).map((e) => e.action);
    expect(actions).toEqual(["schedule.create", "schedule.suspend", "schedule.resume"]);
  });

  it("two operators racing for the same tick start one run", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const made = await Promise.all(Array.from({ length: 4 }, () => schedule(clock, { cron: "* * * * *" })));
    clock.set("2026-01-01T00:01:00Z");
    const second = createDb(t.url);
    try {
      const [a, b] = await Promise.all([fireDueSchedules(t.db, { clock }), fireDueSchedules(second.db, { clock })]);
      const mine = new Set(made.map((m) => m.id));
      const started = [...a, ...b].filter((o) => mine.has(o.scheduleId) && o.result === "started");
      expect(started).toHaveLength(4);
      for (const m of made) expect(await runsOf(m.id)).toHaveLength(1);
    } finally {
      await second.pool.end();
    }
  });

  it("a run that cannot be created is reported on the schedule, and the tick is still handled", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const pipelineId = await createTestPipeline(t.db, [{ name: "s", tasks: [sh("only", "true")] }], [{ name: "NEEDED", required: true }]);
    const s = await createSchedule(
      t.db,
      admin,
      await editAccess(pipelineId),
      pipelineId,
      ScheduleBodySchema.parse({ cron: "* * * * *", params: { NEEDED: "x" } }),
      clock,
    );
    const id = s.id;
    // The schedule no longer gives what the pipeline needs (someone changed the stored params).
    await t.db.update(schedules).set({ params: {} }).where(eq(schedules.id, s.id));
    clock.set("2026-01-01T00:01:00Z");
    const [o] = await fire(clock, id);
    expect(o).toMatchObject({ result: "error", message: expect.stringContaining("params.NEEDED: required") });
    expect(await runsOf(id)).toHaveLength(0);
    expect((await fire(clock, id)).length).toBe(0);
  });
});

describe("a pipeline kept in its repository", () => {
  it("runs the file at the branch head of each tick, not the saved version", async () => {
    const repo = new PipelineRepo(sandboxReadableDir("gantry-sched-repo-"));
    try {
      repo.commit("first", { ".gantry.yaml": shellFile("first head") });
      const spec = PipelineSpecSchema.parse({
        name: `sched-${randomBytes(4).toString("hex")}`,
        repository: { url: repo.url },
        source: { from: "repository" },
        stages: [],
      });
      const { id: pipelineId } = await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID });
      const clock = new FakeClock(new Date("2026-05-01T00:00:30Z"));
      const s = await createSchedule(
        t.db,
        admin,
        await editAccess(pipelineId),
        pipelineId,
        ScheduleBodySchema.parse({ cron: "* * * * *" }),
        clock,
      );
      /** Fires the next tick and reads the run's file as the operator does; answers the run's one task's script. */
      const tick = async (at: string) => {
        clock.set(at);
        expect((await fire(clock, s.id))[0]).toMatchObject({ result: "started" });
        const run = (await runsOf(s.id)).at(-1)!;
        expect(run).toMatchObject({ status: "queued", message: "reading .gantry.yaml before the first task" });
        expect(await resolvePendingRun(t.db, run.id, "op-sched")).toBe("resolved");
        const [task] = await t.db.select().from(taskRuns).where(eq(taskRuns.runId, run.id));
        const [after] = await t.db.select().from(runs).where(eq(runs.id, run.id));
        return { version: after.version, command: task.plan.command.join(" ") };
      };
      const first = await tick("2026-05-01T00:01:00Z");
      expect(first.command).toContain("first head");
      repo.commit("second", { ".gantry.yaml": shellFile("second head") });
      const second = await tick("2026-05-01T00:02:00Z");
      expect(second.command).toContain("second head");
      expect(second.version).toBe(first.version + 1);
    } finally {
      rmSync(repo.dir, { recursive: true, force: true });
    }
  });
});

describe("secret params", () => {
  it("are stored sealed, shown as ***, kept when *** comes back, and given to the run in clear", async () => {
    const clock = new FakeClock(new Date("2026-03-01T00:00:30Z"));
    const pipelineId = await createTestPipeline(
      t.db,
      [{ name: "s", tasks: [sh("only", "true")] }],
      [
        { name: "TOKEN", secret: true },
        { name: "WHO", default: "x" },
      ],
    );
    const created = await createSchedule(
      t.db,
      admin,
      await editAccess(pipelineId),
      pipelineId,
      ScheduleBodySchema.parse({ cron: "0 * * * *", params: { TOKEN: "hunter2", WHO: "me" } }),
      clock,
    );
    expect(created.params).toEqual({ TOKEN: "***", WHO: "me" });
    const [row] = await t.db.select().from(schedules).where(eq(schedules.id, created.id));
    expect(row.params.TOKEN).not.toContain("hunter2");
    await updateSchedule(
      t.db,
      admin,
      await editAccess(pipelineId),
      pipelineId,
      created.id,
      { params: { TOKEN: "***", WHO: "you" } },
      clock,
    );
    const [after] = await t.db.select().from(schedules).where(eq(schedules.id, created.id));
    expect(after.params.TOKEN).toBe(row.params.TOKEN);
    clock.set("2026-03-01T01:00:00Z");
    const [o] = await fire(clock, created.id);
    expect(o.result).toBe("started");
    const { openRunParams } = await import("@/server/secrets/run-secrets");
    expect(openRunParams((await runRow(t.db, o.runId!)).params)).toEqual({ TOKEN: "hunter2", WHO: "you" });
  });
});

describe("history limits", () => {
  it("list only the last N succeeded and failed runs; the runs themselves stay", async () => {
    const clock = new FakeClock(new Date("2026-01-01T00:00:30Z"));
    const { id, pipelineId } = await schedule(clock, { cron: "* * * * *", successfulHistoryLimit: 2, failedHistoryLimit: 1 });
    const outcomes: ("succeeded" | "failed")[] = ["succeeded", "failed", "succeeded", "failed", "succeeded"];
    for (const [i, result] of outcomes.entries()) {
      clock.set(`2026-01-01T00:0${i + 1}:00Z`);
      const [o] = await fire(clock, id);
      await finishRun(o.runId!, result);
    }
    const [s] = await listSchedules(t.db, pipelineId, clock);
    expect(s.succeeded.map((r) => r.number)).toEqual([5, 3]);
    expect(s.failed.map((r) => r.number)).toEqual([4]);
    expect(await runsOf(id)).toHaveLength(5);
    await deleteSchedule(t.db, admin, await editAccess(pipelineId), pipelineId, id);
    // Deleting the schedule keeps its runs.
    expect((await runRow(t.db, s.succeeded[0].id)).scheduleId).toBeNull();
  });
});

describe("in the operator", () => {
  it("the operator's loop fires a due schedule with its clock and runs the run to the end", async () => {
    // Only this test's schedule may be due.
    await t.db.update(schedules).set({ suspend: true });
    const clock = new FakeClock(new Date("2026-02-01T11:59:30Z"));
    const { id } = await schedule(clock, { cron: "0 12 * * *", params: { WHO: "operator" } }, 'echo "hello $WHO"');
    clock.set("2026-02-01T12:00:01Z");
    const scheduler = new Scheduler({
      db: t.db,
      executor: new LocalExecutor({ workspacesDir: tempDir("sched-ws"), killGraceMs: 500, sandbox: SANDBOX_OFF }),
      operatorId: "sched-op",
      concurrency: 2,
      pollMs: 50,
      schedulesMs: 50,
      clock,
      log: pino({ level: "silent" }),
    });
    scheduler.start();
    try {
      await expect.poll(async () => (await runsOf(id)).length, { timeout: 10_000 }).toBe(1);
      const [r] = await runsOf(id);
      // A generous wait: on a loaded machine one echo can take a while to be claimed and run.
      expect((await waitForRunEnd(t.db, r.id, 60_000)).status).toBe("succeeded");
      expect(await runsOf(id)).toHaveLength(1);
    } finally {
      await scheduler.stop(0);
    }
  }, 90_000);
});

describe("REST API on the running stack", () => {
  it("creates, lists, suspends and deletes a schedule; cron and time-zone errors name the field", async () => {
    const p = await post("/api/v1/pipelines", {
      name: uniqueName("sched"),
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }],
    });
    expect(p.status).toBe(201);
    const base = `/api/v1/pipelines/${p.body.id}/schedules`;
    const bad = await post(base, { cron: "0 25 * * *", timeZone: "Mars/Base" });
    expect(bad.status).toBe(422);
    const paths = bad.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(["cron", "timeZone"]);

    const created = await post(base, {
      cron: "30 6 * * 1-5",
      timeZone: "Asia/Tokyo",
      concurrencyPolicy: "Forbid",
      description: "weekday mornings",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      cron: "30 6 * * 1-5",
      timeZone: "Asia/Tokyo",
      concurrencyPolicy: "Forbid",
      suspend: false,
      successfulHistoryLimit: 3,
      failedHistoryLimit: 1,
    });
    // 06:30 in Tokyo is 21:30 UTC the day before.
    expect(created.body.nextAt).toMatch(/T21:30:00\.000Z$/);
    const list = await get(base);
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([created.body.id]);

    const suspended = await patch(`${base}/${created.body.id}`, { suspend: true });
    expect(suspended.body).toMatchObject({ suspend: true, nextAt: null });
    const badPatch = await patch(`${base}/${created.body.id}`, { cron: "every day" });
    expect(badPatch.status).toBe(422);
    expect(await del(`${base}/${created.body.id}`)).toMatchObject({ status: 204 });
    expect((await get(`${base}/${created.body.id}`)).status).toBe(404);
  });
});

describe("who may manage schedules and re-run", () => {
  it("viewers read schedules but may not change them or re-run; developers may; outsiders see nothing", async () => {
    const { DEFAULT_PROJECT_ID } = await import("@/lib/projects");
    const { memberships } = await import("@/server/db/schema");
    const { rerunOp } = await import("@/server/runs/operations");
    const rerunAs = (actor: Actor, runId: string) => invoke(rerunOp, t.db, actor, { id: runId, body: { mode: "failed" as const } });
    const { createRun } = await import("@/server/runs/create-run");
    const person = async (role: "viewer" | "developer" | null): Promise<Actor> => {
      const id = randomUUID();
      const username = `u-${id.slice(0, 8)}`;
      await t.db.insert(users).values({ id, username, name: username });
      if (role) await t.db.insert(memberships).values({ projectId: DEFAULT_PROJECT_ID, userId: id, role });
      return { id, username, name: username, role: "user", scope: "admin", via: "token", address: null };
    };
    const [viewer, developer, outsider] = [await person("viewer"), await person("developer"), await person(null)];
    const clock = new FakeClock(new Date("2026-04-01T00:00:00Z"));
    const pipelineId = await createTestPipeline(t.db, [{ name: "s", tasks: [sh("only", "false")] }]);
    const body = ScheduleBodySchema.parse({ cron: "@daily" });

    const s = await invoke(createScheduleOp, t.db, developer, { id: pipelineId, body }, { clock });
    expect((await invoke(listSchedulesOp, t.db, viewer, { id: pipelineId }, { clock })).items).toHaveLength(1);
    await expect(invoke(createScheduleOp, t.db, viewer, { id: pipelineId, body }, { clock })).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringContaining("needs 'developer'"),
    });
    await expect(
      invoke(updateScheduleOp, t.db, viewer, { id: pipelineId, scheduleId: s.id, body: { suspend: true } }, { clock }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(invoke(deleteScheduleOp, t.db, viewer, { id: pipelineId, scheduleId: s.id })).rejects.toMatchObject({ code: "forbidden" });
    await expect(invoke(listSchedulesOp, t.db, outsider, { id: pipelineId }, { clock })).rejects.toMatchObject({ code: "not_found" });

    const { id: runId } = await createRun(t.db, pipelineId, {});
    await finishRun(runId, "failed");
    await expect(rerunAs(viewer, runId)).rejects.toMatchObject({ code: "forbidden" });
    expect((await rerunAs(developer, runId)).status).toBe("queued");
  });
});
