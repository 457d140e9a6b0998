import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runs, taskRuns } from "@/server/db/schema";
import type { TaskPlan } from "@/lib/plan";
import { call, get, post, shellSpec, startRun, uniqueName, waitForRun } from "./api-helpers";
import { createTestProject, type TestProject } from "./project-helpers";

/**
 * Run analytics through the REST API: a project with a pipeline whose runs have known outcomes
 * and timings (written to the database, so the percentiles are exact), plus a real failing run
 * through the operator, then the per-pipeline and per-project figures are checked.
 */

const S = 1000;
let project: TestProject;
let pipelineId: string;
let failingId: string;

const today = new Date();
const dayAt = (daysAgo: number, hour: number) =>
  new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - daysAgo, hour));
const dayKey = (daysAgo: number) => dayAt(daysAgo, 0).toISOString().slice(0, 10);

interface Fake {
  daysAgo: number;
  hour: number;
  status: "succeeded" | "failed" | "cancelled";
  queue: number;
  duration: number;
  /** build then e2e: [status, seconds, attempt]. */
  tasks: [string, number, number][];
}

// Four runs of version 1 over two days; e2e both fails and passes on it (and once needs a retry).
const FAKES: Fake[] = [
  {
    daysAgo: 2,
    hour: 10,
    status: "succeeded",
    queue: 2,
    duration: 10,
    tasks: [
      ["succeeded", 4, 1],
      ["succeeded", 6, 1],
    ],
  },
  {
    daysAgo: 2,
    hour: 11,
    status: "failed",
    queue: 4,
    duration: 20,
    tasks: [
      ["succeeded", 8, 1],
      ["failed", 12, 1],
    ],
  },
  {
    daysAgo: 1,
    hour: 10,
    status: "succeeded",
    queue: 6,
    duration: 30,
    tasks: [
      ["succeeded", 12, 1],
      ["succeeded", 18, 2],
    ],
  },
  {
    daysAgo: 1,
    hour: 11,
    status: "cancelled",
    queue: 8,
    duration: 40,
    tasks: [
      ["succeeded", 16, 1],
      ["cancelled", 24, 1],
    ],
  },
];

beforeAll(async () => {
  project = await createTestProject("analytics");
  const spec = {
    name: uniqueName("analytics"),
    stages: [{ name: "ci", tasks: ["build", "e2e"].map((name) => ({ name, template: "shell", params: { script: "true" } })) }],
  };
  const r = await post(`/api/v1/pipelines?project=${project.slug}`, spec);
  expect(r.status).toBe(201);
  pipelineId = r.body.id;

  let number = 1000;
  for (const f of FAKES) {
    const id = randomUUID();
    const created = dayAt(f.daysAgo, f.hour);
    const started = new Date(created.getTime() + f.queue * S);
    await project.db.insert(runs).values({
      id,
      pipelineId,
      number: ++number,
      version: 1,
      status: f.status,
      params: {},
      secretNames: [],
      createdAt: created,
      startedAt: started,
      finishedAt: new Date(started.getTime() + f.duration * S),
    });
    let at = started.getTime();
    await project.db.insert(taskRuns).values(
      f.tasks.map(([status, secs, attempt], i) => {
        const row = {
          id: randomUUID(),
          runId: id,
          stageIndex: 0,
          stageName: "ci",
          stageMode: "sequential" as const,
          taskIndex: i,
          name: i === 0 ? "build" : "e2e",
          status: status as "succeeded",
          attempt,
          plan: {} as TaskPlan,
          startedAt: new Date(at),
          finishedAt: new Date(at + secs * S),
        };
        at += secs * S;
        return row;
      }),
    );
  }

  // A real run through the operator that fails, in another pipeline of the same project.
  const f = await post(`/api/v1/pipelines?project=${project.slug}`, shellSpec(uniqueName("analytics-fail"), "exit 3"));
  expect(f.status).toBe(201);
  failingId = f.body.id;
  const run = await waitForRun(await startRun(failingId));
  expect(run.status).toBe("failed");
}, 60_000);

afterAll(async () => {
  await project?.pool.end();
});

