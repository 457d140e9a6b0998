import { expect, test, type Page } from "@playwright/test";
import { DesignerPage } from "./pages/designer-page";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

async function createThroughApi(page: Page, spec: Record<string, unknown>) {
  const created = await page.request.post("/api/v1/pipelines", { data: spec });
  expect(created.status(), await created.text()).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

test("a new pipeline starts in the designer: a name, an empty stage, tasks by keyboard and drag, created on save", async ({ page }) => {
  const name = `e2e-new-${uid()}`;
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  await pipelines.openNew();
  await expect(page.getByRole("tab", { name: "Designer" }), "the designer is where a new pipeline starts").toHaveAttribute(
    "aria-selected",
    "true",
  );
  await expect(page.getByRole("tab", { name: "Start from YAML" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "Import" })).toBeVisible();

  // A name the spec refuses is refused before the designer opens.
  await page.getByLabel("Pipeline name").fill("Not A Name");
  await page.getByRole("button", { name: "Open the designer" }).click();
  await expect(page.getByText(/Name must be a DNS-1123 label/)).toBeVisible();

  await page.getByLabel("Pipeline name").fill(name);
  await page.getByRole("button", { name: "Open the designer" }).click();
  const d = new DesignerPage(page);
  await d.expectLanes(["build"]);
  const create = page.getByRole("button", { name: "Create pipeline" });
  await expect(create, "an empty stage is not a pipeline yet").toBeDisabled();

  // Keyboard: the palette item, Enter → a task in the only stage, opened in the inspector.
  await d.palette.getByLabel("Search templates").fill("shell");
  await d.paletteItem("Shell script").focus();
  await page.keyboard.press("Enter");
  await expect(d.canvas.locator("[data-task]")).toHaveCount(1);
  await d.inspector.getByLabel("Task name").fill("compile");
  await d.inspector.getByLabel("Script").fill("echo compiled by the designer");

  // Mouse: drag a second one past the last lane, which makes a new stage holding it.
  await d.paletteItem("Shell script").dragTo(d.canvas.getByText("or drop a template here"));
  await d.expectLanes(["build", "stage"]);
  await expect(d.canvas.locator("[data-task]")).toHaveCount(2);
  await d.inspector.getByLabel("Task name").fill("check");
  await d.inspector.getByLabel("Script").fill("echo checked");
  await expect(page.getByRole("status").filter({ hasText: "valid" })).toHaveText("valid");

  await create.click();
  await expect(page.getByRole("heading", { name, level: 1 }), "saving creates the pipeline and opens it").toBeVisible();
  await expect(page).toHaveURL(/\/pipelines\/[^/?]+$/);
  const saved = new DesignerPage(page);
  await saved.expectLanes(["build", "stage"]);
  await expect(saved.task("compile")).toBeVisible();
  await expect(saved.task("check")).toBeVisible();

  const dialog = await new PipelinePage(page).openRunDialog();
  await dialog.start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status, "the designed pipeline runs green").toHaveText("Succeeded", { timeout: 45_000 });
  await run.openTaskLog("compile");
  await expect(run.log("compile")).toContainText("compiled by the designer");
});

test("Import takes a pasted exported pipeline", async ({ page }) => {
  const name = `e2e-paste-${uid()}`;
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  await pipelines.openNew();
  await page.getByRole("tab", { name: "Import" }).click();
  await expect(page.getByLabel("Import YAML"), "an exported file can be uploaded here too").toBeAttached();
  const pasted = page.getByRole("textbox", { name: "Pasted pipeline (YAML)" });
  await pasted.click();
  await page.keyboard.insertText(
    `name: ${name}\nstages:\n  - name: build\n    tasks:\n      - name: hello\n        template: shell\n        params:\n          script: echo hi\n`,
  );
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
});

test("the Run dialog sends a branch or tag, prefilled with the repository's revision, and the run shows it", async ({ page }) => {
  const withRepo = await createThroughApi(page, {
    name: `e2e-ref-repo-${uid()}`,
    repository: { url: "https://git.example.invalid/acme/web.git", revision: "develop" },
    stages: [{ name: "build", tasks: [{ name: "say", template: "shell", params: { script: "echo hi" } }] }],
  });
  await page.goto(`/pipelines/${withRepo}`);
  const prefilled = await new PipelinePage(page).openRunDialog();
  await expect(prefilled.ref, "the repository's revision is the default").toHaveValue("develop");
  await page.keyboard.press("Escape");

  const id = await createThroughApi(page, {
    name: `e2e-ref-${uid()}`,
    stages: [{ name: "build", tasks: [{ name: "say", template: "shell", params: { script: "echo ref={{ git.ref }}" } }] }],
  });
  await page.goto(`/pipelines/${id}`);
  const dialog = await new PipelinePage(page).openRunDialog();
  await expect(dialog.ref, "no repository: no default").toHaveValue("");
  await dialog.ref.fill("release/1.2");
  await dialog.start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(page.getByText("ref release/1.2"), "the run page names its ref").toBeVisible();
  const runId = page.url().split("/runs/")[1];
  const json = (await (await page.request.get(`/api/v1/runs/${runId}`)).json()) as { ref: string | null };
  expect(json.ref).toBe("release/1.2");
  await expect(run.status).toHaveText("Succeeded", { timeout: 45_000 });
  await run.openTaskLog("say");
  await expect(run.log("say"), "the task sees the ref").toContainText("ref=release/1.2");
});

test("the pipeline's Runs tab shows a run started through the API and follows its status without a reload", async ({ page }) => {
  const id = await createThroughApi(page, {
    name: `e2e-live-${uid()}`,
    stages: [{ name: "build", tasks: [{ name: "wait", template: "shell", params: { script: "sleep 2; echo done" } }] }],
  });
  await page.goto(`/pipelines/${id}?tab=runs`);
  await expect(page.getByText("No runs yet")).toBeVisible();

  const started = await page.request.post(`/api/v1/pipelines/${id}/runs`, { data: { ref: "main" } });
  expect(started.status(), await started.text()).toBe(201);
  const table = page.getByRole("table", { name: /^Runs of / });
  await expect(table.getByRole("link", { name: "Run #1" }), "the new run appears").toBeVisible({ timeout: 30_000 });
  await expect(table.getByRole("row").filter({ hasText: "#1" }), "its status moves to the end").toContainText("Succeeded", {
    timeout: 60_000,
  });
});
