import { describe, expect, it } from "vitest";
import type { RunJson } from "@/lib/api-schemas";
import { applyRunEvent, defaultTask, findTask } from "./run-events";

function run(rev: number, over: Partial<RunJson> = {}): RunJson {
  return {
    id: "run-1",
    pipelineId: "p-1",
    pipelineName: "hello-world",
    number: 7,
    version: 2,
    status: "running",
    message: null,
    params: { GREETING: "hello", TOKEN: "***" },
    trigger: "manual",
    priority: 0,
    createdBy: "admin",
    createdAt: "2025-01-01T00:00:00.000Z",
    startedAt: "2025-01-01T00:00:01.000Z",
    finishedAt: null,
    rev,
    stages: [
      {
        name: "greet",
        mode: "sequential",
        status: "running",
        tasks: [
          {
            id: "t-say",
            name: "say",
            template: "shell",
            status: "running",
            exitCode: null,
            attempt: 1,
            maxAttempts: 1,
            startedAt: null,
            finishedAt: null,
            message: null,
            results: {},
          },
        ],
      },
      {
        name: "checks",
        mode: "parallel",
        status: "queued",
        tasks: [
          {
            id: "t-lint",
            name: "lint",
            template: "shell",
            status: "queued",
            exitCode: null,
            attempt: 0,
            maxAttempts: 1,
            startedAt: null,
            finishedAt: null,
            message: null,
            results: {},
          },
          {
            id: "t-unit",
            name: "unit-test",
            template: "shell",
            status: "queued",
            exitCode: null,
            attempt: 0,
            maxAttempts: 1,
            startedAt: null,
            finishedAt: null,
            message: null,
            results: {},
          },
        ],
      },
    ],
    ...over,
  };
}

describe("applyRunEvent", () => {
  it("takes the first state it is given", () => {
    const r = run(3);
    expect(applyRunEvent(undefined, r)).toBe(r);
  });

  it("moves to a newer revision", () => {
    const next = run(4, { status: "succeeded" });
    expect(applyRunEvent(run(3), next)).toBe(next);
  });

  it("ignores an event older than what the page shows (a late reconnect replay)", () => {
    const cur = run(5, { status: "cancelled" });
    expect(applyRunEvent(cur, run(4, { status: "running" }))).toBe(cur);
  });

  it("ignores the same revision arriving twice (cancel reply and stream event)", () => {
    const cur = run(6, { status: "cancelled" });
    expect(applyRunEvent(cur, run(6, { status: "cancelled" }))).toBe(cur);
  });

  it("ignores events of another run", () => {
    const cur = run(1);
    expect(applyRunEvent(cur, run(9, { id: "run-2" }))).toBe(cur);
  });
});

describe("task lookup", () => {
  it("finds a task run by id across stages", () => {
    expect(findTask(run(1), "t-unit")?.name).toBe("unit-test");
    expect(findTask(run(1), "nope")).toBeUndefined();
  });

  it("opens the first failed task by default, none while all is well", () => {
    expect(defaultTask(run(1))).toBeUndefined();
    const failed = run(2);
    failed.stages[1].tasks[1] = { ...failed.stages[1].tasks[1], status: "failed" };
    expect(defaultTask(failed)?.id).toBe("t-unit");
  });
});
