/**
 * Line diff (Myers' O(ND) algorithm) for comparing pipeline versions side by side. Pure, so the
 * browser and tests share it.
 */

export type LineOp =
  | { kind: "same"; text: string; a: number; b: number }
  | { kind: "del"; text: string; a: number }
  | { kind: "add"; text: string; b: number };

/** Line numbers are 1-based. A trailing newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function diffLines(aText: string, bText: string): LineOp[] {
  return diffArrays(splitLines(aText), splitLines(bText));
}

export function diffArrays(a: string[], b: string[]): LineOp[] {
  return diffArraysBounded(a, b, Infinity) as LineOp[];
}

/**
 * `diffArrays`, or null when more than `maxEdits` lines differ: the search's memory grows with
 * the edits times the length, too much for two long logs that have little in common.
 */
export function diffArraysBounded(a: string[], b: string[], maxEdits: number): LineOp[] | null {
  // Common prefix and suffix are cheap and usually most of a spec.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = myers(a.slice(start, endA), b.slice(start, endB), maxEdits);
  if (!middle) return null;
  const ops: LineOp[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: "same", text: a[i], a: i + 1, b: i + 1 });
  for (const op of middle) {
    if (op.kind === "same") ops.push({ ...op, a: op.a + start, b: op.b + start });
    else if (op.kind === "del") ops.push({ ...op, a: op.a + start });
    else ops.push({ ...op, b: op.b + start });
  }
  for (let i = endA, j = endB; i < a.length; i++, j++) ops.push({ kind: "same", text: a[i], a: i + 1, b: j + 1 });
  return ops;
}

function myers(a: string[], b: string[], maxEdits: number): LineOp[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = max === 0;
  for (let d = 0; d <= max && !found; d++) {
    if (d > maxEdits) return null;
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace backwards from (n, m) to (0, 0).
  const out: LineOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      out.push({ kind: "same", text: a[x], a: x + 1, b: y + 1 });
    }
    if (d > 0) {
      if (x === prevX) {
        y--;
        out.push({ kind: "add", text: b[y], b: y + 1 });
      } else {
        x--;
        out.push({ kind: "del", text: a[x], a: x + 1 });
      }
    }
  }
  return out.reverse();
}

export interface SideCell {
  line: number;
  text: string;
  kind: "same" | "del" | "add";
}
export interface SideRow {
  left: SideCell | null;
  right: SideCell | null;
}

/** Pairs each run of deletions with the run of additions after it, so changed lines face each other. */
export function sideBySide(ops: LineOp[]): SideRow[] {
  const rows: SideRow[] = [];
  let i = 0;
  while (i < ops.length) {
    const op = ops[i];
    if (op.kind === "same") {
      rows.push({ left: { line: op.a, text: op.text, kind: "same" }, right: { line: op.b, text: op.text, kind: "same" } });
      i++;
      continue;
    }
    const dels: SideCell[] = [];
    const adds: SideCell[] = [];
    while (i < ops.length && ops[i].kind !== "same") {
      const o = ops[i++];
      if (o.kind === "del") dels.push({ line: o.a, text: o.text, kind: "del" });
      else if (o.kind === "add") adds.push({ line: o.b, text: o.text, kind: "add" });
    }
    for (let j = 0; j < Math.max(dels.length, adds.length); j++) rows.push({ left: dels[j] ?? null, right: adds[j] ?? null });
  }
  return rows;
}

export function diffStats(ops: LineOp[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const o of ops) {
    if (o.kind === "add") added++;
    else if (o.kind === "del") removed++;
  }
  return { added, removed };
}
