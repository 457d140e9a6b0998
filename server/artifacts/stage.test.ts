import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { stageUpload } from "./stage";

const stream = (...parts: string[]) => new Blob(parts).stream();

describe("staging an upload", () => {
  it("keeps the bytes with their size and SHA-256", async () => {
    const s = await stageUpload(stream("hello ", "world"), 100);
    expect(s.size).toBe(11);
    expect(s.sha256).toBe(createHash("sha256").update("hello world").digest("hex"));
    expect(await readFile(s.file, "utf8")).toBe("hello world");
    await s.remove();
  });

  it("takes an empty body as an empty file", async () => {
    const s = await stageUpload(null, 100);
    expect(s.size).toBe(0);
    await s.remove();
  });

  it("stops over the limit, saying which, and leaves no file", async () => {
    await expect(stageUpload(stream("x".repeat(101)), 100)).rejects.toThrow(/exceeds the limit of 100 bytes/);
  });
});
