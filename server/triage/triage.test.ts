import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compileRules, findFirstError, type TriageLine } from "./first-error";
import { diffLogs } from "./log-diff";
import { fingerprint, normalizeLine } from "./normalize";

/** A captured log (tests/fixtures/triage/capture.ts: the real output of a small failing project) as task log lines. */
function fixture(name: string): TriageLine[] {
  const text = readFileSync(path.join(__dirname, "../../tests/fixtures/triage/logs", `${name}.log`), "utf8");
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((t, i) => ({ seq: i + 1, text: t, stream: "out" as const }));
}

describe("findFirstError on real tool output", () => {
  const cases: [string, string, string, string?][] = [
    // [fixture, rule, reported line, the line it explains]
    ["go-test", "go-test-fail", "    price_test.go:7: Total() = 250, want 300", "--- FAIL: TestTotal (0.00s)"],
    ["go-test-verbose", "go-test-fail", "--- FAIL: TestTotal (0.00s)"],
    ["go-build", "go-compile", "./main.go:6:11: undefined: computeTotal"],
    ["node-test", "node-test-not-ok", "not ok 1 - total sums price times quantity"],
    ["npm-missing", "command-not-found", "sh: 1: webpack: not found"],
    ["npm-404", "npm-error", "npm error code E404"],
    [
      "pytest",
      "pytest-failure",
      "E       assert 0.0 == 180",
      "________________________________ test_discount _________________________________",
    ],
    [
      "python-traceback",
      "python-traceback",
      "FileNotFoundError: [Errno 2] No such file or directory: 'report.json'",
      "Traceback (most recent call last):",
    ],
    ["shell-set-e", "no-such-file", "cp: cannot stat 'build/app.tar.gz': No such file or directory"],
    ["shell-not-found", "command-not-found", "missing.sh: line 4: shellcheckk: command not found"],
    ["tsc", "typescript", "src/order.ts(7,38): error TS2551: Property 'totl' does not exist on type 'Order'. Did you mean 'total'?"],
    ["gcc", "c-compile", "main.c:5:5: error: expected ‘,’ or ‘;’ before ‘printf’"],
    ["cargo", "rust-error", "error[E0308]: mismatched types"],
    [
      "maven-test",
      "maven-test",
      "org.opentest4j.AssertionFailedError: expected: <60> but was: <50>",
      "[ERROR] shop.CartTest.sumsAllPrices -- Time elapsed: 0.012 s <<< FAILURE!",
    ],
    ["maven-compile", "javac", "[ERROR] /workspace/src/main/java/shop/Cart.java:[7,16] cannot find symbol"],
  ];
  it.each(cases)("%s: rule %s finds the line that explains the failure", (name, rule, text, headline) => {
    const lines = fixture(name);
    const e = findFirstError(lines);
    expect(e?.rule).toBe(rule);
    expect(e?.text).toBe(text);
    expect(e?.headline).toBe(headline);
    // The link goes to that very line, and the context shows it.
    expect(lines[e!.line - 1].text).toContain(text.slice(0, 20));
    expect(e?.context.map((c) => c.line)).toContain(e!.line);
  });

  it("keeps the end of a long traceback as context: the frames nearest the exception", () => {
    const e = findFirstError(fixture("python-traceback"))!;
    expect(e.context[0].text).toBe("Traceback (most recent call last):");
    expect(e.context.at(-1)?.text).toContain("FileNotFoundError");
  });

  it("reads past colour codes (Maven prints ESC[0m before its first line)", () => {
    const lines = fixture("maven-compile");
    expect(lines[0].text).toContain("\x1b[0m");
    expect(findFirstError(lines)?.context.every((c) => !c.text.includes("\x1b"))).toBe(true);
  });
});

describe("findFirstError", () => {
  const out = (...texts: string[]): TriageLine[] => texts.map((text, i) => ({ seq: i + 1, text, stream: "out" }));

  it("prefers a specific failure over an earlier generic error line", () => {
    const e = findFirstError(out("ERROR: deprecated flag", "--- FAIL: TestX (0.01s)", "    x_test.go:3: bad"));
    expect(e?.rule).toBe("go-test-fail");
  });

  it("looks only at the last attempt: a retried task's first attempt failed differently", () => {
    const lines: TriageLine[] = [
      { seq: 1, text: "sh: 1: webpack: not found", stream: "err" },
      { seq: 2, text: "attempt 2 of 2", stream: "sys" },
      { seq: 3, text: "error: network unreachable", stream: "err" },
    ];
    expect(findFirstError(lines)?.line).toBe(3);
  });

  it("falls back to the task's last line of output, never one of Gantry's own", () => {
    const lines: TriageLine[] = [
      { seq: 1, text: "copying", stream: "out" },
      { seq: 2, text: "the disk is full", stream: "err" },
      { seq: 3, text: "exit code 1", stream: "sys" },
    ];
    expect(findFirstError(lines)).toMatchObject({ line: 2, rule: "last-output", text: "the disk is full" });
    expect(findFirstError([])).toBeNull();
  });
});

