import { describe, expect, it } from "vitest";
import { badgeResponse, badgeSvg } from "./badge";

describe("status badge", () => {
  it("draws the pipeline's name and the status, with markup in the name escaped", () => {
    const svg = badgeSvg(`<b>"web"</b>`, "failing");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain("&#60;b&#62;&#34;web&#34;&#60;/b&#62;: failing");
    expect(svg).not.toContain("<b>");
    expect(svg).toContain('fill="#e05d44"');
  });

  it("is cached publicly only when public, and answers 304 to its own ETag", async () => {
    const pub = badgeResponse({ svg: badgeSvg("web", "passing"), public: true }, null);
    expect(pub.headers.get("cache-control")).toBe("public, max-age=60, s-maxage=60");
    expect(pub.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    const priv = badgeResponse({ svg: badgeSvg("web", "passing"), public: false }, null);
    expect(priv.headers.get("cache-control")).toBe("private, no-cache");
    expect(badgeResponse({ svg: badgeSvg("web", "passing"), public: false }, pub.headers.get("etag")).status).toBe(304);
    expect(badgeResponse({ svg: badgeSvg("web", "failing"), public: false }, pub.headers.get("etag")).status).toBe(200);
  });
});
