import { describe, expect, it } from "vitest";
import { describeError, withLines } from "./spec-errors";

const text = `name: demo
stages:
  - name: build
    tasks:
      - name: compile
        template: no-such-template
`;

describe("withLines", () => {
  it("points a server error at the line of its field", () => {
    const [e] = withLines(text, [{ path: "stages[0].tasks[0].template", message: "unknown template 'no-such-template'" }]);
    expect(e.line).toBe(6);
  });

  it("falls back to the nearest existing parent for a missing field", () => {
    const [e] = withLines(text, [{ path: "stages[0].tasks[0].params.script", message: "required" }]);
    expect(e.line).toBe(5);
  });

  it("keeps lines the server already gave and errors without a path", () => {
    const errs = [
      { path: "name", message: "taken", line: 1 },
      { path: "", message: "conflict" },
    ];
    expect(withLines(text, errs)).toEqual(errs);
  });

  it("points an unknown field at its own line, not the object's", () => {
    const t = `${text}        retry: 3\n`;
    const [e] = withLines(t, [{ path: "stages[0].tasks[0]", message: "unknown field 'retry'", line: 5 }]);
    expect(e.line).toBe(7);
  });

  it("lists problems top to bottom", () => {
    const out = withLines(text, [
      { path: "stages[0].tasks[0].template", message: "unknown template" },
      { path: "name", message: "taken", line: 1 },
    ]);
    expect(out.map((e) => e.line)).toEqual([1, 6]);
  });

  it("reads as path: message", () => {
    expect(describeError({ path: "stages[0].name", message: "required" })).toBe("stages[0].name: required");
    expect(describeError({ path: "", message: "bad YAML" })).toBe("bad YAML");
  });
});
