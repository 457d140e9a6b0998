import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "./callback-url";

describe("safeCallbackUrl", () => {
  it("returns to the page the visitor asked for", () => {
    expect(safeCallbackUrl("/runs/abc?task=t1")).toBe("/runs/abc?task=t1");
  });

  it("never sends anyone off-site after signing in", () => {
    for (const evil of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]) {
      expect(safeCallbackUrl(evil), evil).toBe("/pipelines");
    }
  });

  it("goes to the pipelines when there is nothing (or only the login page) to return to", () => {
    expect(safeCallbackUrl(undefined)).toBe("/pipelines");
    expect(safeCallbackUrl("/login?callbackUrl=/x")).toBe("/pipelines");
    expect(safeCallbackUrl(["/runs", "/other"])).toBe("/runs");
  });
});
