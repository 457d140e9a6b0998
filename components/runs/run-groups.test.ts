import { describe, expect, it } from "vitest";
import type { RunStatus } from "@/lib/status";
import { combinationOf, groupMatrixRuns, isFinallyStage, matrixSummary } from "./run-groups";

/** A task run; `test (NODE=18)` is a combination of matrix task `test`, as the API marks it. */
const task = (name: string, status: RunStatus = "succeeded") => {
  const m = /^(\S+) \((\w+)=(\w+)\)$/.exec(name);
  return {
    ...(m ? { matrix: { task: m[1], values: { [m[2]]: m[3] } } } : {}),
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
  } as const;
};

describe("run page groups", () => {
  it("reads a combination's matrix task and values from what the API says of it", () => {
    expect(combinationOf({ matrix: { task: "build", values: { NODE: "20", OS: "linux" } } })).toEqual({
      task: "build",
      values: "NODE=20, OS=linux",
    });
    expect(combinationOf({})).toBeNull();
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

  it("takes the stage the API marks, not a user's stage that happens to be named finally", () => {
    const stage = (name: string, fin?: boolean) => ({
      ...(fin ? { finally: true } : {}),
      name,
      status: "queued" as const,
      mode: "parallel" as const,
      tasks: [],
    });
    expect(isFinallyStage({ stages: [stage("build"), stage("finally", true)] }, 1)).toBe(true);
    expect(isFinallyStage({ stages: [stage("finally"), stage("finally", true)] }, 0)).toBe(false);
  });
});
