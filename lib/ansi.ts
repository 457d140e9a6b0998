/**
 * A small ANSI SGR parser for log lines: colours and text attributes become styled spans;
 * other escape sequences (cursor moves, erase, OSC titles/links) are dropped; control bytes
 * become visible symbols so binary junk can't break the layout. Styles carry across lines
 * the way a terminal does, so the caller passes each line's start style and keeps the end one.
 */

/** 0–255: the xterm palette; a string: a truecolor "#rrggbb". */
export type AnsiColor = number | string;

export interface AnsiStyle {
  readonly fg?: AnsiColor;
  readonly bg?: AnsiColor;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly inverse?: boolean;
  readonly strike?: boolean;
}

export interface AnsiSpan {
  text: string;
  style: AnsiStyle;
}

export const PLAIN: AnsiStyle = Object.freeze({});

// ESC sequences first (CSI, OSC, two-byte), then carriage return, then other control bytes.
// C1 controls (0x80–0x9f) are included: they show up when binary output is decoded as Latin-1.
/* eslint-disable no-control-regex -- a terminal parser: the control characters are the point */
const SPECIAL = /\x1b(?:\[([0-?]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\r|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const HAS_SPECIAL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
/* eslint-enable no-control-regex */

/** Whether a line holds anything parseAnsi changes (escapes, carriage returns, control bytes). */
export function hasSpecial(text: string): boolean {
  return HAS_SPECIAL.test(text);
}

export function parseAnsi(text: string, start: AnsiStyle = PLAIN): { spans: AnsiSpan[]; end: AnsiStyle } {
  if (!HAS_SPECIAL.test(text)) return { spans: text ? [{ text, style: start }] : [], end: start };
  let spans: AnsiSpan[] = [];
  let style = start;
  let last = 0;
  const push = (s: string) => {
    if (!s) return;
    const prev = spans[spans.length - 1];
    if (prev && prev.style === style) prev.text += s;
    else spans.push({ text: s, style });
  };
  SPECIAL.lastIndex = 0;
  for (let m = SPECIAL.exec(text); m; m = SPECIAL.exec(text)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const c = m[0];
    if (c === "\r") {
      // A carriage return rewrites the line (progress bars): show what the terminal would end on.
      if (last < text.length) spans = [];
    } else if (c.charCodeAt(0) === 0x1b && c.length > 1) {
      if (m[2] === "m") style = applySgr(style, m[1] ?? "");
    } else {
      push(controlPicture(c.charCodeAt(0)));
    }
  }
  push(text.slice(last));
  return { spans, end: style };
}

/** Text without escape sequences, e.g. for width estimates and copy. */
export function stripAnsi(text: string, start: AnsiStyle = PLAIN): string {
  return parseAnsi(text, start)
    .spans.map((s) => s.text)
    .join("");
}

function controlPicture(code: number): string {
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return "\ufffd";
}

export function applySgr(start: AnsiStyle, params: string): AnsiStyle {
  // Colon sub-parameters (38:2::r:g:b) are read like semicolons; an empty list means reset.
  const p =
    params === ""
      ? [0]
      : params
          .replace(/::/g, ":")
          .split(/[;:]/)
          .map((x) => (x === "" ? 0 : Number(x)));
  let s: { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] } = { ...start };
  for (let i = 0; i < p.length; i++) {
    const n = p[i];
    if (n === 0) s = {};
    else if (n === 1) s.bold = true;
    else if (n === 2) s.dim = true;
    else if (n === 3) s.italic = true;
    else if (n === 4 || n === 21) s.underline = true;
    else if (n === 7) s.inverse = true;
    else if (n === 9) s.strike = true;
    else if (n === 22) {
      delete s.bold;
      delete s.dim;
    } else if (n === 23) delete s.italic;
    else if (n === 24) delete s.underline;
    else if (n === 27) delete s.inverse;
    else if (n === 29) delete s.strike;
    else if (n >= 30 && n <= 37) s.fg = n - 30;
    else if (n === 39) delete s.fg;
    else if (n >= 40 && n <= 47) s.bg = n - 40;
    else if (n === 49) delete s.bg;
    else if (n >= 90 && n <= 97) s.fg = n - 90 + 8;
    else if (n >= 100 && n <= 107) s.bg = n - 100 + 8;
    else if (n === 38 || n === 48) {
      const key = n === 38 ? "fg" : "bg";
      if (p[i + 1] === 5 && i + 2 < p.length) {
        const c = p[i + 2];
        if (c >= 0 && c <= 255) s[key] = c;
        i += 2;
      } else if (p[i + 1] === 2 && i + 4 < p.length) {
        const [r, g, b] = [p[i + 2], p[i + 3], p[i + 4]].map((x) => Math.max(0, Math.min(255, x | 0)));
        s[key] = `#${hex(r)}${hex(g)}${hex(b)}`;
        i += 4;
      } else break; // malformed: ignore the rest rather than misread it
    }
  }
  return Object.keys(s).length ? s : PLAIN;
}

const hex = (n: number) => n.toString(16).padStart(2, "0");

/** xterm 256-colour palette entries 16–255 as CSS; 0–15 are themed (see spanAttrs). */
export function xtermColor(n: number): string {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const lv = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${lv(Math.floor(i / 36))},${lv(Math.floor(i / 6) % 6)},${lv(i % 6)})`;
}

const colorCss = (c: AnsiColor) => (typeof c === "string" ? c : c < 16 ? `var(--ansi-${c})` : xtermColor(c));

/** CSS for a span. The 16 basic colours come from theme variables so they read on light and dark. */
export function spanStyle(s: AnsiStyle): Record<string, string> | undefined {
  if (s === PLAIN) return undefined;
  let fg = s.fg !== undefined ? colorCss(s.fg) : undefined;
  let bg = s.bg !== undefined ? colorCss(s.bg) : undefined;
  // Bold basic colours render bright, as most terminals do.
  if (s.bold && typeof s.fg === "number" && s.fg < 8) fg = colorCss(s.fg + 8);
  if (s.inverse) [fg, bg] = [bg ?? "var(--log-bg)", fg ?? "var(--log-fg)"];
  const css: Record<string, string> = {};
  if (fg) css.color = fg;
  if (bg) css.backgroundColor = bg;
  if (s.bold) css.fontWeight = "600";
  if (s.dim) css.opacity = "0.7";
  if (s.italic) css.fontStyle = "italic";
  const deco = [s.underline && "underline", s.strike && "line-through"].filter(Boolean).join(" ");
  if (deco) css.textDecoration = deco;
  return css;
}
