import { expect, test } from "@playwright/test";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

test("runs the demo pipeline and sees its log lines arrive live", async ({ page }) => {
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  await pipelines.open("hello-world");

  const dialog = await new PipelinePage(page).openRunDialog();
  await expect(dialog.field("GREETING"), "declared defaults are filled in").toHaveValue("hello");
  await expect(dialog.field("TOKEN"), "secret params are password fields").toHaveAttribute("type", "password");
  await dialog.start();

  const run = new RunPage(page);
  await run.waitForLoad();
  // Everything below must come from live updates: the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

  await run.openTaskLog("say");
  const log = run.log("say");
  await expect(log).toContainText("hello from Gantry");
  await expect(log, "the secret param is masked in the log").toContainText("the token is *** (masked)");
  await expect(log).not.toContainText("demo-s3cret-token");

  await expect(run.status, "the run should finish succeeded").toHaveText("Succeeded", { timeout: 45_000 });
  for (const task of ["say", "lint", "unit-test", "package"]) await expect(run.task(task)).toHaveAccessibleName(`${task}, succeeded`);
  await expect(run.cancelButton, "a finished run can't be cancelled").toHaveCount(0);

  await run.openTaskLog("unit-test");
  await expect(run.log("unit-test")).toContainText("unit test 5 ✓");

  expect(
    await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
    "the run page updated without a reload",
  ).toBe(true);
});
