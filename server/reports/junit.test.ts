import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_FAILURE_CHARS, parseJUnit, testKey, type ParsedTestCase } from "./junit";
import { MAX_CASES_PER_TASK, readReports, summaryLine } from "./save";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "fixtures", name), "utf8");

function cases(name: string): ParsedTestCase[] {
  const r = parseJUnit(fixture(name));
  if (!r.ok) throw new Error(`${name}: ${r.problem}`);
  return r.cases;
}

const statuses = (cs: ParsedTestCase[]) => Object.fromEntries(cs.map((c) => [`${c.classname} ${c.name}`, c.status]));

describe("parseJUnit on reports written by real tools", () => {
  it("reads vitest's junit reporter: suites by file, names with their describe, failure text without its XML indent", () => {
    const cs = cases("vitest.xml");
    expect(statuses(cs)).toEqual({
      "math.test.ts math > adds": "passed",
      'math.test.ts math > multiplies <big> & "quoted" numbers': "failed",
      "math.test.ts math > divides by zero": "skipped",
      "math.test.ts strings > throws an error": "failed",
      "math.test.ts strings > joins": "passed",
    });
    const failed = cs.find((c) => c.name.startsWith("math > multiplies"))!;
    expect(failed.suite).toBe("math.test.ts");
    expect(failed.failure).toBe(
      "AssertionError: expected 42 to be 41 // Object.is equality\n\n- Expected\n+ Received\n\n- 41\n+ 42\n\n ❯ math.test.ts:5:67",
    );
    expect(cs.find((c) => c.name === "math > adds")!.durationMs).toBe(4);
  });

  it("reads Node's test runner (node --test --test-reporter=junit): top-level tests right under <testsuites>, a describe as a nested suite", () => {
    const cs = cases("node-test.xml");
    expect(cs.map((c) => [c.suite, c.classname, c.name, c.status])).toEqual([
      ["", "test", "adds", "passed"],
      ["", "test", "multiplies", "failed"],
      ["", "test", "divides", "skipped"],
      ["strings", "test", "joins", "passed"],
    ]);
    expect(cs[1].failure).toContain("AssertionError [ERR_ASSERTION]: 42 == 41");
  });

  it("reads pytest's --junitxml: error (a broken fixture) apart from failure, the message's &#10; as a newline", () => {
    const cs = cases("pytest.xml");
    expect(statuses(cs)).toEqual({
      "test_calc test_add": "passed",
      "test_calc test_sub": "failed",
      "test_calc test_pow": "skipped",
      "test_calc test_with_broken_fixture": "error",
      "test_calc.TestClass test_method": "passed",
    });
    const sub = cs.find((c) => c.name === "test_sub")!;
    expect(sub.failure).toMatch(/^AssertionError: subtraction is off\nassert \(5 - 3\) == 1\ndef test_sub\(\):\n> {7}assert 5 - 3 == 1/);
    expect(cs.find((c) => c.name === "test_with_broken_fixture")!.failure).toContain("RuntimeError: fixture exploded");
  });

  it("reads gotestsum's --junitfile: subtests by name, the test output as the failure text", () => {
    const cs = cases("gotestsum.xml");
    expect(statuses(cs)).toEqual({
      "example.com/calc TestDivide": "failed",
      "example.com/calc TestTable/neg": "failed",
      "example.com/calc TestTable": "failed",
      "example.com/calc TestSkipped": "skipped",
      "example.com/calc TestAdd": "passed",
      "example.com/calc TestTable/zero": "passed",
    });
    expect(cs.find((c) => c.name === "TestDivide")!.failure).toBe(
      "Failed\n=== RUN   TestDivide\n    calc_test.go:14: 7/2 = 3, want 4\n--- FAIL: TestDivide (0.00s)",
    );
  });

  it("reads Maven surefire's TEST-*.xml: a root <testsuite>, the stack trace from CDATA", () => {
    const cs = cases("surefire.xml");
    expect(statuses(cs)).toEqual({
      "calc.CalcTest throwsUnexpectedly": "error",
      "calc.CalcTest subtracts": "failed",
      "calc.CalcTest divides": "skipped",
      "calc.CalcTest adds": "passed",
    });
    const err = cs.find((c) => c.name === "throwsUnexpectedly")!;
    expect(err.failure).toMatch(
      /^java\.lang\.IllegalStateException: state is broken\n\tat calc\.CalcTest\.throwsUnexpectedly\(CalcTest\.java:21\)/,
    );
    expect(cs.find((c) => c.name === "subtracts")!.failure).toContain("5 - 3 expected:<1> but was:<2>");
  });
});

