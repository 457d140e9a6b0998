import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "./callback-url";

describe("safeCallbackUrl", () => {
  it("returns to the page the visitor asked for", () => {
    expect(safeCallbackUrl("/runs/abc?task=t1")).toBe("/runs/abc?task=t1");
    expect(safeCallbackUrl("/runs/abc#log")).toBe("/runs/abc#log");
  });

  // Each of these is a path to a naive check ("starts with one slash") that a browser reads as
  // another host, or a script.
  const offSite = [
    "https://evil.example/",
    "//evil.example/x",
    "/\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\r/evil.example",
    "/\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\\\evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http:evil.example",
    "https:/evil.example",
    "http://localhost:3000@evil.example/",
  ];
  it.each(offSite)("never sends anyone off-site after signing in: %j", (evil) => {
    expect(safeCallbackUrl(evil)).toBe("/pipelines");
    expect(safeCallbackUrl(evil, "http://localhost:3000")).toBe("/pipelines");
  });

  it("keeps encoded slashes as a path of this app, never as a host", () => {
    expect(safeCallbackUrl("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example");
    expect(safeCallbackUrl("/%5Cevil.example")).toBe("/%5Cevil.example");
    expect(safeCallbackUrl("/%09/evil.example")).toBe("/%09/evil.example");
  });

  it("accepts an absolute URL of the app's own origin, as a path", () => {
    expect(safeCallbackUrl("http://localhost:3000/runs?x=1", "http://localhost:3000")).toBe("/runs?x=1");
    expect(safeCallbackUrl("http://localhost:3001/runs", "http://localhost:3000")).toBe("/pipelines");
  });

  it("goes to the pipelines when there is nothing (or only the login page) to return to", () => {
    expect(safeCallbackUrl(undefined)).toBe("/pipelines");
    expect(safeCallbackUrl("")).toBe("/pipelines");
    expect(safeCallbackUrl("/login?callbackUrl=/x")).toBe("/pipelines");
    expect(safeCallbackUrl("/\tlogin")).toBe("/pipelines");
    expect(safeCallbackUrl(["/runs", "/other"])).toBe("/runs");
  });
});
