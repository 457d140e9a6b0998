import { describe, expect, it } from "vitest";
import { paramRows } from "./param-rows";

describe("paramRows", () => {
  it("lists each param with its type, whether it is required, its default and description", () => {
    const rows = paramRows({
      type: "object",
      required: ["url"],
      properties: {
        url: { type: "string", title: "Repository URL", format: "uri" },
        mode: { type: "string", enum: ["a", "b"], default: "a" },
        tags: { type: "array", items: { type: "string" } },
        wait: { type: "boolean", default: false, description: "wait for it" },
        token: { type: "string", secret: true },
      },
    });
    expect(rows).toEqual([
      { name: "url", type: "string (uri)", required: true, default: null, description: "Repository URL", secret: false },
      { name: "mode", type: 'one of "a", "b"', required: false, default: "a", description: "", secret: false },
      { name: "tags", type: "array of string", required: false, default: null, description: "", secret: false },
      { name: "wait", type: "boolean", required: false, default: "false", description: "wait for it", secret: false },
      { name: "token", type: "string", required: false, default: null, description: "", secret: true },
    ]);
  });

  it("gives no rows for a schema without properties", () => {
    expect(paramRows({ type: "object" })).toEqual([]);
  });
});
