import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  parse,
  parseDocument,
  Scalar,
  stringify,
  type Document,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { GANTRY_KEYS } from "./pipeline-file";

/**
 * The designer's change to a pipeline file kept in its repository, written into the file's own
 * text: the file is read as a YAML document for the places of its nodes, and only the text of the
 * nodes whose value changed is replaced, deleted or added to, so comments, anchors, key order,
 * quoting and indentation survive byte for byte everywhere else. Gantry's own keys (name,
 * repository, triggers, source) are never written: they stay as the file has them.
 *
 * The edited text is parsed back and compared with the design; should a construct defeat the
 * text edits, the same change is made through the `yaml` Document API instead (comments kept,
 * the layout normalised), so the file always says what was designed.
 */

export type EditResult = { ok: true; text: string; changed: boolean } | { ok: false; message: string };

type Plain = Record<string, unknown>;
interface Splice {
  start: number;
  end: number;
  text: string;
}

const isPlain = (v: unknown): v is Plain => !!v && typeof v === "object" && !Array.isArray(v);

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return a === b;
}

const keyOf = (k: unknown) => String(isScalar(k) ? k.value : k);
const isCollectionValue = (v: unknown) => isPlain(v) || Array.isArray(v);

/** Edits of one file's text, collected while walking its document, applied from the end. */
class TextEdit {
  readonly splices: Splice[] = [];
  constructor(
    readonly doc: Document,
    readonly text: string,
  ) {}

  js(node: unknown): unknown {
    return node && typeof node === "object" && "toJS" in node ? (node as { toJS(d: Document): unknown }).toJS(this.doc) : node;
  }
  column(offset: number) {
    return offset - (this.text.lastIndexOf("\n", offset - 1) + 1);
  }
  lineStart(offset: number) {
    return this.text.lastIndexOf("\n", offset - 1) + 1;
  }
  /** The offset after the line `offset` is on (after its newline). */
  lineEnd(offset: number) {
    if (offset > 0 && this.text[offset - 1] === "\n") return offset;
    const nl = this.text.indexOf("\n", offset);
    return nl === -1 ? this.text.length : nl + 1;
  }
  splice(start: number, end: number, text: string) {
    this.splices.push({ start, end, text });
  }
  result(): string {
    let out = this.text;
    // From the end, so earlier offsets hold; at one offset a replacement first, and of two
    // insertions the later one (an outer map's key after an inner list's item) first, to end up after.
    const order = this.splices.map((s, i) => ({ ...s, i })).sort((a, b) => b.start - a.start || b.end - a.end || b.i - a.i);
    for (const s of order) out = out.slice(0, s.start) + s.text + out.slice(s.end);
    return out;
  }

  /** A scalar's text in the style the replaced one had (plain, quoted, a literal block at its indentation). */
  scalarText(v: unknown, old: unknown, inFlow: boolean): string {
    const type = isScalar(old) ? old.type : undefined;
    if (typeof v === "string") {
      if (type === Scalar.BLOCK_LITERAL && isScalar(old) && old.range) {
        const body = this.text.slice(old.range[0], old.range[1]);
        const indent = /\n( +)\S/.exec(body)?.[1] ?? " ".repeat(this.column(old.range[0]) + 2);
        const chomp = v.endsWith("\n\n") ? "+" : v.endsWith("\n") ? "" : "-";
        const lines = v.replace(/\n+$/, "").split("\n");
        return `|${chomp}\n${lines.map((l) => (l ? indent + l : "")).join("\n")}\n${chomp === "+" ? "\n".repeat(v.length - v.trimEnd().length - 1) : ""}`;
      }
      if (type === Scalar.QUOTE_SINGLE && !v.includes("\n")) return `'${v.replace(/'/g, "''")}'`;
      if (type === Scalar.QUOTE_DOUBLE || v.includes("\n")) return JSON.stringify(v);
      const plain = stringify(v).trimEnd();
      return inFlow && /[,[\]{}]/.test(plain) ? JSON.stringify(v) : plain;
    }
    return stringify(v).trimEnd();
  }

  /** A collection written out in block style, every line after the first at `indent`. */
  block(v: unknown, indent: number): string {
    const pad = " ".repeat(indent);
    return stringify(v, { lineWidth: 0 })
      .trimEnd()
      .split("\n")
      .map((l, i) => (i === 0 ? l : l ? pad + l : l))
      .join("\n");
  }

