import { describe, expect, it } from "vitest";
import { createMasker, MASK } from "@/lib/mask";
import type { LogLine, LogStore } from "../logs/store";
import { LogWriter } from "../logs/writer";

/** What reaches the store is all that anyone can ever read: nothing of a secret may be in it. */
class MemoryStore implements LogStore {
  lines: LogLine[] = [];
  async append(_id: string, lines: LogLine[]) {
    this.lines.push(...lines);
  }
  async read() {
    return [];
  }
  async lastSeq() {
    return this.lines.length;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("masking output written in pieces", () => {
  const secret = "abcdef-S3CRET";
  const writerWith = (store: MemoryStore) => new LogWriter(store, "tr", { mask: createMasker([secret]), flushMs: 1 });

  it("masks a secret printed across several writes with pauses (printf abc; sleep; printf def)", async () => {
    const store = new MemoryStore();
    const w = writerWith(store);
    w.write("out", "token: abc");
    await sleep(30);
    w.write("out", Buffer.from("def-S3"));
    await sleep(30);
    w.write("out", "CRET done\nnext ");
    await sleep(30);
    w.write("out", "abcdef-");
    await w.flush();
    // Nothing of an unfinished line is stored before its end comes.
    expect(store.lines.map((l) => l.text)).toEqual([`token: ${MASK} done`]);
    w.write("out", "S3CRET");
    await w.close();
    expect(store.lines.map((l) => l.text)).toEqual([`token: ${MASK} done`, `next ${MASK}`]);
  });

  it("masks a secret split across a forced break of an endless line", async () => {
    const store = new MemoryStore();
    const w = writerWith(store);
    const filler = "x".repeat(64 * 1024 - 5);
    w.write("out", filler + "abcdef-");
    await sleep(20);
    w.write("out", "S3CRET" + "y".repeat(70 * 1024));
    await w.close();
    const all = store.lines.map((l) => l.text).join("");
    expect(all).not.toContain("abcdef-S3");
    expect(all).toContain(MASK);
  });

  it("masks a secret split byte-wise inside a multi-byte character stream", async () => {
    const store = new MemoryStore();
    const w = new LogWriter(store, "tr", { mask: createMasker(["pässwörd-42"]), flushMs: 1 });
    const bytes = Buffer.from("pw=pässwörd-42\n");
    for (const b of bytes) w.write("err", Buffer.from([b]));
    await w.close();
    expect(store.lines.map((l) => l.text)).toEqual([`pw=${MASK}`]);
  });
});
