import { describe, expect, it } from "vitest";
import { problemsByNode } from "./problems";
import { pathOf, referenceIssues, templateRefInfo } from "./reference-problems";
import type { PaletteTemplate } from "./task-from-template";
import type { PipelineDoc } from "./types";

const tpl = (name: string, extra: Partial<PaletteTemplate> = {}): PaletteTemplate => ({
  name,
  title: name,
  category: "general",
  description: "",
  icon: "box",
  paramsSchema: { type: "object", properties: { script: { type: "string" }, token: { type: "string", secret: true } } },
  ...extra,
});
const templates = new Map([
  ["shell", templateRefInfo(tpl("shell"))],
  ["kaniko", templateRefInfo(tpl("kaniko", { results: [{ name: "digest" }] }))],
]);
const info = (n: string) => templates.get(n);

describe("referenceIssues", () => {
  it("marks an unknown reference at its field and leaves known ones alone", () => {
    const doc: PipelineDoc = {
      name: "p",
      stages: [
        { name: "build", tasks: [{ name: "image", template: "kaniko" }] },
        {
          name: "deploy",
          tasks: [
            {
              name: "go",
              template: "shell",
              params: { script: "echo {{ tasks.image.results.digest }} {{ tasks.image.results.sha }}" },
              env: { WHERE: "{{ git.nope }}" },
            },
          ],
        },
      ],
    };
    const issues = referenceIssues(doc, info, null);
    expect(issues.map((i) => i.path)).toEqual([
      ["stages", 1, "tasks", 0, "params", "script"],
      ["stages", 1, "tasks", 0, "env", "WHERE"],
    ]);
    expect(issues[0].message).toMatch(/declares no result 'sha'/);
    // On the task's node, like the other field errors.
    const byNode = problemsByNode(doc, () => [], issues);
    expect(byNode["1/0"].map((p) => p.path)).toEqual(["stages[1].tasks[0].params.script", "stages[1].tasks[0].env.WHERE"]);
  });

  it("checks secret fields against the project's secrets when they are known", () => {
    const doc: PipelineDoc = {
      name: "p",
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { token: "{{ secrets.NOPE }}" } }] }],
    };
    expect(referenceIssues(doc, info, new Set(["TOKEN"]))[0].message).toMatch(/no secret 'NOPE'/);
    expect(referenceIssues(doc, info, null)).toEqual([]);
    const literal = { ...doc, stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { token: "hunter2" } }] }] };
    expect(referenceIssues(literal, info, null)[0].message).toMatch(/secret/);
  });

  it("reads a half-edited document with the spec's defaults, keeping every task at its index", () => {
    const doc = {
      name: "p",
      stages: [
        { name: "a", tasks: [{ name: "one", template: "shell", results: [{ name: "out" }] }, { name: "two" }] },
        {
          name: "b",
          when: "tasks.three.status == 'succeeded'",
          tasks: [{ template: "shell", params: { script: "{{ tasks.one.results.out }}" } }],
        },
      ],
    } as PipelineDoc;
    expect(referenceIssues(doc, info, null)).toEqual([
      { path: ["stages", 1, "when"], message: "task 'three' does not end before this one (tasks it may use: one, two)" },
    ]);
  });

  it("reads a field path back into its parts", () => {
    expect(pathOf("stages[2].tasks[10].params.list[3].name")).toEqual(["stages", 2, "tasks", 10, "params", "list", 3, "name"]);
  });
});