describe("parseJUnit on what is not a report", () => {
  it("says where a cut-off file ends, instead of throwing", () => {
    const xml = fixture("vitest.xml");
    const r = parseJUnit(xml.slice(0, xml.indexOf("</testsuite>")));
    expect(r).toEqual({ ok: false, problem: expect.stringMatching(/^not well-formed XML: unclosed elements <testsuites>, <testsuite>/) });
  });

  it("refuses another XML document and entity declarations", () => {
    expect(parseJUnit(fixture("../../../package.json"))).toMatchObject({ ok: false });
    expect(parseJUnit('<?xml version="1.0"?><coverage line-rate="1"/>')).toEqual({
      ok: false,
      problem: "not a JUnit report: the root element is neither <testsuites> nor <testsuite>",
    });
    const bomb = `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]>${fixture("gotestsum.xml").replace(/^<\?xml[^>]*>/, "")}`;
    expect(parseJUnit(bomb)).toMatchObject({ ok: false, problem: expect.stringContaining("entities") });
  });

  it("cuts a long failure text to its column's size", () => {
    const xml = fixture("surefire.xml").replace("state is broken", "x".repeat(MAX_FAILURE_CHARS * 2));
    const err = (parseJUnit(xml) as { cases: ParsedTestCase[] }).cases.find((c) => c.status === "error")!;
    expect(err.failure).toHaveLength(MAX_FAILURE_CHARS);
    expect(err.failure!.endsWith("…")).toBe(true);
  });
});

describe("readReports", () => {
  it("names the files that are not reports and keeps the cases of the others", () => {
    const r = readReports([
      { name: "reports/go.xml", content: fixture("gotestsum.xml") },
      { name: "reports/empty.xml", content: "" },
    ]);
    expect(r.cases).toHaveLength(6);
    expect(r.read).toBe(1);
    expect(r.problems).toEqual([expect.stringMatching(/^test report reports\/empty\.xml: /)]);
    expect(summaryLine(r.cases, r.read)).toBe("test reports: 6 tests in 1 file (2 passed, 3 failed, 1 skipped)");
  });

  it("keeps at most the cases a task may report, and says how many more there were", () => {
    // vitest's report with its one suite (5 cases) repeated past the limit.
    const xml = fixture("vitest.xml");
    const suite = xml.slice(xml.indexOf("<testsuite "), xml.indexOf("</testsuite>") + "</testsuite>".length);
    const copies = MAX_CASES_PER_TASK / 5 + 1;
    const r = readReports([{ name: "big.xml", content: xml.replace(suite, suite.repeat(copies)) }]);
    expect(r.cases).toHaveLength(MAX_CASES_PER_TASK);
    expect(r.problems).toEqual([`test reports: 5 more test case(s) past the ${MAX_CASES_PER_TASK} a task may report were not kept`]);
  }, 60_000);
});

it("keys a test by class and name, the same across runs", () => {
  expect(testKey("calc.CalcTest", "adds")).toBe(testKey("calc.CalcTest", "adds"));
  expect(testKey("a", "bc")).not.toBe(testKey("ab", "c"));
  expect(testKey("a", "b")).toMatch(/^[0-9a-f]{64}$/);
});
