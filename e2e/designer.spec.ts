import { expect, test, type Page } from "@playwright/test";
import { DesignerPage } from "./pages/designer-page";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/** A pipeline to start from, created through the New pipeline page. */
async function createPipeline(page: Page, name: string, body: string) {
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  const editor = await pipelines.startNew();
  await editor.setText(`name: ${name}\n${body}`);
  await expect(editor.valid).toBeVisible();
  await pipelines.create();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const designer = new DesignerPage(page);
  await expect(designer.canvas, "the Design tab is the pipeline's default tab").toBeVisible();
  return designer;
}

test("builds a two-stage pipeline with mouse and keyboard, fixes a form error, saves, runs it green", async ({ page }, testInfo) => {
  const name = `e2e-design-${uid()}`;
  const d = await createPipeline(
    page,
    name,
    "stages:\n  - name: placeholder\n    tasks:\n      - name: todo\n        template: shell\n        params:\n          script: echo todo\n",
  );

  // Start from an empty canvas: select the stage and delete it with the keyboard.
  await d.stage("placeholder").click();
  await page.keyboard.press("Delete");
  await d.expectLanes([]);

  // Mouse: drag the shell template past the last lane, which makes a new stage holding it.
  await d.paletteItem("Shell script").dragTo(d.canvas.getByText("or drop a template here"));
  await d.expectLanes(["stage"]);
  const first = d.canvas.locator("[data-task]").first();
  const firstName = await first.getAttribute("data-task");
  await expect(
    d.inspector.getByRole("region", { name: `Task ${firstName} settings` }),
    "the dropped task opens in the inspector",
  ).toBeVisible();

  // The generated form: emptying the required script shows the error inline and on the node.
  const script = d.inspector.getByLabel("Script");
  await script.fill("");
  await expect(d.inspector.locator(".error-detail").first()).toBeVisible();
  await expect(d.badge(firstName!)).toBeVisible();
  await expect(d.saveButton, "an invalid pipeline can't be saved").toBeDisabled();
  await script.fill("echo compiling > compiled.txt\ncat compiled.txt");
  await expect(d.badge(firstName!)).toHaveCount(0);
  await d.inspector.getByLabel("Task name").fill("compile");
  await expect(d.task("compile")).toBeVisible();

  // Keyboard: a new stage, made parallel, filled from the palette with Enter.
  await page.getByRole("toolbar", { name: "Designer" }).getByRole("button", { name: "Add stage" }).click();
  await d.expectLanes(["stage", "stage-2"]);
  await d.stage("stage-2").click();
  await d.inspector.getByLabel("Stage name").fill("checks");
  await d.canvas.getByRole("group", { name: "Mode of stage checks" }).getByRole("button", { name: "parallel" }).click();
  await d.stage("checks").focus();
  await d.stage("checks").click();
  await d.palette.getByLabel("Search templates").fill("shell");
  await d.paletteItem("Shell script").focus();
  await page.keyboard.press("Enter");
  await expect(d.lane("checks").locator("xpath=..")).toBeVisible();
  const checks = () => d.canvas.locator("[data-task]");
  await expect(checks()).toHaveCount(2);
  await d.inspector.getByLabel("Task name").fill("lint");
  await d.inspector.getByLabel("Script").fill("echo lint ok");
  // Duplicate with Ctrl-D from the node, then move the copy back up with Alt-ArrowUp.
  await d.task("lint").focus();
  await page.keyboard.press("Control+d");
  await expect(d.task("lint-2")).toBeVisible();
  await expect(d.task("lint-2")).toBeFocused();
  await page.keyboard.press("Alt+ArrowUp");
  await d.inspector.getByLabel("Task name").fill("unit");
  await d.inspector.getByLabel("Script").fill("echo unit ok");
  // Undo the script and the rename (two steps), then redo both.
  await d.task("unit").focus();
  await page.keyboard.press("Control+z");
  await page.keyboard.press("Control+z");
  await expect(d.task("lint-2")).toBeVisible();
  await expect(d.task("unit")).toHaveCount(0);
  await page.keyboard.press("Control+Shift+z");
  await page.keyboard.press("Control+Shift+z");
  await expect(d.task("unit")).toBeVisible();
  await expect(d.inspector.getByLabel("Script")).toHaveValue("echo unit ok");
  await d.expectLanes(["stage", "checks"]);
  // Arrow keys walk the canvas: from the stage header down into its tasks, then across stages.
  await d.stage("checks").focus();
  await page.keyboard.press("ArrowDown");
  await expect(d.task("unit")).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(d.task("compile")).toBeFocused();
  await expect(d.inspector.getByLabel("Task name")).toHaveValue("compile");

  await expect(page.getByRole("status").filter({ hasText: "valid" })).toHaveText("valid");
  await page.screenshot({ path: testInfo.outputPath("designer.png") });
  await testInfo.attach("designer", { path: testInfo.outputPath("designer.png"), contentType: "image/png" });

  await d.save("built in the designer");
  await expect(page.getByText("Saved version 2")).toBeVisible();
  await d.view("YAML");
  const yaml = await d.yaml.text();
  expect(yaml).toContain("mode: parallel");
  expect(yaml.indexOf("name: unit")).toBeLessThan(yaml.indexOf("name: lint"));
  await d.view("Designer");

  const dialog = await new PipelinePage(page).openRunDialog();
  await dialog.start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await page.getByRole("button", { name: "Graph", exact: true }).click();
  const graph = page.getByRole("region", { name: "Run graph" });
  await expect(run.status, "the run should finish succeeded").toHaveText("Succeeded", { timeout: 45_000 });
  for (const t of ["compile", "unit", "lint"]) await expect(graph.getByRole("button", { name: `Task ${t}, succeeded` })).toBeVisible();
  await graph.getByRole("button", { name: "Task compile, succeeded" }).click();
  await expect(run.log("compile")).toContainText("compiling");
  await page.screenshot({ path: testInfo.outputPath("run-graph.png") });
  await testInfo.attach("run graph", { path: testInfo.outputPath("run-graph.png"), contentType: "image/png" });
});

