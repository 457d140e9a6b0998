import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { RunPage } from "./pages/run-page";

/** Creates a one-task pipeline running `script`, starts it, and returns the run's id. */
async function startRun(request: APIRequestContext, task: string, script: string): Promise<string> {
  const created = await request.post("/api/v1/pipelines", {
    data: {
      name: `e2e-logfind-${Date.now().toString(36)}`,
      stages: [{ name: "main", tasks: [{ name: task, template: "shell", params: { script } }] }],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const started = await request.post(`/api/v1/pipelines/${id}/runs`, { data: {} });
  expect(started.status(), await started.text()).toBe(201);
  return ((await started.json()) as { id: string }).id;
}

function searchBar(page: Page) {
  const bar = page.getByRole("search", { name: "Search in this log" });
  return {
    bar,
    box: bar.getByRole("searchbox", { name: "Search this log" }),
    count: bar.getByTestId("log-search-count"),
    regex: bar.getByRole("button", { name: "Regular expression" }),
    matchCase: bar.getByRole("button", { name: "Match case" }),
  };
}

// 20,000 lines: every 1000th a red "ERROR" checkpoint (19 of them), but line 15,000 is a needle.
const BIG = String.raw`seq 1 20000 | awk '{ if ($1 == 15000) print "needle-kea at line " $1; else if ($1 % 1000 == 0) print "\033[31mERROR\033[0m checkpoint " $1; else print "line " $1 " fine" }'`;

test("Ctrl+F in the log finds lines that are not rendered, steps through them and highlights the current one", async ({ page }) => {
  const runId = await startRun(page.request, "big", BIG);
  const run = new RunPage(page);
  await page.goto(`/runs/${runId}`);
  await run.waitForLoad();
  await expect(run.status).toHaveText("Succeeded", { timeout: 45_000 });
  await run.openTaskLog("big");
  const log = run.log("big");
  await expect(page.getByText("20,000 lines")).toBeVisible();
  await expect(log.getByText("needle-kea"), "the viewer is virtualised: line 15,000 is not in the page").toHaveCount(0);

  await log.click();
  await page.keyboard.press("ControlOrMeta+f");
  const s = searchBar(page);
  await expect(s.box).toBeFocused();

  // The view is at the end of the log: the first match from there is the last checkpoint.
  await s.box.fill("checkpoint");
  await expect(s.count).toHaveText("19 of 19");
  await s.box.press("Enter");
  await expect(s.count).toHaveText("1 of 19");
  const current = log.locator("mark[data-current]");
  await expect(current).toHaveText("checkpoint");
  await expect(log.locator("[data-index='999']"), "match 1 is on line 1000").toContainText("ERROR checkpoint 1000");
  await expect(current).toBeInViewport();
  await s.box.press("Shift+Enter");
  await expect(s.count).toHaveText("19 of 19");
  await page.getByRole("button", { name: "Previous match" }).click();
  await expect(s.count).toHaveText("18 of 19");
  await expect(current.locator("xpath=ancestor::*[@data-index][1]")).toContainText("checkpoint 19000");

  // A match far from the rendered rows: the viewer scrolls there and highlights it.
  await s.box.fill("needle-kea");
  await expect(s.count).toHaveText("1 of 1");
  await expect(current).toHaveText("needle-kea");
  await expect(current).toBeInViewport();
  await expect(log.locator("[data-index='14999']")).toContainText("needle-kea at line 15000");

  // Coloured text matches what is shown, across the colour change.
  await s.box.fill("error checkpoint 5000");
  await expect(s.count).toHaveText("1 of 1");
  await expect(log.locator("mark")).toHaveText(["ERROR", /^\s?checkpoint 5000$/]);
  await s.matchCase.click();
  await expect(s.matchCase).toHaveAttribute("aria-pressed", "true");
  await expect(s.count).toHaveText("No matches");
  await s.matchCase.click();

  // Regular expressions only with the toggle on; a broken one says so.
  await s.box.fill("checkpoint (5|7)000$");
  await expect(s.count).toHaveText("No matches");
  await s.regex.click();
  await expect(s.count).toHaveText("1 of 2");
  await s.box.press("Enter");
  await expect(s.count).toHaveText("2 of 2");
  await expect(log.locator("[data-index='6999'] mark[data-current]")).toHaveText("checkpoint 7000");
  await s.box.fill("checkpoint (5|7");
  await expect(s.count).toHaveText(/^Invalid regular expression: .+/);
  await expect(s.box).toHaveAttribute("aria-invalid", "true");
  await expect(log.locator("mark")).toHaveCount(0);

  await s.box.press("Escape");
  await expect(s.bar).toHaveCount(0);
  await expect(log).toBeFocused();
  await page.keyboard.press("ControlOrMeta+f");
  await expect(s.box, "the query is kept for the next search").toHaveValue("checkpoint (5|7");
});

test("searching a log that is still being followed counts new matches without leaving the end", async ({ page }) => {
  const script = `for i in $(seq 1 150); do echo "tick $i"; if [ $((i % 5)) = 0 ]; then echo "beacon $i"; fi; sleep 0.1; done`;
  const runId = await startRun(page.request, "live", script);
  const run = new RunPage(page);
  await page.goto(`/runs/${runId}`);
  await run.waitForLoad();
  await run.openTaskLog("live");
  const log = run.log("live");
  await expect(log).toContainText("beacon 10", { timeout: 30_000 });
  const follow = page.getByRole("button", { name: "Follow", exact: true });
  await expect(follow).toHaveAttribute("aria-pressed", "true");

  await log.click();
  await page.keyboard.press("ControlOrMeta+f");
  const s = searchBar(page);
  await s.box.fill("beacon");
  await expect(s.count).toHaveText(/^\d+ match(es)?$/);
  const first = Number((await s.count.textContent())!.split(" ")[0]);
  expect(first, "the run is still printing beacons").toBeLessThan(30);
  await expect
    .poll(async () => Number((await s.count.textContent())!.split(" ")[0]), { message: "new matching lines are counted", timeout: 20_000 })
    .toBeGreaterThan(first);
  await expect(follow, "typing a query does not stop following").toHaveAttribute("aria-pressed", "true");
  await expect(log.locator("mark").last(), "matches are highlighted as they arrive at the end").toBeInViewport();

  await expect(run.status).toHaveText("Succeeded", { timeout: 45_000 });
  await expect(s.count).toHaveText("30 matches");
  await s.box.press("Shift+Enter");
  await expect(s.count).toHaveText("30 of 30");
  await expect(log.locator("mark[data-current]")).toHaveText("beacon");
  await expect(log.locator("mark[data-current]").locator("xpath=ancestor::*[@data-index][1]")).toContainText("beacon 150");
});
