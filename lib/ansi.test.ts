import { describe, expect, it } from "vitest";
import { parseAnsi, PLAIN, spanStyle, stripAnsi, xtermColor } from "./ansi";

const spans = (text: string) => parseAnsi(text).spans.map((s) => [s.text, s.style]);

describe("parseAnsi", () => {
  it("leaves plain text as one unstyled span", () => {
    expect(spans("hello from Gantry")).toEqual([["hello from Gantry", PLAIN]]);
  });

  it("colours the demo pipeline's green, bold yellow and red words", () => {
    expect(spans("\x1b[32mgreen\x1b[0m \x1b[1;33mbold yellow\x1b[0m \x1b[31mred\x1b[0m")).toEqual([
      ["green", { fg: 2 }],
      [" ", PLAIN],
      ["bold yellow", { bold: true, fg: 3 }],
      [" ", PLAIN],
      ["red", { fg: 1 }],
    ]);
  });

  it("reads bright, 256-colour and truecolor foregrounds and backgrounds", () => {
    expect(parseAnsi("\x1b[91ma").spans[0].style).toEqual({ fg: 9 });
    expect(parseAnsi("\x1b[104ma").spans[0].style).toEqual({ bg: 12 });
    expect(parseAnsi("\x1b[38;5;208ma").spans[0].style).toEqual({ fg: 208 });
    expect(parseAnsi("\x1b[48;2;255;0;128ma").spans[0].style).toEqual({ bg: "#ff0080" });
    expect(parseAnsi("\x1b[38:2::10:20:30ma").spans[0].style).toEqual({ fg: "#0a141e" });
  });

  it("turns single attributes off without resetting the others", () => {
    expect(spans("\x1b[1;3;4;31mA\x1b[22mB\x1b[39;23mC\x1b[24mD")).toEqual([
      ["A", { bold: true, italic: true, underline: true, fg: 1 }],
      ["B", { italic: true, underline: true, fg: 1 }],
      ["C", { underline: true }],
      ["D", PLAIN],
    ]);
  });

  it("treats ESC[m as a reset", () => {
    expect(spans("\x1b[31mred\x1b[mplain")).toEqual([
      ["red", { fg: 1 }],
      ["plain", PLAIN],
    ]);
  });

  it("carries the style into the next line, like a terminal", () => {
    const first = parseAnsi("\x1b[35mstarts purple");
    expect(first.end).toEqual({ fg: 5 });
    const second = parseAnsi("still purple\x1b[0m done", first.end);
    expect(second.spans.map((s) => [s.text, s.style])).toEqual([
      ["still purple", { fg: 5 }],
      [" done", PLAIN],
    ]);
    expect(second.end).toBe(PLAIN);
  });

  it("drops cursor, erase and OSC sequences but keeps their text around", () => {
    expect(stripAnsi("\x1b[2K\x1b[1Gloading\x1b]0;window title\x07 done\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\")).toBe("loading donelink");
  });

  it("shows what a carriage-return progress bar ends on", () => {
    expect(stripAnsi("10%\r50%\r100%")).toBe("100%");
    expect(stripAnsi("windows line\r")).toBe("windows line");
  });

  it("makes control bytes and binary junk visible instead of breaking the line", () => {
    expect(stripAnsi("a\x00b\x07c\x7fd\x9be")).toBe("a\u2400b\u2407c\u2421d\ufffde");
    expect(stripAnsi("tab\tstays")).toBe("tab\tstays");
    expect(stripAnsi("lone escape at the end\x1b")).toBe("lone escape at the end\u241b");
  });

  it("ignores a malformed extended colour instead of misreading the rest", () => {
    expect(parseAnsi("\x1b[38;9;1mx").spans[0].style).toEqual(PLAIN);
    expect(parseAnsi("\x1b[38;5mx").spans[0].style).toEqual(PLAIN);
  });
});

describe("spanStyle", () => {
  it("uses themed variables for the basic colours and computes the 256 palette", () => {
    expect(spanStyle({ fg: 2 })).toEqual({ color: "var(--ansi-2)" });
    expect(spanStyle({ fg: 3, bold: true })).toEqual({ color: "var(--ansi-11)", fontWeight: "600" });
    expect(spanStyle({ bg: 196 })).toEqual({ backgroundColor: "rgb(255,0,0)" });
    expect(xtermColor(244)).toBe("rgb(128,128,128)");
    expect(spanStyle(PLAIN)).toBeUndefined();
  });

  it("swaps colours for inverse video, falling back to the log's own colours", () => {
    expect(spanStyle({ inverse: true })).toEqual({ color: "var(--log-bg)", backgroundColor: "var(--log-fg)" });
  });
});
