import { describe, expect, it } from "vitest";
import { hasControlChars } from "./control-chars";

describe("hasControlChars", () => {
  it("finds NUL, the other C0 controls and DEL anywhere in the text", () => {
    for (const c of ["\u0000", "\t", "\n", "\r", "\u001b", "\u001f", "\u007f"])
      expect(hasControlChars(`a${c}b`), JSON.stringify(c)).toBe(true);
  });

  it("accepts printable ASCII, spaces and non-ASCII text", () => {
    for (const s of ["", "https://example.com/a b", "~!@#$%^&*()", "héllo wörld 👋", "\u0080\u00a0"])
      expect(hasControlChars(s), s).toBe(false);
  });
});