describe("GET /api/v1/pipelines/{id}/analytics", () => {
  it("gives success rate, duration and queue percentiles, per day and over the window", async () => {
    const r = await get(`/api/v1/pipelines/${pipelineId}/analytics?days=7`);
    expect(r.status).toBe(200);
    expect(r.body.days).toBe(7);
    expect(r.body.daily).toHaveLength(7);
    expect(r.body.daily[6].day).toBe(dayKey(0));
    // Cancelled runs count as runs but not in the success rate: 2 of 3.
    expect(r.body.summary).toMatchObject({
      runs: 4,
      succeeded: 2,
      failed: 1,
      cancelled: 1,
      durationP50: 25 * S,
      durationP95: 38.5 * S,
      queueP50: 5 * S,
      queueP95: 7.7 * S,
    });
    expect(r.body.summary.successRate).toBeCloseTo(2 / 3, 5);
    const day = (n: number) => r.body.daily.find((d: { day: string }) => d.day === dayKey(n));
    expect(day(2)).toMatchObject({ runs: 2, succeeded: 1, failed: 1, successRate: 0.5, durationP50: 15 * S, queueP50: 3 * S });
    expect(day(1)).toMatchObject({ runs: 2, succeeded: 1, cancelled: 1, successRate: 1, durationP50: 35 * S });
    expect(day(3)).toMatchObject({ runs: 0, successRate: null, durationP50: null });
  });

  it("ranks the slowest tasks and finds the flaky one", async () => {
    const r = await get(`/api/v1/pipelines/${pipelineId}/analytics?days=7`);
    // e2e: 6, 12, 18 s (the cancelled one did not finish); build: 4, 8, 12, 16 s.
    expect(r.body.slowestTasks.map((t: { name: string; p50: number; runs: number }) => [t.name, t.p50, t.runs])).toEqual([
      ["e2e", 12 * S, 3],
      ["build", 10 * S, 4],
    ]);
    expect(r.body.flakyTasks).toHaveLength(1);
    expect(r.body.flakyTasks[0]).toMatchObject({
      name: "e2e",
      stageName: "ci",
      runs: 3,
      failures: 1,
      flakyFailures: 1,
      retriedSuccesses: 1,
      flips: 2,
    });
    expect(r.body.flakyTasks[0].flakeRate).toBeCloseTo(2 / 3, 5);
  });

  it("a window that ends before the runs is empty, not an error; a bad window is 400", async () => {
    const r = await get(`/api/v1/pipelines/${pipelineId}/analytics?days=1`);
    expect(r.status).toBe(200);
    expect(r.body.summary.runs).toBe(0);
    expect(r.body.daily).toHaveLength(1);
    const bad = await get(`/api/v1/pipelines/${pipelineId}/analytics?days=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/days/);
  });

  it("is read access: a viewer may, an outsider gets 404", async () => {
    expect((await call("GET", `/api/v1/pipelines/${pipelineId}/analytics`, { token: project.users.viewer.token })).status).toBe(200);
    expect((await call("GET", `/api/v1/pipelines/${pipelineId}/analytics`, { token: project.users.outsider.token })).status).toBe(404);
  });
});

describe("GET /api/v1/analytics", () => {
  it("per project: both pipelines, the real failed run included", async () => {
    const r = await get(`/api/v1/analytics?days=7&project=${project.slug}`);
    expect(r.status).toBe(200);
    expect(r.body.summary).toMatchObject({ runs: 5, succeeded: 2, failed: 2, cancelled: 1, successRate: 0.5 });
    const today = r.body.daily[6];
    expect(today).toMatchObject({ runs: 1, failed: 1, successRate: 0 });
    expect(today.durationP50).not.toBeNull();
    expect(r.body.slowestTasks.map((t: { pipelineId: string }) => t.pipelineId)).toEqual(expect.arrayContaining([pipelineId, failingId]));
  });

  it("across all pipelines a member sees only their projects", async () => {
    const viewer = await call("GET", "/api/v1/analytics?days=7", { token: project.users.viewer.token });
    expect(viewer.status).toBe(200);
    expect(viewer.body.summary.runs).toBe(5);
    const outsider = await call("GET", "/api/v1/analytics?days=7", { token: project.users.outsider.token });
    expect(outsider.body.summary.runs).toBe(0);
    expect((await call("GET", `/api/v1/analytics?project=${project.slug}`, { token: project.users.outsider.token })).status).toBe(404);
  });
});
