import { describe, expect, it } from "vitest";
import { parseSse } from "./client";

const stream = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });

async function all(s: ReadableStream<Uint8Array>) {
  const out = [];
  for await (const e of parseSse(s)) out.push(e);
  return out;
}

describe("the CLI's SSE reader", () => {
  it("reads events split anywhere across chunks, with ids, names and multi-line data", async () => {
    const events = await all(stream("id: 1\nda", 'ta: {"a":1}\n\n: heartbeat\n\nevent: end\r\nid: 2\r\n', "data: x\ndata: y\n\n"));
    expect(events).toEqual([
      { id: "1", event: "message", data: '{"a":1}' },
      { id: "2", event: "end", data: "x\ny" },
    ]);
  });

  it("drops an event cut off by the end of the stream", async () => {
    expect(await all(stream("data: complete\n\ndata: half"))).toEqual([{ id: undefined, event: "message", data: "complete" }]);
  });
});
