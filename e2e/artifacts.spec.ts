import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/**
 * Artifacts from the user's side: a run uploads a file with the artifact-upload template, the run
 * page lists it with its size and task, and its link downloads the bytes through Gantry.
 */
test("the run page lists the run's artifacts and their links download them", async ({ page }, testInfo) => {
  const name = `e2e-artifacts-${uid()}`;
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  const editor = await pipelines.startNew();
  await editor.setText(
    [
      `name: ${name}`,
      "stages:",
      "  - name: build",
      "    mode: sequential",
      "    tasks:",
      "      - name: make",
      "        template: shell",
      "        params:",
      '          script: mkdir -p dist && printf "built by %s\\n" "$GANTRY_RUN_ID" > dist/report.txt',
      "      - name: publish",
      "        template: artifact-upload",
      "        params:",
      '          paths: "dist/*"',
      "",
    ].join("\n"),
  );
  await expect(editor.valid).toBeVisible();
  await pipelines.create();

  const dialog = await new PipelinePage(page).openRunDialog();
  await dialog.start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status, "the run should finish succeeded").toHaveText("Succeeded", { timeout: 90_000 });
  const runId = new URL(page.url()).pathname.split("/").pop()!;

  const artifacts = page.getByRole("list", { name: "Artifacts" });
  const item = artifacts.getByRole("listitem").filter({ hasText: "dist/report.txt" });
  await expect(item).toBeVisible();
  const expected = `built by ${runId}\n`;
  await expect(item).toContainText(`${expected.length} B`);
  await expect(item).toContainText("publish");
  await page.screenshot({ path: testInfo.outputPath("artifacts-run.png") });
  await testInfo.attach("run page", { path: testInfo.outputPath("artifacts-run.png"), contentType: "image/png" });

  const link = item.getByRole("link", { name: "dist/report.txt" });
  await expect(link).toHaveAttribute("href", `/api/v1/runs/${runId}/artifacts/dist/report.txt`);
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toBe("report.txt");
  expect(await readFile((await download.path())!, "utf8")).toBe(expected);
});