describe("compileRules", () => {
  it("names the rule and the field of a pattern that is not a regular expression", () => {
    expect(() => compileRules({ rules: [{ id: "x", ecosystem: "go", tier: 3, pattern: "(" }] })).toThrow(
      "triage rule 'x': pattern is not a valid regular expression",
    );
    expect(() => compileRules({ rules: [{ id: "x", ecosystem: "go", tier: 9, pattern: "a" }] })).toThrow("triage rules: rules.0.tier");
  });
});

describe("normalizeLine", () => {
  it("takes out times, durations, temporary paths, hashes and numbers", () => {
    expect(normalizeLine("[INFO] Finished at: 2026-12-07T17:58:57Z")).toBe("[INFO] Finished at: <time>");
    expect(normalizeLine("ok  \texample.com/shop\t0.007s")).toBe("ok example.com/shop <dur>");
    expect(normalizeLine("1 failed, 1 passed in 0.13s")).toBe("<n> failed, <n> passed in <dur>");
    expect(normalizeLine("wrote /tmp/go-build3391/b001/x.a")).toBe("wrote <tmp>");
    expect(normalizeLine("  location: '/srv/gantry/.gantry/test-workspaces/2bcbb8eb-c3d3-4654-9687-a78c63725685/cart.test.js:3:1'")).toBe(
      "location: '<workspace>/cart.test.js:<n>:<n>'",
    );
    expect(normalizeLine("HEAD is now at 3f9a2c1 fix")).toBe("HEAD is now at <hash> fix");
    expect(normalizeLine("image sha256:" + "ab".repeat(32))).toBe("image <digest>");
    // Words that merely look like hex stay: "added" and "deadbeef" have no digit.
    expect(normalizeLine("added deadbeef")).toBe("added deadbeef");
  });

  it("makes two real runs of the same failing tests equal (their timings differ)", () => {
    const a = fixture("node-test").map((l) => normalizeLine(l.text));
    const b = fixture("node-test-again").map((l) => normalizeLine(l.text));
    expect(fixture("node-test").map((l) => l.text)).not.toEqual(fixture("node-test-again").map((l) => l.text));
    expect(a).toEqual(b);
  });
});

describe("fingerprint", () => {
  it("is the same for the same failure in another run, and differs for another failure", () => {
    const one = findFirstError(fixture("node-test"))!;
    const two = findFirstError(fixture("node-test-again"))!;
    const fp = (e: typeof one) => fingerprint({ rule: e.rule, lines: [e.headline ?? "", e.text] });
    expect(fp(one)).toBe(fp(two));
    expect(fp(one)).not.toBe(fp(findFirstError(fixture("pytest"))!));
    expect(fp(one)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("lets a Kubernetes reason stand for the failure, whatever the log says", () => {
    expect(fingerprint({ reason: "OOMKilled", rule: "a", lines: ["x"] })).toBe(
      fingerprint({ reason: "OOMKilled", rule: "b", lines: ["y"] }),
    );
  });
});

describe("diffLogs", () => {
  it("shows only what the failed run printed differently from the green one", () => {
    const d = diffLogs(fixture("go-test-verbose"), fixture("go-test-green"));
    expect(d.tooDifferent).toBe(false);
    const added = d.hunks
      .flat()
      .filter((l) => l.op === "add")
      .map((l) => l.text);
    const removed = d.hunks
      .flat()
      .filter((l) => l.op === "del")
      .map((l) => l.text);
    expect(added).toEqual([
      "    price_test.go:7: Total() = 250, want 300",
      "--- FAIL: TestTotal (0.00s)",
      "FAIL",
      "FAIL\texample.com/shop\t0.003s",
      "FAIL",
    ]);
    expect(removed).toEqual(["--- PASS: TestTotal (0.00s)", "PASS", "ok  \texample.com/shop\t0.007s"]);
    // "=== RUN   TestTotalEmpty" and its PASS are the same in both: not a change.
    expect(d.hunks.flat().find((l) => l.text === "--- PASS: TestTotalEmpty (0.00s)")?.op).toBe("same");
  });

  it("finds no change between two runs that differ only in timings", () => {
    const d = diffLogs(fixture("node-test-again"), fixture("node-test"));
    expect(d).toMatchObject({ hunks: [], added: 0, removed: 0 });
  });

  it("gives up on logs with too little in common instead of using unbounded memory", () => {
    const many = (p: string) => Array.from({ length: 4000 }, (_, i) => ({ seq: i + 1, text: `${p} line ${"x".repeat(i % 7)}${p}` }));
    expect(diffLogs(many("a"), many("b")).tooDifferent).toBe(true);
  });
});
