import { createHmac, randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, get, post, put, testEnv, uniqueName, waitForRun, sandboxReadableDir } from "./api-helpers";
import { PipelineRepo } from "./pipeline-repo";

/**
 * Failure triage through the running stack (docs/triage.md): a project whose tests pass, then a
 * commit that breaks one. The run page's API names the failing test's line, and the comparison
 * with the last green run shows the commit and only the log lines that mean something. Then the
 * same failure again (similar runs), and a task that fails and passes on the same code (flaky,
 * retried with `retry: {onFlaky}`, listed by the analytics with its JUnit test).
 */

const SECRET = `hook-${randomUUID()}`;
const secretName = `TRIAGE_${randomUUID().slice(0, 8).toUpperCase().replace(/-/g, "")}`;
let repo: PipelineRepo;
let pipelineId: string;

const CART = (bug: boolean) => `module.exports.total = (items) => items.reduce((s, i) => s + i.price * i.qty, 0)${bug ? " + 1" : ""};\n`;
const CART_TEST = `const test = require("node:test");
const assert = require("node:assert");
const { total } = require("./cart");

test("total sums price times quantity", () => {
  assert.strictEqual(total([{ price: 2, qty: 3 }]), 6);
});

test("empty cart", () => {
  assert.strictEqual(total([]), 0);
});
`;

async function push(sha: string, author: string) {
  const body = JSON.stringify({
    ref: "refs/heads/main",
    before: "0".repeat(39) + "1",
    after: sha,
    repository: { clone_url: repo.url },
    pusher: { name: author },
    head_commit: { id: sha, message: repo.git("log", "-1", "--format=%s", sha) },
    commits: [{ id: sha, message: repo.git("log", "-1", "--format=%s", sha), author: { name: author } }],
  });
  const r = await call("POST", `/api/v1/hooks/github/${pipelineId}`, {
    raw: body,
    token: null,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
  });
  expect(r.status, r.text).toBe(201);
  return waitForRun((r.body as { runId: string }).runId, 60_000);
}

const taskOf = (run: any) => run.stages[0].tasks[0];
const logLines = async (taskRunId: string) =>
  (await get(`/api/v1/task-runs/${taskRunId}/logs`, { headers: { accept: "text/plain" } })).text.split("\n");

beforeAll(async () => {
  testEnv();
  expect((await put(`/api/v1/projects/default/secrets/${secretName}`, { value: SECRET })).status).toBeLessThan(300);
  repo = new PipelineRepo(sandboxReadableDir("gantry-triage-repo-"));
  repo.commit("start the cart", { "cart.js": CART(false), "cart.test.js": CART_TEST });
  const r = await post("/api/v1/pipelines", {
    name: uniqueName("triage"),
    repository: { url: repo.url },
    triggers: [{ provider: "github", secret: secretName }],
    stages: [{ name: "test", tasks: [{ name: "unit", template: "shell", params: { script: "node --test" } }] }],
  });
  expect(r.status, r.text).toBe(201);
  pipelineId = r.body.id;
});
afterAll(() => {
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
});

