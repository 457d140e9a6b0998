import { expect, test } from "@playwright/test";
import { DesignerPage } from "./pages/designer-page";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/**
 * Issue 12 from the user's side: a build task's result reaches a deploy task through a reference
 * picked in the designer's completions, an unknown reference is marked and blocks the save, and
 * the run page shows the result and the deploy task using it.
 */
test("a build result reaches the deploy task through a reference picked in the designer, and shows on the run page", async ({
  page,
}, testInfo) => {
  const name = `e2e-values-${uid()}`;
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  const editor = await pipelines.startNew();
  await editor.setText(
    `name: ${name}\nstages:\n  - name: placeholder\n    tasks:\n      - name: todo\n        template: shell\n        params:\n          script: echo todo\n`,
  );
  await expect(editor.valid).toBeVisible();
  await pipelines.create();
  const d = new DesignerPage(page);
  await expect(d.canvas).toBeVisible();
  await d.stage("placeholder").click();
  await page.keyboard.press("Delete");
  await d.expectLanes([]);

  const toolbar = page.getByRole("toolbar", { name: "Designer" });
  /** A new stage named `stage`, holding one shell task named `task`. */
  const addStageWithShellTask = async (stage: string, task: string) => {
    await toolbar.getByRole("button", { name: "Add stage" }).click();
    await d.inspector.getByLabel("Stage name").fill(stage);
    await d.stage(stage).click();
    await d.palette.getByLabel("Search templates").fill("shell");
    await d.paletteItem("Shell script").focus();
    await page.keyboard.press("Enter");
    await d.inspector.getByLabel("Task name").fill(task);
    await expect(d.task(task)).toBeVisible();
  };

  // Build: writes its declared result.
  await addStageWithShellTask("build", "build");
  await d.inspector.getByLabel("Script").fill("echo sha256:abc > $GANTRY_RESULTS/digest");
  await d.inspector.getByRole("button", { name: "Add result" }).click();
  await d.inspector.getByLabel("Result 1 name").fill("digest");
  await d.inspector.getByLabel("Result 1 description").fill("the image digest");

  // Deploy: an unknown reference is marked at its field and on the node, and blocks the save.
  await addStageWithShellTask("deploy", "deploy");
  const script = d.inspector.getByLabel("Script");
  await script.fill("echo {{ tasks.build.results.nope }}");
  await expect(d.inspector.locator(".error-detail"), "the unknown result is named at the script").toContainText(
    "task 'build' declares no result 'nope'",
  );
  await expect(d.badge("deploy")).toBeVisible();
  await expect(d.saveButton, "an unknown reference can't be saved").toBeDisabled();

  // The completions: `{{` lists what the deploy task may use; typing narrows, Enter inserts.
  await script.fill("");
  await script.pressSequentially('echo "deployed {{');
  const options = d.inspector.getByRole("listbox", { name: "References" });
  await expect(options.getByRole("option", { name: /^git\.sha\b/ })).toBeVisible();
  await expect(options.getByRole("option", { name: /^tasks\.build\.status\b/ })).toBeVisible();
  await script.pressSequentially(" tasks.build.res");
  await expect(options.getByRole("option")).toHaveCount(1);
  await expect(script).toHaveAttribute("aria-activedescendant", /.+/);
  await page.screenshot({ path: testInfo.outputPath("values-completions.png") });
  await testInfo.attach("completions", { path: testInfo.outputPath("values-completions.png"), contentType: "image/png" });
  await page.keyboard.press("Enter");
  await expect(options).toBeHidden();
  await script.pressSequentially('"');
  await expect(script).toHaveValue('echo "deployed {{ tasks.build.results.digest }}"');
  await expect(d.badge("deploy")).toHaveCount(0);

  // A condition: checked as it is typed, then marked on the graph.
  const when = d.inspector.getByLabel("Run only when");
  await when.fill("tasks.build.status ==");
  await expect(when).toHaveAttribute("aria-invalid", "true");
  await expect(d.saveButton).toBeDisabled();
  await when.fill('tasks.build.status == "succeeded"');
  await expect(when).toHaveAttribute("aria-invalid", "false");
  await expect(d.canvas.getByRole("img", { name: 'Task deploy runs only when tasks.build.status == "succeeded"' })).toBeVisible();

  await expect(page.getByRole("status").filter({ hasText: "valid" })).toHaveText("valid");
  await d.save("build then deploy its digest");
  await expect(page.getByText("Saved version 2")).toBeVisible();
  await d.view("YAML");
  const yaml = await d.yaml.text();
  expect(yaml).toMatch(/template: shell\n\s+results:\n\s+- name: digest\n\s+description: the image digest\n\s+params:/);
  expect(yaml).toContain("{{ tasks.build.results.digest }}");
  await d.view("Designer");

  const dialog = await new PipelinePage(page).openRunDialog();
  await dialog.start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status, "the run should finish succeeded").toHaveText("Succeeded", { timeout: 60_000 });
  await run.task("build").click();
  const results = page.getByRole("definition").filter({ hasText: "sha256:abc" });
  await expect(page.getByLabel("Results of build"), "the build's result shows on the run page").toContainText("digest");
  await expect(results).toHaveText("sha256:abc");
  await expect(page.getByRole("button", { name: "Copy result digest" })).toBeVisible();
  await run.openTaskLog("deploy");
  await expect(run.log("deploy"), "the deploy task got the digest").toContainText("deployed sha256:abc");
  await expect(page.getByLabel("Conditions of deploy")).toContainText('tasks.build.status == "succeeded"');
  await page.screenshot({ path: testInfo.outputPath("values-run.png") });
  await testInfo.attach("run page", { path: testInfo.outputPath("values-run.png"), contentType: "image/png" });
});
