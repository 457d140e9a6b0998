import { describe, expect, it, vi } from "vitest";
import { createMasker, MASK } from "@/lib/mask";
import type { LogLine, LogStore } from "./store";
import { LogWriter, MAX_LINE_CHARS } from "./writer";

/** An in-memory LogStore: a test double of our own interface, recording every append. */
class MemoryStore implements LogStore {
  batches: LogLine[][] = [];
  /** Calls of append, failed ones and those still waiting at the gate included. */
  calls = 0;
  failNext = 0;
  failWith: unknown = null;
  gate: Promise<void> | null = null;
  async append(_id: string, lines: LogLine[]) {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("connection lost");
    }
    this.batches.push(lines.map((l) => ({ ...l })));
  }
  async read(_id: string, afterSeq: number, limit: number) {
    return this.lines.filter((l) => l.seq > afterSeq).slice(0, limit);
  }
  async lastSeq() {
    return this.lines.at(-1)?.seq ?? 0;
  }
  get lines() {
    return this.batches.flat();
  }
  text(stream?: string) {
    return this.lines.filter((l) => !stream || l.stream === stream).map((l) => l.text);
  }
}

describe("log writer", () => {
  it("splits each stream into lines on its own, so stdout and stderr never tear each other's lines", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr");
    w.write("out", "hel");
    w.write("err", "warn");
    w.write("out", Buffer.from("lo\nwor"));
    w.write("err", "ing\n");
    w.write("out", "ld\n");
    await w.close();
    expect(store.text("out")).toEqual(["hello", "world"]);
    expect(store.text("err")).toEqual(["warning"]);
  });

  it("numbers lines 1, 2, 3… in the order they complete, continuing after startSeq", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr", { startSeq: 7 });
    w.write("out", "a\nb\n");
    w.system("attempt 2 of 3");
    w.write("err", "c\n");
    await w.close();
    expect(store.lines.map((l) => [l.seq, l.stream, l.text])).toEqual([
      [8, "out", "a"],
      [9, "out", "b"],
      [10, "sys", "attempt 2 of 3"],
      [11, "err", "c"],
    ]);
    expect(w.lastSeq).toBe(11);
  });

  it("stores lines in batches, not a write per line", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr");
    for (let i = 1; i <= 20_000; i++) w.write("out", `line ${i}\n`);
    await w.close();
    expect(store.lines).toHaveLength(20_000);
    expect(store.batches.length).toBeLessThanOrEqual(10);
    expect(store.lines.map((l) => l.seq)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
  });

  it("drops the CR of CRLF line ends and keeps empty lines", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr");
    w.write("out", "dos\r\n\nunix\n");
    await w.close();
    expect(store.text()).toEqual(["dos", "", "unix"]);
  });

  it("stores a last line that has no newline when the writer closes", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr");
    w.write("out", "done without newline");
    await w.close();
    expect(store.text()).toEqual(["done without newline"]);
  });

  it("stores nothing for a task that prints nothing", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr");
    await w.close();
    expect(store.batches).toEqual([]);
  });

  it("splits a line over 1 MiB into continuation lines without dropping a character", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr");
    const big = "x".repeat(1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 65_536) w.write("out", big.slice(i, i + 65_536)); // pipe-sized chunks
    w.write("out", "\nafter\n");
    await w.close();
    const texts = store.text();
    expect(texts.at(-1)).toBe("after");
    expect(texts.slice(0, -1).join("")).toBe(big);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
  });

  it("masks a secret that straddles the point where a long line is split", async () => {
    const secret = "sup3r-s3cret-value";
    for (const chunk of [1, 4096, 1 << 20]) {
      const store = new MemoryStore();
      const w = new LogWriter(store, "tr", { mask: createMasker([secret]) });
      const line = "y".repeat(MAX_LINE_CHARS - 5) + secret + "z".repeat(MAX_LINE_CHARS) + secret + "\n";
      for (let i = 0; i < line.length; i += chunk) w.write("out", line.slice(i, i + chunk));
      w.write("out", "plain " + secret.slice(0, 9));
      w.write("out", secret.slice(9) + "\n");
      await w.close();
      const all = store.text().join("");
      expect(all, `chunks of ${chunk}`).not.toContain(secret.slice(0, 9));
      expect(all).not.toContain(secret.slice(9));
      expect(store.text().at(-1)).toBe(`plain ${MASK}`);
    }
  });

  it("turns invalid UTF-8 into U+FFFD and decodes characters split across writes", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr");
    const wave = Buffer.from("👋\n");
    w.write("out", wave.subarray(0, 2));
    w.write("out", wave.subarray(2));
    w.write("out", Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]));
    await w.close();
    expect(store.text()).toEqual(["👋", "\uFFFD\uFFFD\u0000A"]);
  });

  it("retries a failed store write and keeps lines in order without duplicates", async () => {
    const store = new MemoryStore();
    store.failNext = 2;
    const w = new LogWriter(store, "tr", { flushMs: 1 });
    w.write("out", "one\n");
    // The second line is written once the first is stored, after two failed writes.
    await vi.waitFor(() => expect(store.lines).toHaveLength(1), { timeout: 5000 });
    expect(store.calls).toBe(3);
    w.write("out", "two\nthree\n");
    await w.close();
    expect(store.text()).toEqual(["one", "two", "three"]);
    expect(store.lines.map((l) => l.seq)).toEqual([1, 2, 3]);
  });

  it("asks producers to wait while the store lags far behind, and lets them go once it catches up", async () => {
    const store = new MemoryStore();
    let open!: () => void;
    store.gate = new Promise((r) => (open = r));
    const w = new LogWriter(store, "tr", { flushMs: 1 });
    const chunk = "z".repeat(1000) + "\n";
    while (!w.full) w.write("out", chunk);
    let resumed = false;
    const room = w.waitForRoom().then(() => (resumed = true));
    // Nothing but the store's answer makes room: once its write is held, the producer must still wait.
    await vi.waitFor(() => expect(store.calls).toBeGreaterThan(0));
    await Promise.resolve();
    expect(resumed).toBe(false);
    store.gate = null;
    open();
    await room;
    expect(resumed).toBe(true);
    await w.close();
    expect(store.lines.every((l) => l.text.length === 1000)).toBe(true);
  });

  it("drops lines at once when their task run no longer exists, instead of retrying for minutes", async () => {
    const store = new MemoryStore();
    store.failWith = new Error("Failed query", { cause: Object.assign(new Error("foreign key"), { code: "ER_NO_REFERENCED_ROW_2" }) });
    const w = new LogWriter(store, "tr");
    w.write("out", "orphan\n");
    await w.close();
    expect(store.calls).toBe(1);
    expect(store.batches).toEqual([]);
  });
});
