import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { projects, runs } from "@/server/db/schema";
import { createRun } from "@/server/runs/create-run";
import { createTestDatabase, createTestPipeline, sh, startInProcessOperator, waitFor, type TestDatabase } from "./executor-helpers";
import { createPipeline, get, post, shellSpec, uniqueName } from "./api-helpers";

/**
 * The scheduler under a backlog (issue 17): capacity goes by project fair share, then priority,
 * then age. A real operator (local executor, in process) drains runs queued straight through
 * server/ on a private database; then the priority field once through the running stack's API.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("gantry_fair");
});
afterAll(async () => {
  await t?.close();
});

const oneTask = [{ name: "s", tasks: [sh("work", "sleep 0.2")] }];

async function queue(pipelineId: string, n: number, priority?: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await createRun(t.db, pipelineId, { priority })).id);
  return ids;
}

const startedCount = async (ids: string[]) =>
  (
    await t.db
      .select({ id: runs.id })
      .from(runs)
      .where(and(inArray(runs.id, ids), isNotNull(runs.startedAt)))
  ).length;

describe("fair share across projects", () => {
  it("starts a project's few runs queued after another project's backlog before that backlog drains", async () => {
    const other = randomUUID();
    await t.db.insert(projects).values({ id: other, slug: `fair-${randomBytes(3).toString("hex")}`, name: "late project", settings: {} });
    const pa = await createTestPipeline(t.db, oneTask, [], DEFAULT_PROJECT_ID);
    const pb = await createTestPipeline(t.db, oneTask, [], other);
    const backlog = await queue(pa, 60);
    const late = await queue(pb, 5);

    const op = startInProcessOperator(t.db, { concurrency: 2 });
    try {
      await waitFor("every run of the late project to start", async () => (await startedCount(late)) === late.length, 60_000);
      // Oldest first, all 60 would have started before the first of these.
      const backlogStarted = await startedCount(backlog);
      expect(backlogStarted, "runs of the backlog started before the late project's five had").toBeLessThan(20);
    } finally {
      await op.stop();
      // The rest of the backlog would only compete with the next test's runs.
      await t.db.delete(runs).where(inArray(runs.pipelineId, [pa, pb]));
    }
  });
});

describe("priority within a project", () => {
  it("starts a high-priority run before older runs of normal priority", async () => {
    const p = await createTestPipeline(t.db, oneTask);
    const older = await queue(p, 15);
    const [urgent] = await queue(p, 1, 100);
    const [row] = await t.db.select({ priority: runs.priority }).from(runs).where(eq(runs.id, urgent));
    expect(row.priority).toBe(100);

    const op = startInProcessOperator(t.db, { concurrency: 1 });
    try {
      await waitFor("the urgent run to start", async () => (await startedCount([urgent])) === 1, 30_000);
      expect(await startedCount(older), "older runs started before the high-priority one").toBe(0);
    } finally {
      await op.stop();
    }
  });
});

describe("priority through the API", () => {
  it("runs get the pipeline's priority, a start request may override it, and out-of-range values are refused at their field", async () => {
    const id = await createPipeline({ ...shellSpec(uniqueName("prio"), "true"), priority: -20 });
    const byDefault = await post(`/api/v1/pipelines/${id}/runs`, {});
    expect(byDefault.status).toBe(201);
    expect((await get(`/api/v1/runs/${byDefault.body.id}`)).body.priority).toBe(-20);

    const raised = await post(`/api/v1/pipelines/${id}/runs`, { priority: 50 });
    expect(raised.status).toBe(201);
    expect((await get(`/api/v1/runs/${raised.body.id}`)).body.priority).toBe(50);

    const bad = await post(`/api/v1/pipelines/${id}/runs`, { priority: 101 });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.errors).toContainEqual({ path: "priority", message: "must be at most 100" });

    const badSpec = await post("/api/v1/pipelines", { ...shellSpec(uniqueName("prio"), "true"), priority: "high" });
    expect(badSpec.status).toBe(422);
    expect(badSpec.body.error.details.errors).toContainEqual({ path: "priority", message: "must be a whole number from -100 to 100" });
  });
});
