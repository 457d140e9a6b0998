import { describe, expect, it } from "vitest";
import { problemsByNode } from "./problems";

describe("problemsByNode", () => {
  it("puts spec errors and template param errors on the node they belong to", () => {
    const doc = {
      name: "p",
      stages: [
        { name: "Bad Stage", tasks: [{ name: "ok", template: "shell", params: {} }] },
        { name: "empty", tasks: [] },
        { name: "b", tasks: [{ name: "x", template: "nope" }] },
      ],
    };
    const out = problemsByNode(doc, (template, params) =>
      template === "shell" ? (params.script ? [] : [{ path: "script", message: "required" }]) : null,
    );
    expect(out["0"]?.[0].message).toMatch(/DNS-1123/);
    expect(out["0/0"]).toEqual([{ path: "stages[0].tasks[0].params.script", message: "required" }]);
    expect(out["1"]?.[0].message).toBe("a stage needs at least one task");
    expect(out["2/0"]?.[0].message).toBe("unknown template 'nope'");
  });

  it("finds what the whole-spec check finds, checking stages and tasks one by one", async () => {
    const { PipelineSpecSchema, formatPath } = await import("@/lib/pipeline-spec");
    const doc = {
      name: "Bad",
      extra: 1,
      stages: [
        {
          name: "a",
          mode: "sideways",
          tasks: [
            { name: "t", template: "" },
            { name: "t", template: "s", retries: 99, bogus: true },
          ],
        },
        { name: "a", tasks: [{ name: "Upper", template: "s", env: { "bad-name": "x" } }] },
        { name: "c", tasks: [] },
      ],
    };
    const whole = PipelineSpecSchema.safeParse(doc);
    const expected = whole.success ? [] : whole.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    const none = () => [];
    const got = Object.values(problemsByNode(doc as never, none))
      .flat()
      .map((p) => `${p.path}: ${p.message}`);
    // Zod skips its duplicate-name refinement once a field is malformed; the designer shows them all at once.
    expect(got.filter((p) => !/duplicate/.test(p)).sort()).toEqual(expected.sort());
    expect(got.filter((p) => /duplicate/.test(p)).sort()).toEqual([
      "stages[0].tasks[1].name: duplicate task name 't'",
      "stages[1].name: duplicate stage name 'a'",
    ]);
  });

  it("the whole-spec check adds only what the piece-by-piece one cannot see", async () => {
    const { otherSpecIssues } = await import("./problems");
    const doc = { name: "p", stages: [{ name: "a", tasks: [{ name: "t", template: "shell", params: { script: "x" } }] }] };
    expect(otherSpecIssues(doc)).toEqual([]);
    const bad = { name: "Bad", stages: [{ name: "a", tasks: [{ name: "t", template: "" }] }] };
    expect(otherSpecIssues(bad)).toEqual([]);
    // An issue found only by the whole spec is passed through and lands on its node.
    const out = problemsByNode(doc, () => [], [{ path: ["stages", 0, "tasks", 0, "secrets", 0], message: "also set in env" }]);
    expect(out["0/0"]).toEqual([{ path: "stages[0].tasks[0].secrets[0]", message: "also set in env" }]);
  });
});