test("edits in YAML move the graph, a broken YAML keeps the last graph, graph edits rewrite the YAML", async ({ page }) => {
  const name = `e2e-yaml-${uid()}`;
  const d = await createPipeline(
    page,
    name,
    "stages:\n  - name: build\n    tasks:\n      - name: compile\n        template: shell\n        params:\n          script: make\n",
  );
  await d.view("Split");
  await d.expectLanes(["build"]);

  await d.yaml.setText(`name: ${name}
stages:
  - name: build
    tasks:
      - name: compile
        template: shell
        params:
          script: make
  - name: verify
    mode: parallel
    tasks:
      - name: lint
        template: shell
        params:
          script: npm run lint
      - name: test
        template: shell
        params: {}
`);
  await d.expectLanes(["build", "verify"]);
  await expect(d.task("lint")).toBeVisible();
  await expect(d.badge("test"), "params are checked against the template while typing").toBeVisible();
  await expect(d.yaml.problems).toContainText("Line 18");

  // A syntax error: the problem names its line and the graph stays as it was.
  await d.yaml.setText(`name: ${name}\nstages: [\n`);
  await expect(d.yaml.problems).toContainText(/Line \d/);
  await d.expectLanes(["build", "verify"]);

  // The YAML edit is one undoable step: undo goes back to one stage, redo brings the second back.
  await d.canvas.click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Control+z");
  await d.expectLanes(["build"]);
  await expect.poll(() => d.yaml.text()).not.toContain("verify");
  await page.keyboard.press("Control+Shift+z");
  await d.expectLanes(["build", "verify"]);
  await expect.poll(() => d.yaml.text()).toContain("name: verify");
  await d.canvas.getByRole("group", { name: "Mode of stage build" }).getByRole("button", { name: "parallel" }).click();
  await expect.poll(() => d.yaml.text()).toMatch(/- name: build\n\s+mode: parallel/);
  await d.view("Designer");
  await d.stage("verify").click();
  await page.keyboard.press("Alt+ArrowLeft");
  await d.expectLanes(["verify", "build"]);
});

