import { describe, expect, it } from "vitest";
import { collectResults, MAX_RESULT_BYTES, MAX_TASK_RESULTS_BYTES } from "./results";

describe("collecting a task's results", () => {
  it("keeps declared names, drops one trailing newline, and names what it ignored", () => {
    expect(
      collectResults(
        [
          { name: "digest", content: "sha256:1\n" },
          { name: "other", content: "x" },
          { name: "multi", content: "a\nb\n\n" },
        ],
        ["digest", "multi"],
      ),
    ).toEqual({
      ok: true,
      results: { digest: "sha256:1", multi: "a\nb\n" },
      ignored: ["other"],
    });
  });

  it("fails with the reason past 4 KiB for one result or 16 KiB for the task", () => {
    expect(collectResults([{ name: "big", content: "x".repeat(MAX_RESULT_BYTES + 1) }], ["big"])).toEqual({
      ok: false,
      message: `result 'big' is ${MAX_RESULT_BYTES + 1} bytes; a result may have at most ${MAX_RESULT_BYTES}`,
    });
    const five = ["a", "b", "c", "d", "e"].map((name) => ({ name, content: "y".repeat(MAX_RESULT_BYTES) }));
    const r = collectResults(
      five,
      five.map((f) => f.name),
    );
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining(`over ${MAX_TASK_RESULTS_BYTES} bytes together`) });
  });
});
