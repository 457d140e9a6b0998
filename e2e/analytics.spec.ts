import { expect, test } from "@playwright/test";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";
import { RunPage } from "./pages/run-page";

test("a finished run shows its timeline, and the pipeline's and everyone's analytics chart it", async ({ page }, testInfo) => {
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  await pipelines.open("hello-world");
  const pipelineUrl = page.url();

  await (await new PipelinePage(page).openRunDialog()).start();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status, "the run should finish succeeded").toHaveText("Succeeded", { timeout: 45_000 });

  // The run's Gantt: a bar per task in the status colour, exact times on hover, a click opens the log.
  await page.getByRole("button", { name: "Timeline", exact: true }).click();
  const timeline = page.getByRole("figure", { name: "Run timeline" });
  await expect(timeline).toBeVisible();
  for (const t of ["say", "lint", "unit-test", "package"])
    await expect(timeline.getByRole("button", { name: new RegExp(`^${t}: succeeded, waited .*, ran `) })).toBeVisible();
  const bar = timeline.getByRole("button", { name: /^say: succeeded/ });
  await bar.hover();
  const tip = timeline.getByRole("tooltip");
  await expect(tip).toContainText("started");
  await expect(tip).toContainText("ran");
  await expect(tip).toContainText(/\d\d:\d\d:\d\d\.\d{3}/);
  await bar.click();
  await expect(run.log("say")).toContainText("hello from Gantry");
  await page.screenshot({ path: testInfo.outputPath("run-timeline.png") });
  await testInfo.attach("run timeline", { path: testInfo.outputPath("run-timeline.png"), contentType: "image/png" });

  // The pipeline's Analytics tab counts that run.
  await page.goto(pipelineUrl);
  await page.getByRole("tab", { name: "Analytics" }).click();
  await expect(page).toHaveURL(/tab=analytics/);
  const summary = page.getByRole("region", { name: "Summary" });
  await expect(summary).toContainText("Success rate");
  await expect(summary.getByText(/^\d+%$/)).toBeVisible();
  await expect(page.getByRole("img", { name: "Runs per day by outcome, with the success rate" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Run duration per day, median and 95th percentile" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Slowest tasks" })).toContainText("unit-test");
  // Hovering today's column names the day and its figures.
  const chart = page.getByRole("img", { name: "Runs per day by outcome, with the success rate" });
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
  await expect(page.getByRole("tooltip")).toContainText("Succeeded");
  await page.getByRole("button", { name: "7 days" }).click();
  await expect(page.getByRole("button", { name: "7 days" })).toHaveAttribute("aria-pressed", "true");
  await expect(summary).toContainText("in 7 days");
  await page.screenshot({ path: testInfo.outputPath("pipeline-analytics.png"), fullPage: true });
  await testInfo.attach("pipeline analytics", { path: testInfo.outputPath("pipeline-analytics.png"), contentType: "image/png" });

  // Across pipelines: the sidebar's Analytics page.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Analytics" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Analytics" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Summary" })).toContainText("Success rate");
  await expect(page.getByRole("img", { name: "Queue time per day, median and 95th percentile" })).toBeVisible();
  await page.getByRole("navigation", { name: "Time window" }).getByRole("link", { name: "90 days" }).click();
  await expect(page).toHaveURL(/days=90/);
  await expect(page.getByRole("region", { name: "Summary" })).toContainText("in 90 days");
});
