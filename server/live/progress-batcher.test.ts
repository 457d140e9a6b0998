import { describe, expect, it } from "vitest";
import { ProgressBatcher, type LiveSource, type Progress } from "./hub";

/** A source whose batched progress read answers after `ms`, recording the ids of each read. */
function source(ms: number) {
  const reads: string[][] = [];
  const s: LiveSource = {
    runRev: async () => null,
    runView: async () => {
      throw new Error("unused");
    },
    taskRunProgress: async () => {
      throw new Error("the batched read should be used");
    },
    readLog: async () => [],
    async taskRunsProgress(ids) {
      reads.push([...ids]);
      await new Promise((r) => setTimeout(r, ms));
      if (ids.includes("boom")) throw new Error("database away");
      return new Map<string, Progress>(ids.filter((id) => id !== "gone").map((id) => [id, { status: "running", logSeq: id.length }]));
    },
  };
  return { s, reads };
}

describe("ProgressBatcher", () => {
  it("answers fifty followed logs polled together with one read", async () => {
    const { s, reads } = source(5);
    const b = new ProgressBatcher(s);
    const ids = Array.from({ length: 50 }, (_, i) => `tr-${i}`);
    const got = await Promise.all([...ids, "gone"].map((id) => b.get(id)));
    expect(reads).toHaveLength(1);
    expect(reads[0].sort()).toEqual([...ids, "gone"].sort());
    expect(got[0]).toEqual({ status: "running", logSeq: 4 });
    expect(got[50]).toBeNull();
  });

  it("gathers polls that come while a read is in flight into the next read", async () => {
    const { s, reads } = source(30);
    const b = new ProgressBatcher(s);
    const first = b.get("a");
    await new Promise((r) => setTimeout(r, 10));
    const later = ["b", "c", "a"].map((id) => b.get(id));
    await Promise.all([first, ...later]);
    expect(reads).toEqual([["a"], ["b", "c", "a"]]);
  });

  it("fails the polls of a read that failed, and reads again afterwards", async () => {
    const { s, reads } = source(1);
    const b = new ProgressBatcher(s);
    await expect(Promise.all([b.get("x"), b.get("boom")])).rejects.toThrow("database away");
    expect(await b.get("y")).toEqual({ status: "running", logSeq: 1 });
    expect(reads).toHaveLength(2);
  });
});
