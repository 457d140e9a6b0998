import { expect, test, type APIRequestContext } from "@playwright/test";

/**
 * Failure triage on the run page (docs/triage.md): a task whose tests passed, then failed; the
 * page says why above the log, links the first error to its line, and compares the failure with
 * the last green run, showing only the lines that changed.
 */
const SCRIPT = [
  "cat > cart.test.js <<'JS'",
  'const test = require("node:test");',
  'const assert = require("node:assert");',
  'test("total sums price times quantity", () => assert.strictEqual(2 * 3 + Number(process.env.FEE), 6));',
  'test("empty cart", () => assert.ok(true));',
  "JS",
  "node --test cart.test.js",
].join("\n");

async function runOf(request: APIRequestContext, pipelineId: string, fee: string) {
  const started = await request.post(`/api/v1/pipelines/${pipelineId}/runs`, { data: { params: { FEE: fee } } });
  expect(started.status(), await started.text()).toBe(201);
  const { id } = (await started.json()) as { id: string };
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/runs/${id}`)).json()) as { status: string }).status, { timeout: 60_000 })
    .toMatch(/^(succeeded|failed)$/);
  return id;
}

test("a failed task says why above its log and compares itself with the last green run", async ({ page }) => {
  test.setTimeout(180_000);
  const created = await page.request.post("/api/v1/pipelines", {
    data: {
      name: `e2e-triage-${Date.now().toString(36)}`,
      params: [{ name: "FEE", default: "0" }],
      stages: [
        { name: "test", tasks: [{ name: "unit", template: "shell", params: { script: SCRIPT }, env: { FEE: "{{ params.FEE }}" } }] },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await runOf(page.request, id, "0");
  const red = await runOf(page.request, id, "1");

  await page.goto(`/runs/${red}`);
  const why = page.getByRole("region", { name: "Why it failed" });
  await expect(why).toBeVisible();
  await expect(why.getByLabel("First error")).toContainText("not ok 1 - total sums price times quantity");
  await expect(why.getByLabel("First error")).toContainText("7 !== 6");

  // The link goes to the line in the log viewer.
  await why.getByRole("link", { name: /^line \d+$/ }).click();
  await expect(page).toHaveURL(/#L\d+$/);
  const line = page.getByRole("region", { name: "Log of unit" }).locator('[aria-current="location"]');
  await expect(line).toContainText("not ok 1 - total sums price times quantity");

  await why.getByRole("button", { name: "Compare with the last green run" }).click();
  const comparison = why.getByTestId("comparison");
  await expect(comparison).toContainText("the last green run of this task on the same branch");
  await expect(comparison).toContainText("FEE: 0 → 1");
  const diff = comparison.getByLabel("Log differences");
  await expect(diff).toContainText("+not ok 1 - total sums price times quantity");
  await expect(diff).toContainText("−ok 1 - total sums price times quantity");
  // Durations differ in every run: never a change once normalised.
  await expect(diff.locator('[data-op="add"]').filter({ hasText: "not ok 1 - total sums price times quantity" })).toHaveCount(1);
  await expect(diff.locator('[data-op="add"], [data-op="del"]').filter({ hasText: "duration_ms" })).toHaveCount(0);
});
