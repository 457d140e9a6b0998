import { describe, expect, it } from "vitest";
import { lastEventId, SSE_HEADERS, sseEvent, sseResponse } from "./sse";

describe("SSE plumbing", () => {
  it("formats an event with its type and id", () => {
    expect(sseEvent('{"a":1}', { event: "run", id: 7 })).toBe('event: run\nid: 7\ndata: {"a":1}\n\n');
    expect(sseEvent("x")).toBe("data: x\n\n");
  });

  it("reads Last-Event-ID only when it is a sequence number", () => {
    const req = (v?: string) => new Request("http://x/", { headers: v === undefined ? {} : { "last-event-id": v } });
    expect(lastEventId(req("42"))).toBe(42);
    expect(lastEventId(req(" 3 "))).toBe(3);
    expect(lastEventId(req("abc"))).toBeUndefined();
    expect(lastEventId(req("-1"))).toBeUndefined();
    expect(lastEventId(req())).toBeUndefined();
  });

  it("sends no-buffering headers and pulls the producer only as fast as the client reads", async () => {
    let produced = 0;
    let cleaned = 0;
    const res = sseResponse(
      new Request("http://x/"),
      async () => (produced < 100 ? `data: ${++produced}\n\n` : null),
      () => cleaned++,
    );
    for (const [k, v] of Object.entries(SSE_HEADERS)) expect(res.headers.get(k)).toBe(v);
    const reader = res.body!.getReader();
    await reader.read(); // retry:
    // Give the stream every chance to pull ahead: pulls are promise callbacks, done within a few turns.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // Nobody is reading: the producer ran at most a chunk ahead, not to the end.
    expect(produced).toBeLessThanOrEqual(2);
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text.match(/^data: /gm)).toHaveLength(100);
    expect(cleaned).toBe(1);
  });

  it("stops producing and cleans up when the client aborts", async () => {
    const ac = new AbortController();
    let cleaned = 0;
    let sawAbort = false;
    const res = sseResponse(
      new Request("http://x/", { signal: ac.signal }),
      (signal) =>
        new Promise<string | null>((resolve) => {
          signal.addEventListener("abort", () => {
            sawAbort = true;
            resolve(null);
          });
        }),
      () => cleaned++,
    );
    const reader = res.body!.getReader();
    await reader.read();
    const pending = reader.read();
    ac.abort();
    expect((await pending).done).toBe(true);
    expect(sawAbort).toBe(true);
    expect(cleaned).toBe(1);
  });
});
