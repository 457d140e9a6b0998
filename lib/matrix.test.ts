import { describe, expect, it } from "vitest";
import { matrixCombinations, matrixStatus, withMatrixOutcomes } from "./matrix";
import { matrixTaskName, PipelineSpecSchema, type PipelineSpecInput } from "./pipeline-spec";
import { formatPath } from "./pipeline-spec";

const spec = (task: Record<string, unknown>, extra: Partial<PipelineSpecInput> = {}) =>
  PipelineSpecSchema.safeParse({ name: "p", stages: [{ name: "s", tasks: [{ name: "t", template: "shell", ...task }] }], ...extra });
const problems = (r: ReturnType<typeof spec>) =>
  r.success ? [] : r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));

describe("a matrix task's combinations", () => {
  it("expands the axes in order, the last changing fastest, and names each task run", () => {
    const combos = matrixCombinations({ NODE: ["18", "20"], OS: ["linux", "mac"] });
    expect(combos).toEqual([
      { NODE: "18", OS: "linux" },
      { NODE: "18", OS: "mac" },
      { NODE: "20", OS: "linux" },
      { NODE: "20", OS: "mac" },
    ]);
    expect(combos.map((c) => matrixTaskName("build", c))).toContain("build (NODE=20, OS=linux)");
  });

  it("reads numbers and booleans as text", () => {
    const r = spec({ matrix: { NODE: [18, 20.5], DEBUG: [true] } });
    expect(r.success && r.data.stages[0].tasks[0].matrix).toEqual({ NODE: ["18", "20.5"], DEBUG: ["true"] });
  });

  it("refuses too many axes or combinations, bad names, repeated values and failFast without a matrix, at the field", () => {
    expect(problems(spec({ matrix: { A: ["1"], B: ["1"], C: ["1"], D: ["1"] } }))).toEqual([
      { path: "stages[0].tasks[0].matrix", message: "at most 3 axes (this one has 4)" },
    ]);
    expect(problems(spec({ matrix: { A: [1, 2, 3, 4, 5], B: [1, 2, 3, 4], C: [1, 2, 3, 4] } }))).toEqual([
      { path: "stages[0].tasks[0].matrix", message: "at most 64 combinations (this one makes 80)" },
    ]);
    expect(problems(spec({ matrix: { node: ["1"] } }))[0]).toMatchObject({ path: expect.stringContaining("stages[0].tasks[0].matrix") });
    expect(problems(spec({ matrix: { A: ["1", 1] } }))).toEqual([
      { path: "stages[0].tasks[0].matrix.A[1]", message: "value '1' is listed twice" },
    ]);
    expect(problems(spec({ matrix: { A: [] } }))).toEqual([
      { path: "stages[0].tasks[0].matrix.A", message: "an axis needs at least one value" },
    ]);
    expect(problems(spec({ failFast: false }))).toEqual([
      { path: "stages[0].tasks[0].failFast", message: "failFast applies only to a task with a matrix" },
    ]);
    expect(problems(spec({ matrix: { A: ["1"] }, env: { A: "x" } }))).toEqual([
      { path: "stages[0].tasks[0].env.A", message: "'A' is a matrix axis of this task; drop one of them" },
    ]);
  });

  it("refuses combinations whose task run names would not fit", () => {
    const long = (c: string) => c.repeat(64);
    const r = problems(spec({ name: "a".repeat(63), matrix: { AXIS_ONE: [long("x")], AXIS_TWO: [long("y")], AXIS_THREE: [long("z")] } }));
    expect(r).toEqual([{ path: "stages[0].tasks[0].matrix", message: expect.stringContaining("at most 255") }]);
  });
});

describe("what a matrix task came to", () => {
  it("is failed if any combination failed, over once all are, skipped only if all were", () => {
    expect(matrixStatus(["succeeded", "failed", "running"])).toBe("failed");
    expect(matrixStatus(["succeeded", "cancelled"])).toBe("cancelled");
    expect(matrixStatus(["succeeded", "running"])).toBeNull();
    expect(matrixStatus(["succeeded", "skipped"])).toBe("succeeded");
    expect(matrixStatus(["skipped", "skipped"])).toBe("skipped");
  });

  it("is what later tasks read under the task's own name, without results", () => {
    const m = (status: "succeeded" | "failed", n: string) => ({
      name: `build (N=${n})`,
      status,
      results: { x: n },
      plan: { matrix: { task: "build" } },
    });
    const out = withMatrixOutcomes([m("succeeded", "1"), m("failed", "2"), { name: "lint", status: "succeeded", plan: {} }]);
    expect(out.build).toEqual({ status: "failed", results: {} });
    expect(out["build (N=1)"]).toEqual({ status: "succeeded", results: { x: "1" } });
    expect(out.lint.status).toBe("succeeded");
  });
});

describe("finally tasks in the spec", () => {
  it("share the task names of the stages and are at most 20", () => {
    const dup = PipelineSpecSchema.safeParse({
      name: "p",
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }],
      finally: [{ name: "t", template: "shell" }],
    });
    expect(problems(dup)).toEqual([{ path: "finally[0].name", message: "duplicate task name 't'" }]);
    const many = PipelineSpecSchema.safeParse({
      name: "p",
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }],
      finally: Array.from({ length: 21 }, (_, i) => ({ name: `f${i}`, template: "shell" })),
    });
    expect(problems(many)).toEqual([{ path: "finally", message: "at most 20 finally tasks" }]);
  });
});
