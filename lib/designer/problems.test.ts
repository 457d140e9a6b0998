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
    const out = problemsByNode(doc, (template, params) => (template === "shell" ? (params.script ? [] : [{ path: "script", message: "required" }]) : null));
    expect(out["0"]?.[0].message).toMatch(/DNS-1123/);
    expect(out["0/0"]).toEqual([{ path: "stages[0].tasks[0].params.script", message: "required" }]);
    expect(out["1"]?.[0].message).toBe("a stage needs at least one task");
    expect(out["2/0"]?.[0].message).toBe("unknown template 'nope'");
  });
});
