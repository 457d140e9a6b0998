import { expect, test } from "@playwright/test";
import { DesignerPage } from "./pages/designer-page";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/**
 * Issue 13, test reports from the user's side: a task runs Node's test runner with its junit
 * reporter (the node on PATH: the repository may be under /tmp, which the sandbox replaces); the
 * run page's Tests panel shows the counts and the failed test with its failure text, and after a
 * second (fixed) run the pipeline's Analytics tab shows that test's history: failed, then passed.
 */
test("the run page lists the failed test with its text, and the analytics tab its history across runs", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const name = `e2e-test-reports-${uid()}`;
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  const editor = await pipelines.startNew();
  await editor.setText(
    [
      `name: ${name}`,
      "params:",
      "  - name: FIX",
      '    default: "0"',
      "stages:",
      "  - name: test",
      "    tasks:",
      "      - name: unit",
      "        template: shell",
      "        reports:",
      "          junit: reports/*.xml",
      "        params:",
      "          script: |",
      "            mkdir -p reports",
      "            cat > calc.test.js <<'EOF'",
      '            const test = require("node:test");',
      '            const assert = require("node:assert");',
      '            test("adds", () => assert.equal(1 + 1, 2));',
      '            test("multiplies", () => assert.equal(6 * 7, process.env.FIX === "1" ? 42 : 41));',
      '            test("divides", { skip: true }, () => {});',
      "            EOF",
      "            node --test --test-reporter=junit --test-reporter-destination=reports/node.xml calc.test.js",
      "",
    ].join("\n"),
  );
  await expect(editor.valid).toBeVisible();
  await pipelines.create();

  // The designer shows the task's report paths.
  const d = new DesignerPage(page);
  await d.task("unit").click();
  await expect(d.inspector.getByLabel("JUnit report paths")).toHaveValue("reports/*.xml");

  const pipeline = new PipelinePage(page);
  await (await pipeline.openRunDialog()).start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status, "the test runner exits 1 for the failing test").toHaveText("Failed", { timeout: 90_000 });
  await expect(page.getByRole("link", { name: "3 tests, 1 failed" }), "the header says it and links to the panel").toBeVisible();
  const tests = page.getByRole("region", { name: "Tests" });
  await expect(tests.getByLabel("Test counts")).toHaveText(/1 passed\s*1 failed\s*1 skipped/);
  const failed = tests.getByRole("list", { name: "Failed tests" }).getByRole("listitem");
  await expect(failed).toHaveCount(1);
  await expect(failed.first()).toContainText("multiplies");
  await expect(failed.first(), "the failure text is shown").toContainText("42 == 41");
  await tests.screenshot({ path: testInfo.outputPath("test-reports-run.png") });
  await testInfo.attach("run page", { path: testInfo.outputPath("test-reports-run.png"), contentType: "image/png" });

  // A second run with the fix.
  await page.getByRole("link", { name, exact: true }).first().click();
  const dialog = await pipeline.openRunDialog();
  await dialog.field("FIX").fill("1");
  await dialog.start();
  await run.waitForLoad();
  await expect(run.status).toHaveText("Succeeded", { timeout: 90_000 });
  await expect(tests.getByLabel("Test counts")).toHaveText(/2 passed\s*0 failed\s*1 skipped/);

  await page.getByRole("link", { name, exact: true }).first().click();
  await pipeline.tab("Analytics");
  const history = page.getByRole("table", { name: "Tests that failed recently" });
  const row = history.getByRole("row", { name: "test multiplies" });
  await expect(row).toBeVisible();
  await expect(row.getByRole("link").nth(0)).toHaveAccessibleName(/: failed$/);
  await expect(row.getByRole("link").nth(1)).toHaveAccessibleName(/: passed$/);
  await expect(row).toContainText("1 of 2");
  await history.screenshot({ path: testInfo.outputPath("test-reports-history.png") });
  await testInfo.attach("test history", { path: testInfo.outputPath("test-reports-history.png"), contentType: "image/png" });
});
