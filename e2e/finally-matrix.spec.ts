import { expect, test } from "@playwright/test";
import { DesignerPage } from "./pages/designer-page";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/**
 * Issue 12, finally and matrix from the user's side: the designer shows a pipeline's finally lane
 * and a matrix task's combinations, edits the matrix, and the run page groups the combinations'
 * runs under their task and labels the finally stage.
 */
test("a matrix task and a finally task: edited in the designer, grouped and labelled on the run page", async ({ page }, testInfo) => {
  const name = `e2e-finally-matrix-${uid()}`;
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  const editor = await pipelines.startNew();
  await editor.setText(
    [
      `name: ${name}`,
      "stages:",
      "  - name: build",
      "    tasks:",
      "      - name: test",
      "        template: shell",
      "        matrix:",
      "          NODE: [18, 20]",
      "        params:",
      "          script: echo node $NODE on $OS",
      "finally:",
      "  - name: notify",
      "    template: shell",
      "    params:",
      '      script: echo "run {{ run.status }}"',
      "",
    ].join("\n"),
  );
  await expect(editor.valid).toBeVisible();
  await pipelines.create();

  const d = new DesignerPage(page);
  await expect(d.canvas).toBeVisible();
  await expect(d.canvas.getByRole("group", { name: "Finally tasks" }), "the finally lane shows").toBeVisible();
  await expect(d.task("notify")).toBeVisible();
  await expect(d.canvas.getByRole("img", { name: "test runs 2 combinations: NODE=18,20" })).toBeVisible();

  // The matrix in the inspector: a second axis (2×1), failFast off.
  await d.task("test").click();
  await d.inspector.getByRole("button", { name: "Add axis" }).click();
  await d.inspector.getByLabel("Axis 2 name").fill("OS");
  await d.inspector.getByLabel("Axis OS values").fill("linux");
  await expect(d.inspector.getByText("2 combinations")).toBeVisible();
  await d.inspector.getByLabel(/^Fail fast/).uncheck();
  await expect(d.canvas.getByRole("img", { name: "test runs 2 combinations: NODE=18,20; OS=linux" })).toBeVisible();

  // A finally task opens the normal task inspector.
  await d.task("notify").click();
  const settings = d.inspector.getByRole("region", { name: "Task notify settings" });
  await expect(settings).toContainText("finally: runs after all stages");
  await expect(settings.getByLabel("Run only when")).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "valid" })).toHaveText("valid");
  await page.screenshot({ path: testInfo.outputPath("finally-matrix-designer.png") });
  await testInfo.attach("designer", { path: testInfo.outputPath("finally-matrix-designer.png"), contentType: "image/png" });

  await d.save("two OS axes, fail fast off");
  await expect(page.getByText("Saved version 2")).toBeVisible();
  await d.view("YAML");
  const yaml = await d.yaml.text();
  expect(yaml).toMatch(/matrix:\n\s+NODE:\n\s+- 18\n\s+- 20\n\s+OS:\n\s+- linux\n\s+failFast: false\n/);
  expect(yaml).toMatch(/finally:\n\s+- name: notify/);
  await d.view("Designer");

  const dialog = await new PipelinePage(page).openRunDialog();
  await dialog.start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status, "the run should finish succeeded").toHaveText("Succeeded", { timeout: 60_000 });
  const group = page.getByRole("button", { name: "test (2 combinations: 2 succeeded)" });
  await expect(group, "the combinations are grouped under their task").toHaveAttribute("aria-expanded", "true");
  const combinations = page.getByRole("list", { name: "Combinations of test" });
  await expect(combinations.getByRole("button")).toHaveText([/NODE=18, OS=linux/, /NODE=20, OS=linux/]);
  await expect(page.getByRole("heading", { name: "finally", exact: true })).toBeVisible();
  await expect(page.getByText("after all stages")).toBeVisible();
  await combinations.getByRole("button", { name: /NODE=20, OS=linux/ }).click();
  await expect(run.log("test (NODE=20, OS=linux)")).toContainText("node 20 on linux");
  await run.openTaskLog("notify");
  await expect(run.log("notify"), "the finally task read the stages' outcome").toContainText("run succeeded");
  await page.screenshot({ path: testInfo.outputPath("finally-matrix-run.png") });
  await testInfo.attach("run page", { path: testInfo.outputPath("finally-matrix-run.png"), contentType: "image/png" });

  await group.click();
  await expect(combinations).toBeHidden();
});
