import { describe, expect, it, vi } from "vitest";
import { ProgressBatcher, type LiveSource, type Progress } from "./hub";

/**
 * A source recording the ids of each batched progress read; with `held`, a read answers only when
 * the test calls `release()`, so a read is in flight for as long as the test needs.
 */
function source(o: { held?: boolean } = {}) {
  const reads: string[][] = [];
  let release!: () => void;
  const gate = o.held ? new Promise<void>((r) => (release = r)) : Promise.resolve();
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
      await gate;
      if (ids.includes("boom")) throw new Error("database away");
      return new Map<string, Progress>(ids.filter((id) => id !== "gone").map((id) => [id, { status: "running", logSeq: id.length }]));
    },
  };
  return { s, reads, release: () => release() };
}

describe("ProgressBatcher", () => {
  it("answers fifty followed logs polled together with one read", async () => {
    const { s, reads } = source();
    const b = new ProgressBatcher(s);
    const ids = Array.from({ length: 50 }, (_, i) => `tr-${i}`);
    const got = await Promise.all([...ids, "gone"].map((id) => b.get(id)));
    expect(reads).toHaveLength(1);
    expect(reads[0].sort()).toEqual([...ids, "gone"].sort());
    expect(got[0]).toEqual({ status: "running", logSeq: 4 });
    expect(got[50]).toBeNull();
  });

  it("gathers polls that come while a read is in flight into the next read", async () => {
    const { s, reads, release } = source({ held: true });
    const b = new ProgressBatcher(s);
    const first = b.get("a");
    await vi.waitFor(() => expect(reads).toHaveLength(1));
    const later = ["b", "c", "a"].map((id) => b.get(id));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(reads, "no second read while the first is in flight").toHaveLength(1);
    release();
    await Promise.all([first, ...later]);
    expect(reads).toEqual([["a"], ["b", "c", "a"]]);
  });

  it("fails the polls of a read that failed, and reads again afterwards", async () => {
    const { s, reads } = source();
    const b = new ProgressBatcher(s);
    await expect(Promise.all([b.get("x"), b.get("boom")])).rejects.toThrow("database away");
    expect(await b.get("y")).toEqual({ status: "running", logSeq: 1 });
    expect(reads).toHaveLength(2);
  });
});
