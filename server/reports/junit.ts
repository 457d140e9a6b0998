import { createHash } from "node:crypto";
import { XMLParser, XMLValidator } from "fast-xml-parser";

/**
 * JUnit XML → test cases, for the dialects tools actually write: Ant/JUnit and Maven surefire
 * (`TEST-*.xml`), vitest's and jest-junit's reporters, go-junit-report and gotestsum, pytest's
 * `--junitxml`. A root `<testsuites>` or `<testsuite>`, suites nested or not, `<testcase>` with a
 * `<failure>`, `<error>` or `<skipped>` child. A file that is not such XML gives a problem to
 * show, never an exception: a broken report must not fail the task that wrote it.
 */

export type TestStatus = "passed" | "failed" | "error" | "skipped";

export interface ParsedTestCase {
  suite: string;
  classname: string;
  name: string;
  status: TestStatus;
  durationMs: number | null;
  /** The failure's message and text, for failed and errored tests (truncated). */
  failure: string | null;
}

/** The columns' widths (server/db/schema/artifacts.ts). */
const WIDTH = { suite: 255, classname: 512, name: 512 } as const;
/** The most failure text kept per test: enough for a stack trace, not a whole log. */
export const MAX_FAILURE_CHARS = 8000;

/** The test's identity across runs: sha256 of classname, NUL, name (the `test_key` column). */
export function testKey(classname: string, name: string): string {
  return createHash("sha256").update(`${classname}\u0000${name}`).digest("hex");
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  // CDATA (surefire's stack traces) is literal: kept apart from text, which has references to decode.
  cdataPropName: "#cdata",
  // Text stays text: a test named "1e3" or "true" is not a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ["testsuite", "testcase", "failure", "error", "skipped"].includes(name),
  // Decoded here instead, in one pass: the parser leaves numeric references (`&#xA;`, which
  // gotestsum and pytest write for newlines) as they are.
  processEntities: false,
});

const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, e: string) => {
    if (!e.startsWith("#")) return PREDEFINED[e];
    const cp = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
  });
}

type Node = Record<string, unknown>;

export type ParseResult = { ok: true; cases: ParsedTestCase[] } | { ok: false; problem: string };

export function parseJUnit(xml: string): ParseResult {
  // Declared entities are the billion-laughs door; no test tool writes them.
  if (/<!ENTITY/i.test(xml)) return { ok: false, problem: "declares XML entities, which test reports never need: not read" };
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    return {
      ok: false,
      problem: `not well-formed XML: ${validationMessage(valid.err.msg)} (line ${valid.err.line}, column ${valid.err.col})`,
    };
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (e) {
    return { ok: false, problem: `cannot be read as XML: ${(e as Error).message}` };
  }
  const cases: ParsedTestCase[] = [];
  const roots = doc.testsuites as Node | string | undefined;
  // Node's test runner puts top-level tests right under <testsuites>: read it as a suite too.
  if (roots !== undefined) walkSuite(roots, cases);
  else if (doc.testsuite !== undefined) for (const s of doc.testsuite as (Node | string)[]) walkSuite(s, cases);
  else return { ok: false, problem: "not a JUnit report: the root element is neither <testsuites> nor <testsuite>" };
  return { ok: true, cases };
}

/** The validator names unclosed tags as a JSON list; say it in words. */
function validationMessage(msg: string): string {
  const m = /^Invalid '\[(.*)\]' found\.?$/s.exec(msg);
  if (!m) return msg;
  const tags = m[1].split(",").map((t) => t.trim().replace(/^"|"$/g, ""));
  return `unclosed element${tags.length > 1 ? "s" : ""} ${tags.map((t) => `<${t}>`).join(", ")} (the file ends early)`;
}

function children(n: Node | string, name: string): (Node | string)[] {
  return typeof n === "object" && Array.isArray(n[name]) ? (n[name] as (Node | string)[]) : [];
}

function attr(n: Node | string, name: string): string | undefined {
  if (typeof n !== "object") return undefined;
  const v = n[`@${name}`];
  return typeof v === "string" ? decode(v) : undefined;
}

function text(n: Node | string): string {
  if (typeof n === "string") return decode(n);
  const t = n["#text"];
  const cdata = n["#cdata"];
  return (typeof t === "string" ? decode(t) : "") + (Array.isArray(cdata) ? cdata.join("") : typeof cdata === "string" ? cdata : "");
}

function walkSuite(s: Node | string, out: ParsedTestCase[]) {
  const suite = clip(attr(s, "name") ?? "", WIDTH.suite);
  for (const c of children(s, "testcase")) out.push(testCase(c, suite));
  // Ant and jest-junit may nest suites.
  for (const inner of children(s, "testsuite")) walkSuite(inner, out);
}

function testCase(c: Node | string, suite: string): ParsedTestCase {
  const failure = children(c, "failure")[0];
  const error = children(c, "error")[0];
  const skipped = children(c, "skipped")[0];
  const status: TestStatus =
    failure !== undefined ? "failed" : error !== undefined ? "error" : skipped !== undefined ? "skipped" : "passed";
  const problem = failure ?? error;
  return {
    suite,
    // Some writers say `class` (older Ant tasks), some leave it out (a jest config without classNameTemplate).
    classname: clip(attr(c, "classname") ?? attr(c, "class") ?? suite, WIDTH.classname),
    name: clip(attr(c, "name") ?? "", WIDTH.name),
    status,
    durationMs: seconds(attr(c, "time")),
    failure: problem === undefined ? null : failureText(problem),
  };
}

/** `time` is seconds with a fraction; surefire in some locales writes "1,234.5". */
function seconds(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v.replaceAll(",", ""));
  return Number.isFinite(n) && n >= 0 ? Math.min(Math.round(n * 1000), 2 ** 31 - 1) : null;
}

/** The body (a stack trace, the test's output), after the message and type unless the body already says them. */
function failureText(n: Node | string): string {
  const message = (attr(n, "message") ?? "").trim();
  const type = (attr(n, "type") ?? "").trim();
  const body = dedent(
    text(n)
      .replace(/^\s*\n/, "")
      .trimEnd(),
  );
  const head = type && !message.startsWith(type) ? `${type}: ${message}` : message;
  const parts = [body.includes(message) && (!type || body.includes(type)) ? "" : head, body].filter(Boolean);
  return clip(parts.join("\n"), MAX_FAILURE_CHARS);
}

/** Pretty-printed reports indent the body like the XML around it; that indent is not the message's. */
function dedent(s: string): string {
  const lines = s.split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return cut ? lines.map((l) => l.slice(cut)).join("\n") : s;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