  /** `wanted` in place of `node` (not the same): scalars in their own style, collections edited inside. */
  value(node: unknown, wanted: unknown, ctx: { inFlow: boolean; indent: number; pair?: Pair }) {
    if (isMap(node) && isPlain(wanted) && !node.flow) return this.map(node, wanted, []);
    if (isSeq(node) && Array.isArray(wanted) && !node.flow) return this.seq(node, wanted);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (!range) return this.whole(ctx, wanted);
    if (!isCollectionValue(wanted) && (isScalar(node) || isAlias(node))) {
      const text = this.scalarText(wanted, node, ctx.inFlow);
      const keepsNewline = this.text[range[1] - 1] === "\n" && !text.endsWith("\n");
      return this.splice(range[0], range[1], keepsNewline ? `${text}\n` : text);
    }
    // A flow collection, or a change of kind: the node written anew.
    const flowOk = ctx.inFlow || (isCollection(node) && node.flow && !Object.values(wanted as object).some(isCollectionValue));
    if (flowOk) return this.splice(range[0], range[1], stringify(wanted, { collectionStyle: "flow", lineWidth: 0 }).trimEnd());
    return this.whole(ctx, wanted);
  }

  /** A map value written anew after its key's colon, in block style under the key. */
  whole(ctx: { indent: number; pair?: Pair }, wanted: unknown) {
    const pair = ctx.pair;
    const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    const valueRange = (pair?.value as { range?: [number, number, number] } | null | undefined)?.range;
    if (!keyRange) throw new Error("no place to write the value");
    const end = valueRange ? valueRange[1] : keyRange[2];
    const colon = this.text.indexOf(":", keyRange[1]);
    const pad = ctx.indent + 2;
    const rendered =
      isCollectionValue(wanted) && Object.keys(wanted as object).length
        ? `:\n${" ".repeat(pad)}${this.block(wanted, pad)}`
        : `: ${this.scalarText(wanted, null, false)}`;
    const newline = this.text[end - 1] === "\n" ? "\n" : "";
    this.splice(colon, end, rendered + newline);
  }

  map(map: YAMLMap, wanted: Plain, skip: readonly string[]) {
    const pairs = map.items as Pair[];
    const first = (pairs[0]?.key as { range?: number[] } | undefined)?.range;
    if (!first) throw new Error("an empty block map");
    const indent = this.column(first[0]);
    let end = 0;
    for (const pair of pairs) {
      const k = keyOf(pair.key);
      const kr = (pair.key as { range: number[] }).range;
      const vr = (pair.value as { range?: number[] } | null)?.range;
      const stop = this.lineEnd(vr ? vr[2] : kr[2]);
      end = Math.max(end, stop);
      if (skip.includes(k)) continue;
      if (!Object.hasOwn(wanted, k)) this.splice(this.lineStart(kr[0]), stop, "");
      else if (!same(this.js(pair.value), wanted[k])) this.value(pair.value, wanted[k], { inFlow: false, indent, pair });
    }
    const added = Object.entries(wanted).filter(([k]) => !skip.includes(k) && !pairs.some((p) => keyOf(p.key) === k));
    if (!added.length) return;
    const pad = " ".repeat(indent);
    const lead = end > 0 && this.text[end - 1] !== "\n" ? "\n" : "";
    this.splice(end, end, lead + added.map(([k, v]) => `${pad}${this.block({ [k]: v }, indent)}\n`).join(""));
  }

  seq(seq: YAMLSeq, wanted: unknown[]) {
    const items = seq.items as ({ range?: number[] } | null)[];
    const ranges: number[][] = [];
    for (const i of items) {
      if (!i?.range) throw new Error("a block sequence item without a place");
      ranges.push(i.range);
    }
    if (!ranges.length) throw new Error("an empty block sequence");
    const dash = this.text.lastIndexOf("-", ranges[0][0]);
    const dashCol = this.column(dash);
    const contentCol = this.column(ranges[0][0]);
    wanted.forEach((v, i) => {
      if (i >= items.length || same(this.js(items[i]), v)) return;
      const item = items[i];
      const [start, end] = ranges[i];
      if (isCollection(item) && !item.flow && isCollectionValue(v) && isMap(item) === isPlain(v))
        this.value(item, v, { inFlow: false, indent: contentCol });
      else if (isCollectionValue(v)) this.splice(start, end, `${this.block(v, contentCol)}${this.text[end - 1] === "\n" ? "\n" : ""}`);
      else this.value(item, v, { inFlow: false, indent: contentCol });
    });
    for (let i = wanted.length; i < items.length; i++) this.splice(this.lineStart(ranges[i][0]), this.lineEnd(ranges[i][2]), "");
    if (wanted.length <= items.length) return;
    const end = this.lineEnd(ranges[ranges.length - 1][2]);
    const gap = " ".repeat(contentCol - dashCol - 1);
    const lead = this.text[end - 1] !== "\n" ? "\n" : "";
    const more = wanted.slice(items.length).map((v) => `${" ".repeat(dashCol)}-${gap}${this.block(v, contentCol)}\n`);
    this.splice(end, end, lead + more.join(""));
  }
}

