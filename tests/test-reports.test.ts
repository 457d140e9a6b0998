import { describe, expect, it } from "vitest";
import { createPipeline, get, startRun, uniqueName, waitForRun } from "./api-helpers";

/**
 * Test reports on the running stack (local executor): a task runs a real test tool (Node's test
 * runner with its junit reporter) on a small test file it writes;
 * the operator reads the report from the workspace when the task ends, and the REST API gives
 * the run's cases with their failure text and the pipeline's per-test history across runs.
 */

/**
 * Two tests that pass, one skipped, and one that fails unless the run's FIX param is 1, run by
 * Node's own test runner with its junit reporter (the node on PATH: the repository's
 * node_modules may be under /tmp, which the sandbox replaces with its own). The test file is
 * CommonJS: the workspaces lie inside this checkout, whose package.json says "type": "module",
 * and the executor's package.json at the workspaces root keeps that from reaching the tasks.
 */
const SCRIPT = [
  "mkdir -p reports",
  `cat > calc.test.js <<'EOF'
const test = require("node:test");
const assert = require("node:assert");
test("adds", () => assert.equal(1 + 1, 2));
test("multiplies", () => assert.equal(6 * 7, Number(process.env.FIX) === 1 ? 42 : 41));
test("divides", { skip: true }, () => {});
test.describe("strings", () => { test("joins", () => assert.equal(["a", "b"].join("-"), "a-b")); });
EOF`,
  // A report that is cut off: named in the log, never the task's failure.
  "printf '<testsuites><testsuite name=\"cut\">' > reports/zz-broken.xml",
  "node --test --test-reporter=junit --test-reporter-destination=reports/node.xml calc.test.js",
].join("\n");

type Counts = { total: number; passed: number; failed: number; error: number; skipped: number };
type Case = { key: string; suite: string; classname: string; name: string; status: string; failure: string | null; task: string | null };

async function tests(runId: string, query = ""): Promise<{ counts: Counts; cases: Case[]; truncated: boolean }> {
  const r = await get(`/api/v1/runs/${runId}/tests${query}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
}

describe("JUnit test reports", () => {
  it("stores the cases a task's report lists, failed first with their text, and keeps their history across runs", async () => {
    const id = await createPipeline({
      name: uniqueName("junit"),
      params: [{ name: "FIX", default: "0" }],
      stages: [
        { name: "test", tasks: [{ name: "unit", template: "shell", params: { script: SCRIPT }, reports: { junit: "reports/*.xml" } }] },
      ],
    });

    const first = await waitForRun(await startRun(id), 90_000);
    // The task fails because the test runner exits 1 for the failing test, not because of the broken report.
    expect(first.status, JSON.stringify(first)).toBe("failed");
    const unit = first.stages[0].tasks[0];
    expect(unit.message).toMatch(/exit code 1/);
    const log = (await get(`/api/v1/task-runs/${unit.id}/logs`)).text;
    expect(log).toContain("test report reports/zz-broken.xml: not well-formed XML");
    expect(log).toContain("test reports: 4 tests in 1 file (2 passed, 1 failed, 1 skipped)");

    const t1 = await tests(first.id);
    expect(t1.counts).toEqual({ total: 4, passed: 2, failed: 1, error: 0, skipped: 1 });
    expect(t1.cases.map((c) => [c.name, c.status])).toEqual([
      ["multiplies", "failed"],
      ["divides", "skipped"],
      ["adds", "passed"],
      ["joins", "passed"],
    ]);
    expect(t1.cases[0]).toMatchObject({ suite: "", classname: "test", task: "unit" });
    expect(t1.cases[3]).toMatchObject({ suite: "strings", classname: "test" });
    expect(t1.cases[0].failure).toContain("42 == 41");
    expect((await tests(first.id, "?status=failed")).cases.map((c) => c.name)).toEqual(["multiplies"]);

    const second = await waitForRun(await startRun(id, { params: { FIX: "1" } }), 90_000);
    expect(second.status, JSON.stringify(second)).toBe("succeeded");
    expect((await tests(second.id)).counts).toEqual({ total: 4, passed: 3, failed: 0, error: 0, skipped: 1 });

    const h = await get(`/api/v1/pipelines/${id}/tests/history`);
    expect(h.status, h.text).toBe(200);
    expect(h.body.runs.map((r: { number: number }) => r.number)).toEqual([first.number, second.number]);
    expect(h.body.tests).toHaveLength(1);
    expect(h.body.tests[0]).toMatchObject({ name: "multiplies", failures: 1, statuses: ["failed", "passed"] });
    expect(h.body.tests[0].lastFailure).toContain("42 == 41");

    // One test's history by its key, passing runs included.
    const adds = t1.cases.find((c) => c.name === "adds")!;
    const one = await get(`/api/v1/pipelines/${id}/tests/history?key=${adds.key}&runs=5`);
    expect(one.body.tests).toEqual([expect.objectContaining({ name: "adds", failures: 0, statuses: ["passed", "passed"] })]);
  }, 240_000);

  it("answers a bad filter with 400 naming the field, and a run without reports with no cases", async () => {
    const id = await createPipeline({
      name: uniqueName("junit-bad"),
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }],
    });
    const r = await get(`/api/v1/pipelines/${id}/tests/history?key=nope`);
    expect(r.status).toBe(400);
    expect(r.text).toContain("key");
    const run = await waitForRun(await startRun(id));
    expect(await tests(run.id)).toEqual({ counts: { total: 0, passed: 0, failed: 0, error: 0, skipped: 0 }, cases: [], truncated: false });
    expect((await get(`/api/v1/runs/${run.id}/tests?status=green`)).status).toBe(400);
  }, 120_000);
});