describe("failure triage", () => {
  let green: Record<string, any>;
  let red: Record<string, any>;
  let breaking: string;

  it("names the failing test's line when a commit breaks a test", async () => {
    green = await push(repo.commit("count quantities", { "README.md": "cart\n" }), "Alice");
    expect(green.status, JSON.stringify(green)).toBe("succeeded");
    expect(taskOf(green).triage).toBeUndefined();

    breaking = repo.commit("add the service fee", { "cart.js": CART(true) }, "Mallory");
    red = await push(breaking, "Mallory");
    expect(red.status).toBe("failed");
    const t = taskOf(red).triage;
    expect(t.firstError).toMatchObject({ text: "not ok 1 - total sums price times quantity", rule: "node-test-not-ok" });
    expect(t.firstError.context.map((c: { text: string }) => c.text).join("\n")).toContain("7 !== 6");
    // The line number is the log's own: the link lands on that very line.
    const lines = await logLines(taskOf(red).id);
    expect(lines.some((l) => l.endsWith("not ok 1 - total sums price times quantity"))).toBe(true);
    expect(t.reason).toBeNull();
    expect(t.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(t.flaky).toEqual({ flaky: false, failures: 0, runs: 2 });
    expect(t.similarRuns.count).toBe(0);
  });

  it("compares the failure with the last green run: the commit and only the lines that mean something", async () => {
    const r = await get(`/api/v1/task-runs/${taskOf(red).id}/compare`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.baseline).toMatchObject({ runId: green.id, number: green.number, taskRunId: taskOf(green).id });
    expect(r.body.changes.commits).toEqual([expect.objectContaining({ sha: breaking, message: "add the service fee", author: "Mallory" })]);
    expect(r.body.changes.pipelineVersion).toBeNull();
    const lines = r.body.log.hunks.flat() as { op: string; text: string }[];
    const added = lines.filter((l) => l.op === "add").map((l) => l.text.trim());
    const removed = lines.filter((l) => l.op === "del").map((l) => l.text.trim());
    expect(added).toContain("not ok 1 - total sums price times quantity");
    expect(removed).toContain("ok 1 - total sums price times quantity");
    // Durations differ in every run; normalised, they are no change.
    expect([...added, ...removed].filter((l) => l.startsWith("duration_ms"))).toEqual([]);

    // Only failures are compared.
    const ok = await get(`/api/v1/task-runs/${taskOf(green).id}/compare`);
    expect(ok.status).toBe(409);
    expect(ok.body.error.message).toContain("only a failed task run is compared");
  });

  it("links the other runs with the same failure", async () => {
    const again = await push(repo.commit("touch the readme", { "README.md": "cart, again\n" }), "Bob");
    expect(again.status).toBe("failed");
    const t = taskOf(again).triage;
    expect(t.fingerprint).toBe(taskOf(red).triage.fingerprint);
    expect(t.similarRuns).toMatchObject({
      count: 1,
      runs: [expect.objectContaining({ runId: red.id, number: red.number, taskName: "unit" })],
    });
    expect(t.similarRuns.firstSeen).toBeTruthy();
  });
});

describe("flaky tasks", () => {
  // Fails with MODE=fail on its first attempt only; writes one JUnit test case with the outcome.
  const SCRIPT = `mkdir -p reports
if [ "$MODE" = ok ] || [ "$GANTRY_ATTEMPT" -gt 1 ]; then outcome=""; else outcome='<failure message="connection reset">reset</failure>'; fi
printf '<testsuite name="net" tests="1"><testcase classname="net.Client" name="fetches the catalog">%s</testcase></testsuite>\\n' "$outcome" > reports/junit.xml
if [ -n "$outcome" ]; then echo "error: connection reset by peer"; exit 1; fi
echo fetched`;
  let id: string;
  const run = async (mode: string) => {
    const r = await post(`/api/v1/pipelines/${id}/runs`, { params: { MODE: mode } });
    expect(r.status, r.text).toBe(201);
    return waitForRun(r.body.id, 60_000);
  };

  beforeAll(async () => {
    const r = await post("/api/v1/pipelines", {
      name: uniqueName("flaky"),
      params: [{ name: "MODE", default: "ok" }],
      retry: { onFlaky: 1 },
      stages: [
        { name: "test", tasks: [{ name: "net", template: "shell", params: { script: SCRIPT }, reports: { junit: "reports/*.xml" } }] },
      ],
    });
    expect(r.status, r.text).toBe(201);
    id = r.body.id;
  });

  it("marks a task that failed and passed on unchanged code as flaky, and retries it when the pipeline asks", async () => {
    // No history yet: a failure is a failure, not retried.
    const first = await run("fail");
    expect(first.status).toBe("failed");
    expect(taskOf(first).attempt).toBe(1);
    expect(taskOf(first).triage.flaky.flaky).toBe(false);
    expect(taskOf(first).triage.firstError.text).toBe("error: connection reset by peer");
    expect((await run("ok")).status).toBe("succeeded");

    // Now it has failed and passed on the same version: the next failure is tried again, and passes.
    const third = await run("fail");
    expect(third.status, JSON.stringify(third)).toBe("succeeded");
    expect(taskOf(third).attempt).toBe(2);
    expect((await logLines(taskOf(third).id)).join("\n")).toMatch(
      /the task is flaky \(it failed 1 of its last 2 runs on code that also passed it\): retrying \(flaky retry 1 of 1\)/,
    );

    // The analytics lists the task and its JUnit test among the flakiest.
    const a = (await get(`/api/v1/pipelines/${id}/analytics?days=1`)).body;
    expect(a.flakyTasks).toEqual([expect.objectContaining({ name: "net", flakyFailures: 1, retriedSuccesses: 1 })]);
    expect(a.flakyTests).toEqual([
      expect.objectContaining({ classname: "net.Client", name: "fetches the catalog", flakyFailures: 1, commits: 1 }),
    ]);
  });
});
