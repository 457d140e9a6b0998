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
  await page.screenshot({ path: "test-results/versions-diff.png", fullPage: true });

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
