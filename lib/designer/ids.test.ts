import { describe, expect, it } from "vitest";
import { apply } from "./apply";
import { carryIds, findId, type DocIds } from "./ids";
import type { PipelineDoc } from "./types";

const doc: PipelineDoc = {
  name: "p",
  stages: [
    {
      name: "build",
      tasks: [
        { name: "a", template: "shell" },
        { name: "b", template: "shell" },
        { name: "c", template: "shell" },
      ],
    },
    { name: "test", tasks: [{ name: "d", template: "shell" }] },
  ],
};

function counter() {
  let n = 0;
  return () => `n${++n}`;
}

describe("stable designer ids", () => {
  const fresh = counter();
  const ids = carryIds(null, doc, fresh);

  it("gives every stage and task its own id", () => {
    expect(ids).toEqual({ stages: ["n1", "n2"], tasks: [["n3", "n4", "n5"], ["n6"]], finally: [] });
  });

  it("a task moved into finally keeps its id, and is found there", () => {
    const [, moved] = next(doc, { type: "moveTask", from: { stage: 0, index: 1 }, to: { stage: "finally", index: 0 } });
    expect(moved.finally).toEqual(["n4"]);
    expect(findId(moved, "n4")).toEqual({ stage: "finally", index: 0 });
  });

  const next = (d: PipelineDoc, op: Parameters<typeof apply>[1]): [PipelineDoc, DocIds] => {
    const after = apply(d, op);
    return [after, carryIds({ doc: d, ids }, after, fresh)];
  };

  it("a moved task keeps its id, and the tasks it passed keep theirs", () => {
    const [, moved] = next(doc, { type: "moveTask", from: { stage: 0, index: 0 }, to: { stage: 1, index: 1 } });
    expect(moved.tasks).toEqual([
      ["n4", "n5"],
      ["n6", "n3"],
    ]);
    expect(moved.stages).toEqual(ids.stages);
    expect(findId(moved, "n3")).toEqual({ stage: 1, index: 1 });
  });

  it("an edited or renamed task keeps its id; a duplicate gets a new one", () => {
    const [, edited] = next(doc, { type: "updateTask", task: { stage: 0, index: 1 }, patch: { params: { script: "x" } } });
    expect(edited.tasks[0]).toEqual(["n3", "n4", "n5"]);
    const [, renamed] = next(doc, { type: "updateTask", task: { stage: 0, index: 1 }, patch: { name: "bee" } });
    expect(renamed.tasks[0]).toEqual(["n3", "n4", "n5"]);
    const [, dup] = next(doc, { type: "duplicateTask", task: { stage: 0, index: 0 } });
    expect(dup.tasks[0].slice(0, 1).concat(dup.tasks[0].slice(2))).toEqual(["n3", "n4", "n5"]);
    expect(new Set(dup.tasks.flat()).size).toBe(5);
  });

  it("moved and duplicated stages keep and get ids without reusing one", () => {
    const [, moved] = next(doc, { type: "moveStage", from: 0, to: 1 });
    expect(moved.stages).toEqual(["n2", "n1"]);
    expect(moved.tasks).toEqual([["n6"], ["n3", "n4", "n5"]]);
    const [, dup] = next(doc, { type: "duplicateStage", stage: 0 });
    expect(dup.stages[0]).toBe("n1");
    expect(dup.stages[2]).toBe("n2");
    const all = [...dup.stages, ...dup.tasks.flat()];
    expect(new Set(all).size).toBe(all.length);
  });

  it("the same document gets the same ids again (YAML edits that parse to equal names)", () => {
    const reparsed: PipelineDoc = structuredClone(doc);
    expect(carryIds({ doc, ids }, reparsed, fresh)).toEqual(ids);
  });
});
