import { describe, expect, it } from "vitest";
import type { PipelineSpec } from "../pipeline-spec";
import { diffSpecs } from "./spec-diff";

const task = (name: string, script = "echo hi") => ({ name, template: "shell", params: { script }, env: {}, retries: 0 });
const base = (): PipelineSpec =>
  ({
    name: "demo",
    params: [],
    stages: [
      { name: "build", mode: "sequential", tasks: [task("compile"), task("unit")] },
      { name: "ship", mode: "sequential", tasks: [task("deploy")] },
    ],
  }) as unknown as PipelineSpec;

describe("diffSpecs", () => {
  it("says two equal specs are the same, whatever the key order", () => {
    const a = base();
    const b = JSON.parse(JSON.stringify(a, Object.keys(a).reverse()));
    expect(diffSpecs(a, base())).toMatchObject({ same: true, tasks: { added: [], removed: [], changed: [] } });
    expect(diffSpecs(a, { ...b, stages: base().stages }).same).toBe(true);
  });

  it("names added, removed and changed tasks and stages", () => {
    const b = base();
    b.stages[0].tasks[1] = task("unit", "npm test");
    b.stages[0].tasks.push(task("lint"));
    b.stages[1] = { name: "release", mode: "parallel", tasks: [task("deploy")] } as PipelineSpec["stages"][number];
    const d = diffSpecs(base(), b);
    expect(d.tasks).toEqual({ added: ["lint"], removed: [], changed: ["unit", "deploy"] });
    expect(d.stages).toEqual({ added: ["release"], removed: ["ship"], changed: ["build"] });
    expect(d.same).toBe(false);
  });

  it("counts a stage mode switch and a task moved between stages", () => {
    const b = base();
    b.stages[0].mode = "parallel";
    const moved = b.stages[0].tasks.pop()!;
    b.stages[1].tasks.unshift(moved);
    const d = diffSpecs(base(), b);
    expect(d.tasks.changed).toEqual(["unit"]);
    expect(d.stages.changed.sort()).toEqual(["build", "ship"]);
  });

  it("reports pipeline-level changes separately", () => {
    const b = { ...base(), description: "now described" };
    expect(diffSpecs(base(), b)).toMatchObject({ pipeline: ["description"], same: false, tasks: { changed: [] } });
  });
});
