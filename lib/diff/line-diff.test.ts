import { describe, expect, it } from "vitest";
import { diffLines, diffStats, sideBySide, splitLines, type LineOp } from "./line-diff";

/** Applying the ops to a must give b, and keeping the non-added lines must give a. */
function check(a: string, b: string) {
  const ops = diffLines(a, b);
  expect(ops.filter((o) => o.kind !== "add").map((o) => o.text)).toEqual(splitLines(a));
  expect(ops.filter((o) => o.kind !== "del").map((o) => o.text)).toEqual(splitLines(b));
  return ops;
}
const kinds = (ops: LineOp[]) => ops.map((o) => `${o.kind === "same" ? " " : o.kind === "add" ? "+" : "-"}${o.text}`);

describe("diffLines", () => {
  it("reports nothing changed for identical texts", () => {
    const ops = check("a\nb\nc\n", "a\nb\nc");
    expect(diffStats(ops)).toEqual({ added: 0, removed: 0 });
  });

  it("finds an inserted, a removed and a changed line with their line numbers", () => {
    const ops = check("name: x\nstages:\n  - a\n  - b\n  - c\n", "name: x\nstages:\n  - a\n  - B\n  - c\n  - d\n");
    expect(kinds(ops)).toEqual([" name: x", " stages:", "   - a", "-  - b", "+  - B", "   - c", "+  - d"]);
    expect(ops.find((o) => o.kind === "add" && o.text === "  - d")).toMatchObject({ b: 6 });
    expect(ops.find((o) => o.kind === "del")).toMatchObject({ a: 4 });
  });

  it("gives a minimal diff (one edit per changed line) on shuffled blocks", () => {
    const a = "1\n2\n3\n4\n5\n6\n7\n8";
    const b = "1\n3\n4\nx\n5\n6\n8\ny";
    const ops = check(a, b);
    expect(diffStats(ops)).toEqual({ added: 2, removed: 2 });
  });

  it("handles empty sides", () => {
    expect(kinds(check("", "a\nb"))).toEqual(["+a", "+b"]);
    expect(kinds(check("a\nb", ""))).toEqual(["-a", "-b"]);
    expect(check("", "")).toEqual([]);
  });

  it("stays correct on random edits", () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: rnd(30) }, () => String(rnd(6)));
      const b = a.slice();
      for (let e = rnd(8); e > 0; e--) {
        const at = rnd(b.length + 1);
        if (rnd(2) && b.length) b.splice(at, 1);
        else b.splice(at, 0, String(rnd(6)));
      }
      check(a.join("\n"), b.join("\n"));
    }
  });

  // How fast is for the benchmarks (STYLE.md #18); here: a large spec with scattered edits comes out minimal.
  it("diffs 5000-line specs with scattered edits into one edit per changed line", () => {
    const a = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const b = a.map((l, i) => (i % 500 === 0 ? `${l} changed` : l));
    const ops = check(a.join("\n"), b.join("\n"));
    expect(diffStats(ops)).toEqual({ added: 10, removed: 10 });
  });
});

describe("sideBySide", () => {
  it("puts a changed line next to its replacement and pads the longer side", () => {
    const rows = sideBySide(diffLines("a\nb\nc\n", "a\nB\nB2\nc\n"));
    expect(rows.map((r) => [r.left?.text ?? null, r.right?.text ?? null])).toEqual([
      ["a", "a"],
      ["b", "B"],
      [null, "B2"],
      ["c", "c"],
    ]);
    expect(rows[1].left).toMatchObject({ kind: "del", line: 2 });
    expect(rows[2].right).toMatchObject({ kind: "add", line: 3 });
    expect(rows[3]).toMatchObject({ left: { line: 3 }, right: { line: 4 } });
  });
});
