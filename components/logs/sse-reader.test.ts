import { describe, expect, it } from "vitest";
import { readSse, SseParser, type SseMessage } from "./sse-reader";

function parse(chunks: string[]): SseMessage[] {
  const p = new SseParser();
  const out: SseMessage[] = [];
  for (const c of chunks) p.feed(c, (m) => void out.push(m));
  return out;
}

describe("SseParser", () => {
  it("reads log line events with their ids, and the named end event", () => {
    const msgs = parse([
      'retry: 2000\n\nid: 1\ndata: {"seq":1,"text":"a"}\n\nid: 2\ndata: {"seq":2,"text":"b"}\n\nevent: end\ndata: {"status":"succeeded","lastSeq":2}\n\n',
    ]);
    expect(msgs).toEqual([
      { event: "message", data: '{"seq":1,"text":"a"}', id: "1" },
      { event: "message", data: '{"seq":2,"text":"b"}', id: "2" },
      { event: "end", data: '{"status":"succeeded","lastSeq":2}', id: "2" },
    ]);
  });

  it("puts events split across network chunks back together, anywhere", () => {
    const wire = 'id: 7\ndata: {"text":"hello"}\n\n: ping\n\nevent: run\ndata: x\n\n';
    for (let cut = 1; cut < wire.length; cut++) {
      expect(parse([wire.slice(0, cut), wire.slice(cut)]), `cut at ${cut}`).toEqual([
        { event: "message", data: '{"text":"hello"}', id: "7" },
        { event: "run", data: "x", id: "7" },
      ]);
    }
  });

  it("accepts CRLF line ends, joins multi-line data and ignores heartbeat comments", () => {
    expect(parse([": ping\r\n\r\ndata: one\r\ndata: two\r\n\r\n"])).toEqual([{ event: "message", data: "one\ntwo", id: undefined }]);
  });

  it("keeps a value's colons and treats a field without one as empty", () => {
    expect(parse(['data: {"a":"b:c"}\n\ndata\n\n'])).toEqual([
      { event: "message", data: '{"a":"b:c"}', id: undefined },
      { event: "message", data: "", id: undefined },
    ]);
  });

  it("stops where the handler says so", () => {
    const p = new SseParser();
    const seen: string[] = [];
    const stopped = p.feed("event: end\ndata: {}\n\ndata: after\n\n", (m) => {
      seen.push(m.event);
      return m.event === "end";
    });
    expect(stopped).toBe(true);
    expect(seen).toEqual(["end"]);
  });
});

describe("readSse", () => {
  it("reads a byte stream with multi-byte characters split between chunks", async () => {
    const bytes = new TextEncoder().encode('data: {"text":"unit test 5 ✓ 👋"}\n\nevent: end\ndata: {}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 5) c.enqueue(bytes.slice(i, i + 5));
        c.close();
      },
    });
    const got: SseMessage[] = [];
    const ended = await readSse(body, (m) => {
      got.push(m);
      return m.event === "end";
    });
    expect(ended).toBe(true);
    expect(JSON.parse(got[0].data).text).toBe("unit test 5 ✓ 👋");
  });

  it("says so when the server closes before the end event", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("data: 1\n\n"));
        c.close();
      },
    });
    expect(await readSse(body, () => false)).toBe(false);
  });
});
