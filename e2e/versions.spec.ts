import { expect, test } from "@playwright/test";
import { PipelinePage } from "./pages/pipeline-page";

/** Version control on the pipeline page: compare two versions side by side, restore an old one. */

const spec = (name: string, script: string) => ({
  name,
  stages: [{ name: "build", tasks: [{ name: "hello", template: "shell", params: { script } }] }],
});

test("diffs two versions side by side and restores the older one as a new version", async ({ page }) => {
  const name = `e2e-versions-${Date.now().toString(36)}`;
  // The signed-in session authenticates the REST API too.
  const created = await page.request.post("/api/v1/pipelines", { data: spec(name, "echo one") });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = await created.json();
  const saved = await page.request.put(`/api/v1/pipelines/${id}?message=second`, { data: spec(name, "echo two") });
  expect(saved.status(), await saved.text()).toBe(200);

  await page.goto(`/pipelines/${id}`);
  const p = new PipelinePage(page);
  await p.tab("Versions");
  await expect(p.versions.getByRole("row", { name: /Version 2/ })).toContainText("second");

  const compare = page.getByRole("button", { name: "Compare" });
  await expect(compare).toBeDisabled();
  await page.getByRole("checkbox", { name: "Select version 1 for comparison" }).check();
  await page.getByRole("checkbox", { name: "Select version 2 for comparison" }).check();
  await compare.click();

  const diff = page.getByRole("region", { name: "Differences between version 1 and version 2" });
  await expect(diff).toBeVisible();
  await expect(diff.getByRole("columnheader", { name: "Version 1" })).toBeVisible();
  // Only the changed line is marked: removed on the left, added on the right.
  await expect(diff.locator('[data-kind="del"]')).toHaveText([/echo one/]);
  await expect(diff.locator('[data-kind="add"]')).toHaveText([/echo two/]);
  await expect(diff).toContainText("−1 +1 lines · tasks: changed hello");
  await page.screenshot({ path: test.info().outputPath("versions-diff.png"), fullPage: true });

  // The same difference on the graphs: the changed task is marked on both versions.
  await diff.getByRole("button", { name: "Graph" }).click();
  await expect(diff.getByLabel("Task hello, changed")).toHaveCount(2);
  await diff.getByRole("button", { name: "YAML" }).click();

  await page.getByRole("button", { name: "Restore version 1" }).click();
  const dialog = page.getByRole("dialog", { name: "Restore version 1?" });
  await expect(dialog).toContainText("as version 3");
  await dialog.getByRole("button", { name: "Restore version 1" }).click();
  await expect(page.getByText("Restored version 1 as version 3")).toBeVisible();

  const row = p.versions.getByRole("row", { name: /Version 3/ });
  await expect(row).toContainText("restored version 1");
  await expect(row).toContainText("current");
  const current = await (await page.request.get(`/api/v1/pipelines/${id}`)).json();
  expect(current.version).toBe(3);
  expect(current.spec.stages[0].tasks[0].params.script).toBe("echo one");
});

test("offers the template upgrade when a pinned template has a newer version, and upgrading pins the latest", async ({ page }) => {
  const tpl = `e2e-up-${Date.now().toString(36)}`;
  const template = (word: string) => ({
    name: tpl,
    title: `Upgrade ${word}`,
    category: "test",
    image: "debian:bookworm-slim",
    command: ["bash", "-c", `echo ${word}`],
    paramsSchema: { type: "object", properties: {} },
    local: { supported: true, requires: ["bash"] },
  });
  expect((await page.request.post("/api/v1/templates", { data: template("one") })).status()).toBe(201);
  const created = await page.request.post("/api/v1/pipelines", {
    data: { name: `e2e-upgrade-${Date.now().toString(36)}`, stages: [{ name: "s", tasks: [{ name: "t", template: tpl }] }] },
  });
  const { id } = await created.json();

  await page.goto(`/pipelines/${id}`);
  await expect(page.getByText("Newer template versions")).toHaveCount(0);

  expect((await page.request.put(`/api/v1/templates/${tpl}`, { data: template("two") })).status()).toBe(200);
  await page.reload();
  const banner = page.getByRole("status").filter({ hasText: "Newer template versions" });
  await expect(banner).toContainText(`${tpl} 1 → 2`);
  await banner.getByRole("button", { name: "Upgrade templates" }).click();
  await expect(page.getByText("Upgraded templates in version 2")).toBeVisible();
  await expect(banner).toHaveCount(0);
  const p = await (await page.request.get(`/api/v1/pipelines/${id}`)).json();
  expect(p.templates).toEqual({ [tpl]: 2 });
});

test("exports a pipeline as YAML and imports the file as a new pipeline from the list", async ({ page }) => {
  const name = `e2e-export-${Date.now().toString(36)}`;
  const created = await page.request.post("/api/v1/pipelines", { data: spec(name, "echo exported") });
  const { id } = await created.json();

  await page.goto(`/pipelines/${id}`);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export YAML" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${name}-v1.yaml`);
  const text = await (await page.request.get(`/api/v1/pipelines/${id}/export`)).text();

  const copy = `${name}-copy`;
  await page.goto("/pipelines");
  await expect(page.getByLabel("Import YAML")).toBeEnabled();
  await page.getByLabel("Import YAML").setInputFiles({
    name: `${copy}.yaml`,
    mimeType: "application/yaml",
    buffer: Buffer.from(text.replace(`name: ${name}`, `name: ${copy}`)),
  });
  await expect(page.getByText(`Imported ${copy}`)).toBeVisible();
  await expect(page.getByRole("heading", { name: copy, level: 1 })).toBeVisible();
});
