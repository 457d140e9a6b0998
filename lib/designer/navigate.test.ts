import { describe, expect, it } from "vitest";
import { neighbour } from "./navigate";

const doc = {
  name: "p",
  stages: [
    {
      name: "a",
      tasks: [
        { name: "a1", template: "shell" },
        { name: "a2", template: "shell" },
      ],
    },
    { name: "b", tasks: [{ name: "b1", template: "shell" }] },
    { name: "c", tasks: [] },
  ],
};

describe("arrow-key navigation on the canvas", () => {
  it("walks down a stage from its header and back up to it", () => {
    expect(neighbour(doc, { kind: "stage", stage: 0 }, "down")).toEqual({ kind: "task", stage: 0, index: 0 });
    expect(neighbour(doc, { kind: "task", stage: 0, index: 0 }, "down")).toEqual({ kind: "task", stage: 0, index: 1 });
    expect(neighbour(doc, { kind: "task", stage: 0, index: 1 }, "down")).toBeNull();
    expect(neighbour(doc, { kind: "task", stage: 0, index: 0 }, "up")).toEqual({ kind: "stage", stage: 0 });
  });

  it("crosses stages at the nearest row, landing on an empty stage's header", () => {
    expect(neighbour(doc, { kind: "task", stage: 0, index: 1 }, "right")).toEqual({ kind: "task", stage: 1, index: 0 });
    expect(neighbour(doc, { kind: "task", stage: 1, index: 0 }, "right")).toEqual({ kind: "stage", stage: 2 });
    expect(neighbour(doc, { kind: "stage", stage: 1 }, "left")).toEqual({ kind: "stage", stage: 0 });
    expect(neighbour(doc, { kind: "stage", stage: 0 }, "left")).toBeNull();
  });
});
