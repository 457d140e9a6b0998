import { describe, expect, it } from "vitest";
import { artifactUrl } from "@/lib/artifact-schemas";
import { artifactNameProblem, downloadHeaders, storageKey } from "./keys";

describe("artifact names and keys", () => {
  it("keys an artifact under its project, pipeline and run number", () => {
    expect(storageKey({ projectSlug: "web", pipelineId: "p-1", runNumber: 7 }, "dist/app.tgz")).toBe("web/p-1/7/dist/app.tgz");
  });

  it.each(["app.tgz", "dist/sub/a b.txt", "ü/…"])("accepts the relative path %j", (n) => expect(artifactNameProblem(n)).toBeNull());

  it.each([
    ["", /empty/],
    ["../etc/passwd", /'\.\.' segment/],
    ["dist//a", /empty/],
    ["/abs", /empty/],
    ["a/./b", /'\.'/],
    ["a\\b", /backslash/],
    ["a\nb", /control/],
    ["x".repeat(513), /at most 512/],
  ])("refuses %j, saying why", (n, why) => expect(artifactNameProblem(n)).toMatch(why));

  it("links each segment encoded, slashes kept", () => {
    expect(artifactUrl("r1", "dist/a b#1.txt")).toBe("/api/v1/runs/r1/artifacts/dist/a%20b%231.txt");
  });

  it("always serves a download, never a page, with a safe file name", () => {
    const h = downloadHeaders({ name: "site/index.html", size: 3, contentType: "text/html", sha256: "ab" });
    expect(h["Content-Disposition"]).toBe(`attachment; filename="index.html"; filename*=UTF-8''index.html`);
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(downloadHeaders({ name: 'a"ü.txt', size: 1, contentType: "bad type;", sha256: null })).toMatchObject({
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="a__.txt"; filename*=UTF-8''a%22%C3%BC.txt`,
    });
  });
});
