import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { PipelineRepo, shellFile } from "../tests/pipeline-repo";
import { DesignerPage } from "./pages/designer-page";
import { PipelinePage } from "./pages/pipeline-page";
import { RunPage } from "./pages/run-page";

test("a run of a broken pipeline file shows the file's problems with their lines on the run page", async ({ page }) => {
  const dir = mkdtempSync(path.join("/var/tmp", "gantry-e2e-pac-"));
  chmodSync(dir, 0o755);
  try {
    const repo = new PipelineRepo(dir);
    repo.commit("a broken pipeline", { ".gantry.yaml": shellFile("never").replace("name: say", "name: Say") });
    const created = await page.request.post("/api/v1/pipelines", {
      data: { name: `e2e-pac-${Date.now().toString(36)}`, repository: { url: repo.url }, source: { from: "repository" }, stages: [] },
    });
    expect(created.status(), await created.text()).toBe(201);
    const { id } = (await created.json()) as { id: string };

    await page.goto(`/pipelines/${id}`);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Start run" }).click();

    const run = new RunPage(page);
    await run.waitForLoad();
    await expect(run.status).toHaveText("Failed");
    await expect(page.getByRole("status").filter({ hasText: ".gantry.yaml at" })).toContainText("is not a valid pipeline (1 problem)");
    const problems = page.getByRole("region", { name: "Pipeline file problems" });
    await expect(problems.getByRole("listitem")).toHaveCount(1);
    await expect(problems.getByRole("listitem")).toContainText("line 5: stages[0].tasks[0].name: must be a DNS-1123 label");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the designer of a pipeline kept in its repository proposes a pull request instead of saving, and says what it needs", async ({
  page,
}) => {
  const name = `e2e-pac-pr-${Date.now().toString(36)}`;
  const stages = [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "make" } }] }];
  const created = await page.request.post("/api/v1/pipelines", {
    data: { name, repository: { url: "https://git.example.test/team/web.git" }, source: { from: "repository" }, stages },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`/pipelines/${id}`);
  const d = new DesignerPage(page);
  await expect(d.saveButton).toHaveCount(0);
  const propose = page.getByRole("button", { name: "Propose change (pull request)…" });
  await expect(propose, "nothing to propose before an edit").toBeDisabled();
  await d.view("YAML");
  await d.yaml.setText(
    `name: ${name}\nrepository:\n  url: https://git.example.test/team/web.git\nsource:\n  from: repository\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        template: shell\n        params:\n          script: make all\n`,
  );
  await propose.click();
  const dialog = page.getByRole("dialog", { name: "Propose the change as a pull request" });
  await dialog.getByLabel("Pull request title").fill("Build everything");
  await dialog.getByRole("button", { name: "Open pull request" }).click();
  // No token named: nothing is sent to the forge, and the message says what to set.
  await expect(page.getByText("No pull request opened")).toBeVisible();
  await expect(page.getByText(/source\.token names no project secret/)).toBeVisible();
});

test("the Spec tab of a pipeline kept in its repository offers to propose the change as a pull request, and says what it needs", async ({
  page,
}) => {
  const name = `e2e-pac-spec-${Date.now().toString(36)}`;
  const repository = { url: "https://git.example.test/team/web.git" };
  const stages = [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "make" } }] }];
  const created = await page.request.post("/api/v1/pipelines", { data: { name, repository, source: { from: "repository" }, stages } });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`/pipelines/${id}?tab=spec`);
  const p = new PipelinePage(page);
  const propose = page.getByRole("button", { name: "Propose change (pull request)", exact: true });
  await expect(propose, "nothing to propose before an edit").toBeDisabled();
  await p.editor.setText(
    `name: ${name}\nrepository:\n  url: ${repository.url}\nsource:\n  from: repository\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        template: shell\n        params:\n          script: make all\n`,
  );
  await p.saveMessage.fill("Build everything");
  await propose.click();
  // No token named: nothing is sent to the forge, nothing is saved, and the page says what to set.
  await expect(page.getByRole("alert")).toContainText("source.token names no project secret");
  await expect(page.getByRole("status").filter({ hasText: "No pull request opened" })).toBeVisible();
  await expect(page.getByText("Pull request opened:")).toHaveCount(0);
  // Gantry's own keys are still saved here, as a version.
  await expect(p.saveButton).toBeEnabled();
});
