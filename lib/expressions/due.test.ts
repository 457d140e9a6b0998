import { describe, expect, it } from "vitest";
import type { TaskPlan } from "../plan";
import { decideDue } from "./due";

const base: TaskPlan = {
  template: "shell",
  templateVersion: 1,
  image: "x",
  command: ["sh"],
  localCommand: ["sh"],
  env: {},
  timeoutSeconds: 60,
  retries: 0,
};
const run = { id: "r1", number: 7 };
const ctx = {
  params: { ENV: "prod" },
  git: { branch: "main", sha: "" },
  event: { type: "push", issueKeys: [], image: "", mr: { iid: 0 } },
  pipeline: { name: "p" },
  project: { slug: "x" },
};
const when = (...exprs: string[]) => ({
  ...base,
  when: { conditions: exprs.map((expr, i) => ({ expr, from: i === 0 ? ("stage" as const) : ("task" as const) })), context: ctx },
});

describe("a task that is due", () => {
  it("runs when every condition holds, over params, git, run and earlier tasks", () => {
    const d = decideDue(
      when('git.branch == "main" && params.ENV == "prod"', 'tasks.test.status == "succeeded" && run.number == 7'),
      { test: { status: "succeeded", results: {} } },
      run,
    );
    expect(d).toEqual({ kind: "run" });
  });

  it("is skipped with the condition that was false, naming stage or task", () => {
    expect(decideDue(when('git.branch == "release"'), {}, run)).toEqual({
      kind: "skip",
      message: 'skipped: the stage\'s condition `git.branch == "release"` is false',
    });
    expect(
      decideDue(when("true", 'tasks.test.results.coverage == "100"'), { test: { status: "succeeded", results: { coverage: "90" } } }, run),
    ).toMatchObject({
      kind: "skip",
      message: expect.stringContaining("the task's condition"),
    });
  });

  it("fails when a condition cannot be evaluated", () => {
    expect(decideDue(when('tasks.gone.status == "x"'), {}, run)).toMatchObject({
      kind: "fail",
      message: expect.stringContaining("No such key: gone"),
    });
  });

  it("is skipped when a result it uses comes from a skipped task, and fails when one was never written", () => {
    const plan = { ...base, needs: [["build", "digest"]] as [string, string][] };
    expect(decideDue(plan, { build: { status: "skipped", results: {} } }, run)).toMatchObject({ kind: "skip" });
    expect(decideDue(plan, { build: { status: "succeeded", results: {} } }, run)).toEqual({
      kind: "fail",
      message: "task 'build' succeeded without writing its result 'digest'",
    });
    expect(decideDue(plan, { build: { status: "succeeded", results: { digest: "sha256:1" } } }, run)).toEqual({ kind: "run" });
  });
});
