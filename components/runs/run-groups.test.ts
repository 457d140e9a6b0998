import { describe, expect, it } from "vitest";
import type { RunStatus } from "@/lib/status";
import { combinationOf, groupMatrixRuns, isFinallyStage, matrixSummary } from "./run-groups";

const task = (name: string, status: RunStatus = "succeeded") =>
  ({
    id: name,
    name,
    status,
    exitCode: null,
    attempt: 1,
    startedAt: null,
    finishedAt: null,
    message: null,
    template: "shell",
    maxAttempts: 1,
    results: {},
  }) as const;

describe("run page groups", () => {
  it("reads a combination's matrix task and values from its task run name", () => {
    expect(combinationOf("build (NODE=20, OS=linux)")).toEqual({ task: "build", values: "NODE=20, OS=linux" });
    expect(combinationOf("build")).toBeNull();
  });

  it("gathers a matrix task's combinations under it, in the place of its first one", () => {
    const rows = groupMatrixRuns([task("lint"), task("test (NODE=18)"), task("test (NODE=20)", "failed"), task("pack")]);
    expect(rows.map((r) => (r.kind === "task" ? r.task.name : `${r.name}[${r.tasks.map((t) => t.name).join("|")}]`))).toEqual([
      "lint",
      "test[test (NODE=18)|test (NODE=20)]",
      "pack",
    ]);
  });

  it("summarises a matrix task's combinations by status, ended ones first", () => {
    expect(matrixSummary([task("a", "running"), task("b", "failed"), task("c"), task("d")])).toBe(
      "4 combinations: 2 succeeded, 1 failed, 1 running",
    );
  });

  it("takes only a last stage named finally, after other stages, as the finally tasks' stage", () => {
    const stages = (...names: string[]) => ({
      stages: names.map((name) => ({ name, status: "queued" as const, mode: "parallel" as const, tasks: [] })),
    });
    expect(isFinallyStage(stages("build", "finally"), 1)).toBe(true);
    expect(isFinallyStage(stages("finally", "build"), 0)).toBe(false);
  });
});
