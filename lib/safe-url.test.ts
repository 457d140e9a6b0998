import { describe, expect, it } from "vitest";
import { safeCloneUrl, safeHttpUrl } from "./safe-url";

describe("URLs from payloads", () => {
  it("keeps http(s) links and drops every other scheme, however it is spelled", () => {
    expect(safeHttpUrl("https://github.com/o/r/commit/abc")).toBe("https://github.com/o/r/commit/abc");
    expect(safeHttpUrl("http://gitlab.example/x")).toBe("http://gitlab.example/x");
    for (const bad of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      " javascript:alert(1)",
      "java\tscript:alert(1)",
      "\u0001javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "//evil.example/x",
      "/relative",
      "",
      null,
      42,
      {},
    ]) {
      expect(safeHttpUrl(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it("keeps clone URLs of git transports and scp-like addresses, and nothing that runs script", () => {
    for (const ok of [
      "https://github.com/o/r.git",
      "ssh://git@host/r.git",
      "git://host/r.git",
      "file:///srv/r.git",
      "git@github.com:o/r.git",
    ])
      expect(safeCloneUrl(ok), ok).toBe(ok);
    for (const bad of ["javascript:alert(1)", "data:,x", "java\nscript:alert(1)", "ext::sh -c touch% /tmp/pwned"])
      expect(safeCloneUrl(bad), bad).toBeNull();
  });
});
