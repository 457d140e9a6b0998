import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkQueue } from "./work-queue";

/**
 * The key a worker would get now, or "nothing" if none is ready. Only asks the queue when it has
 * something: a `get()` left waiting would take the next key from the test.
 */
async function next(q: WorkQueue): Promise<string | undefined | "nothing"> {
  return q.length > 0 ? q.get() : "nothing";
}

describe("work queue", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());

  it("holds a key once however often it is added before a worker takes it", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    q.add("ns/a");
    q.add("ns/b");
    q.add("ns/a");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("ns/a");
    expect(await q.get()).toBe("ns/b");
  });

  it("does not hand a key being worked on to a second worker, and hands it out again after if it was re-added", async () => {
    const q = new WorkQueue();
    q.add("ns/a");
    const key = await q.get();
    expect(key).toBe("ns/a");
    q.add("ns/a");
    q.add("ns/a");
    expect(await next(q), "second worker got the key in progress").toBe("nothing");
    // A second worker already waiting gets it only once the first is done with it.
    let second: string | undefined;
    const waiting = q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second, "second worker got the key in progress").toBeUndefined();
    q.done("ns/a");
    await waiting;
    expect(second).toBe("ns/a");
    q.done("ns/a");
    expect(await next(q), "processed more than once after done").toBe("nothing");
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add("ns/late");
    expect(await waiting).toBe("ns/late");
  });

  it("retries a failing key after a per-key exponential back-off, and starts over after a success", async () => {
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 350 });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.addRateLimited("ns/a");
      const t0 = Date.now();
      let got: string | undefined | "nothing" = "nothing";
      while (got === "nothing") {
        await vi.advanceTimersByTimeAsync(10);
        got = await next(q);
      }
      delays.push(Date.now() - t0);
      q.done("ns/a");
    }
    expect(delays).toEqual([100, 200, 350, 350]);
    expect(q.requeues("ns/a")).toBe(4);
    q.forget("ns/a");
    expect(q.requeues("ns/a")).toBe(0);
    // Another key's failures are its own.
    expect(q.requeues("ns/b")).toBe(0);
  });

  it("keeps the earliest time when a key is delayed twice, and adds it at once when it is due now", async () => {
    const q = new WorkQueue();
    q.addAfter("ns/a", 1000);
    q.addAfter("ns/a", 5000);
    await vi.advanceTimersByTimeAsync(999);
    expect(await next(q)).toBe("nothing");
    await vi.advanceTimersByTimeAsync(1);
    expect(await next(q)).toBe("ns/a");
    q.addAfter("ns/b", 0);
    expect(await next(q)).toBe("ns/b");
  });

  it("limits all retries together with a token bucket", async () => {
    const q = new WorkQueue({ baseDelayMs: 1, qps: 2, burst: 1 });
    q.addRateLimited("ns/a");
    q.addRateLimited("ns/b");
    await vi.advanceTimersByTimeAsync(1);
    expect(await next(q)).toBe("ns/a");
    expect(await next(q), "second retry within the same instant").toBe("nothing");
    await vi.advanceTimersByTimeAsync(499);
    expect(await next(q)).toBe("ns/b");
  });

  it("on shutdown, releases waiting workers and drops delayed keys", async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.addAfter("ns/a", 100);
    q.shutdown();
    expect(await waiting).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    expect(await q.get()).toBeUndefined();
    q.add("ns/b");
    expect(q.length).toBe(0);
  });
});

describe("work queue workers", () => {
  it("never works on one key in two workers at once, and works on different keys in parallel", async () => {
    const q = new WorkQueue();
    const active = new Set<string>();
    let overlapSameKey = false;
    let maxParallel = 0;
    const seen: string[] = [];
    const running = q.run(
      async (key) => {
        if (active.has(key)) overlapSameKey = true;
        active.add(key);
        maxParallel = Math.max(maxParallel, active.size);
        seen.push(key);
        // While the key is being worked on, events for it keep arriving.
        q.add(key);
        await new Promise((r) => setTimeout(r, 5));
        active.delete(key);
        if (seen.length >= 8) q.shutdown();
      },
      { concurrency: 4 },
    );
    q.add("ns/a");
    q.add("ns/b");
    await running;
    expect(overlapSameKey).toBe(false);
    expect(maxParallel).toBe(2);
    expect(seen.filter((k) => k === "ns/a").length).toBeGreaterThan(1);
  });

  it("retries a key whose worker threw, with back-off, and forgets the failures once it succeeds", async () => {
    const q = new WorkQueue({ baseDelayMs: 1 });
    const attempts: number[] = [];
    const errors: string[] = [];
    const running = q.run(
      async (key) => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error(`API unavailable (${key})`);
        q.shutdown();
      },
      { onError: (key, e) => errors.push((e as Error).message) },
    );
    q.add("ns/a");
    await running;
    expect(attempts.length).toBe(3);
    expect(errors).toEqual(["API unavailable (ns/a)", "API unavailable (ns/a)"]);
    expect(q.requeues("ns/a")).toBe(0);
  });

  it("comes back to a key when the worker asks to (a deadline will pass)", async () => {
    const q = new WorkQueue();
    let calls = 0;
    const running = q.run(async () => {
      calls++;
      if (calls === 1) return { requeueAfterMs: 20 };
      q.shutdown();
    });
    q.add("ns/a");
    await running;
    expect(calls).toBe(2);
  });
});
