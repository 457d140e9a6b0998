import { describe, expect, it } from "vitest";
import { canRedo, canUndo, historyReducer, initHistory } from "./history";
import type { PipelineDoc } from "./types";

const start: PipelineDoc = { name: "p", stages: [{ name: "a", tasks: [{ name: "t", template: "shell" }] }] };

describe("undo/redo history", () => {
  it("undoes and redoes every edit in order", () => {
    let h = initHistory(start);
    h = historyReducer(h, { type: "apply", op: { type: "addStage", name: "b" } });
    h = historyReducer(h, { type: "apply", op: { type: "setStageMode", stage: 0, mode: "parallel" } });
    const last = h.present;
    h = historyReducer(h, { type: "undo" });
    expect(h.present.stages[0].mode).toBeUndefined();
    h = historyReducer(h, { type: "undo" });
    expect(h.present).toBe(start);
    expect(canUndo(h)).toBe(false);
    h = historyReducer(h, { type: "redo" });
    h = historyReducer(h, { type: "redo" });
    expect(h.present).toBe(last);
    expect(canRedo(h)).toBe(false);
  });

  it("a new edit after an undo drops the redo branch", () => {
    let h = historyReducer(initHistory(start), { type: "apply", op: { type: "addStage", name: "b" } });
    h = historyReducer(h, { type: "undo" });
    h = historyReducer(h, { type: "apply", op: { type: "addStage", name: "c" } });
    expect(canRedo(h)).toBe(false);
    expect(h.present.stages.map((s) => s.name)).toEqual(["a", "c"]);
  });

  it("typing in one field undoes as one step", () => {
    let h = initHistory(start);
    for (const script of ["e", "ec", "ech", "echo"])
      h = historyReducer(h, {
        type: "apply",
        op: { type: "updateTask", task: { stage: 0, index: 0 }, patch: { params: { script } } },
        coalesceKey: "0/0/params",
      });
    expect(h.present.stages[0].tasks[0].params).toEqual({ script: "echo" });
    h = historyReducer(h, { type: "undo" });
    expect(h.present).toBe(start);
  });

  it("ignores an edit whose target is gone", () => {
    const h = initHistory(start);
    expect(historyReducer(h, { type: "apply", op: { type: "deleteTask", task: { stage: 3, index: 0 } } })).toBe(h);
  });
});