/** The same change through the Document API: comments kept, layout normalised. The fallback. */
function editDocument(doc: Document, node: unknown, wanted: unknown): unknown {
  if (isAlias(node)) return same(node.resolve(doc)?.toJS(doc), wanted) ? node : doc.createNode(wanted);
  if (isMap(node) && isPlain(wanted)) {
    editDocumentMap(doc, node, wanted, []);
    return node;
  }
  if (isSeq(node) && Array.isArray(wanted)) {
    wanted.forEach((v, i) => {
      if (i >= node.items.length) node.items.push(doc.createNode(v));
      else node.items[i] = editDocument(doc, node.items[i], v);
    });
    node.items.splice(wanted.length);
    return node;
  }
  if (isScalar(node) && !isCollectionValue(wanted)) {
    node.value = wanted;
    return node;
  }
  return doc.createNode(wanted);
}

function editDocumentMap(doc: Document, map: YAMLMap, wanted: Plain, skip: readonly string[]) {
  for (const pair of [...map.items]) {
    const k = keyOf(pair.key);
    if (!skip.includes(k) && !Object.hasOwn(wanted, k)) map.delete(pair.key);
  }
  for (const [k, v] of Object.entries(wanted)) {
    if (skip.includes(k)) continue;
    const pair = map.items.find((p) => keyOf(p.key) === k);
    if (!pair) map.set(doc.createNode(k), doc.createNode(v));
    else pair.value = editDocument(doc, pair.value, v);
  }
}

/**
 * What the file should say: the designer's changes (from `base`, the text it started from, to
 * `design`) over the file as it is now. Where the design left a value as it found it, the file's
 * value stands, so a commit the designer never saw is not undone; where both changed a value,
 * the design wins.
 */
export function mergeDesign(base: unknown, design: unknown, file: unknown): unknown {
  if (same(design, base)) return file;
  if (isPlain(base) && isPlain(design) && isPlain(file)) {
    const out: Plain = {};
    for (const k of new Set([...Object.keys(file), ...Object.keys(design)])) {
      const inBase = Object.hasOwn(base, k);
      if (Object.hasOwn(design, k)) {
        if (!inBase || Object.hasOwn(file, k)) out[k] = inBase ? mergeDesign(base[k], design[k], file[k]) : design[k];
        // The file dropped it since: it stays dropped unless the design changed it.
        else if (!same(design[k], base[k])) out[k] = design[k];
      } else if (!inBase) out[k] = file[k];
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(design) && Array.isArray(file) && base.length === design.length && design.length === file.length)
    return design.map((d, i) => mergeDesign(base[i], d, file[i]));
  return design;
}

/**
 * Applies the designer's YAML (`designed`, what it would save) to the repository's `fileText`;
 * with `base` (the text the designer started from) only the designer's changes are applied
 * (mergeDesign). The designed text is read as plain data (no defaults filled in), so a key the
 * file leaves out is not added just because the designer's schema knows its default.
 */
export function applyDesignToFile(fileText: string, designed: string, base?: string): EditResult {
  const doc = parseDocument(fileText, { uniqueKeys: true });
  if (doc.errors.length)
    return { ok: false, message: `the file in the repository is not valid YAML: ${doc.errors[0].message.split("\n")[0]}` };
  if (!isMap(doc.contents) || doc.contents.flow) return { ok: false, message: "the file in the repository is not a mapping" };
  let wanted: unknown;
  try {
    wanted = parse(designed, { maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, message: `the designed pipeline is not valid YAML: ${(e as Error).message.split("\n")[0]}` };
  }
  if (!isPlain(wanted)) return { ok: false, message: "the designed pipeline is not a mapping" };
  let target: Plain = wanted;
  const before = doc.toJS({ maxAliasCount: 100 }) as Plain;
  if (base !== undefined) {
    let from: unknown;
    try {
      from = parse(base, { maxAliasCount: 100 });
    } catch {
      from = null;
    }
    if (isPlain(from)) target = mergeDesign(from, wanted, before) as Plain;
  }
  const expected: Plain = Object.fromEntries(Object.entries(target).filter(([k]) => !(GANTRY_KEYS as readonly string[]).includes(k)));
  for (const k of GANTRY_KEYS) if (Object.hasOwn(before, k)) expected[k] = before[k];
  if (same(before, expected)) return { ok: true, text: fileText, changed: false };

  try {
    const edit = new TextEdit(doc, fileText);
    edit.map(doc.contents, target, GANTRY_KEYS);
    const text = edit.result();
    if (same(parse(text, { maxAliasCount: 100 }), expected)) return { ok: true, text, changed: true };
  } catch {
    // A construct the text edits do not handle: the Document API below.
  }
  editDocumentMap(doc, doc.contents, target, GANTRY_KEYS);
  return { ok: true, text: doc.toString(), changed: true };
}