test("a save on top of someone else's newer version is refused with a clear message, and can be redone on top", async ({
  page,
  context,
}, testInfo) => {
  const name = `e2e-conflict-${uid()}`;
  const mine = await createPipeline(
    page,
    name,
    "stages:\n  - name: build\n    tasks:\n      - name: compile\n        template: shell\n        params:\n          script: make\n",
  );
  const url = page.url();

  const otherPage = await context.newPage();
  await otherPage.goto(url);
  const other = new DesignerPage(otherPage);
  await other.task("compile").click();
  await other.inspector.getByLabel("Task name").fill("theirs");
  await other.save("their change");
  await expect(otherPage.getByText("Saved version 2")).toBeVisible();

  await mine.task("compile").click();
  await mine.inspector.getByLabel("Task name").fill("mine");
  // Unsaved work: an in-app link asks first, and staying keeps it.
  page.once("dialog", (dlg) => void dlg.dismiss());
  await page.getByRole("link", { name: "Pipelines" }).first().click();
  await expect(mine.task("mine")).toBeVisible();

  await mine.save("my change");
  const alert = page.getByRole("alert").filter({ hasText: "changed by someone else" });
  await expect(alert).toContainText("the current version is 2");
  await expect(mine.task("mine"), "my design is kept").toBeVisible();
  await alert.getByRole("button", { name: "See the difference" }).click();
  const diff = page.getByRole("dialog", { name: "Version 2 and your design" });
  await expect(diff.locator("td").filter({ hasText: "- name: theirs" })).toBeVisible();
  await expect(diff.locator("td").filter({ hasText: "- name: mine" })).toBeVisible();
  await expect(
    diff.getByRole("region", { name: "Graph of Your design (not saved)" }).getByRole("button", { name: "Task mine, added" }),
    "the graph marks my task",
  ).toBeVisible();
  await expect(
    diff.getByRole("region", { name: "Graph of Version 2 (saved)" }).getByRole("button", { name: "Task theirs, removed" }),
  ).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("designer-conflict.png") });
  await testInfo.attach("designer conflict", { path: testInfo.outputPath("designer-conflict.png"), contentType: "image/png" });
  await diff.getByRole("button", { name: "Close" }).click();
  await alert.getByRole("button", { name: "Save mine on top of version 2" }).click();
  await expect(page.getByText("Saved version 3")).toBeVisible();
  await otherPage.close();
});

test("the pipeline settings set the repository to check out; the YAML and the saved version keep it", async ({ page }) => {
  const name = `e2e-repo-${uid()}`;
  const d = await createPipeline(
    page,
    name,
    "stages:\n  - name: build\n    tasks:\n      - name: compile\n        template: shell\n        params:\n          script: make -C src\n",
  );
  const settings = d.inspector.getByRole("region", { name: "Pipeline settings" });
  await settings.getByLabel("Repository URL").fill("http://github.com/acme/web");
  await expect(
    settings.getByRole("list", { name: "Repository problems" }),
    "a URL git should not take is named at its field",
  ).toContainText("repository.url");
  await expect(d.saveButton).toBeDisabled();
  await settings.getByLabel("Repository URL").fill("https://github.com/acme/web.git");
  await settings.getByLabel("Revision").fill("main");
  await expect(settings.getByRole("list", { name: "Repository problems" })).toHaveCount(0);
  await d.view("Split");
  await expect.poll(() => d.yaml.text()).toContain("repository:\n  url: https://github.com/acme/web.git\n  revision: main\nstages:");
  await d.view("Designer");
  await d.save("clone the repository");
  await expect(page.getByText("Saved version 2")).toBeVisible();
  await page.reload();
  await expect(d.inspector.getByLabel("Repository URL")).toHaveValue("https://github.com/acme/web.git");
  await expect(d.inspector.getByLabel("Revision")).toHaveValue("main");
});

test("a task's Kubernetes requests and limits are set in the inspector, checked as quantities, and kept in the YAML", async ({ page }) => {
  const name = `e2e-res-${uid()}`;
  const d = await createPipeline(
    page,
    name,
    "stages:\n  - name: build\n    tasks:\n      - name: compile\n        template: shell\n        params:\n          script: make\n",
  );
  await d.task("compile").click();
  const task = d.inspector.getByRole("region", { name: "Task compile settings" });
  await task.getByLabel("CPU request").fill("lots");
  await expect(task.getByRole("list", { name: "Task problems" }), "a bad quantity is named at its field").toContainText(
    "resources.requests.cpu",
  );
  await expect(d.saveButton).toBeDisabled();
  await task.getByLabel("CPU request").fill("500m");
  await task.getByLabel("Memory limit").fill("1Gi");
  await d.view("Split");
  await expect.poll(() => d.yaml.text()).toMatch(/kubernetes:\n\s+resources:\n\s+requests:\n\s+cpu: 500m\n\s+limits:\n\s+memory: 1Gi/);
  await d.view("Designer");
  await d.save("resources");
  await expect(page.getByText("Saved version 2")).toBeVisible();
  await page.reload();
  await d.task("compile").click();
  await expect(d.inspector.getByLabel("CPU request")).toHaveValue("500m");
});
