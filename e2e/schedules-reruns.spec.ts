import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { RunPage } from "./pages/run-page";

// The viewer is in New York; the schedule runs on Tokyo time: both are shown.
test.use({ timezoneId: "America/New_York" });

async function pipeline(page: import("@playwright/test").Page, stages: unknown[]) {
  const created = await page.request.post("/api/v1/pipelines", { data: { name: `e2e-${randomBytes(4).toString("hex")}`, stages } });
  expect(created.status(), await created.text()).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

test("a schedule created on the Schedules tab shows its next run in its zone and the viewer's", async ({ page }) => {
  const id = await pipeline(page, [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }]);
  await page.goto(`/pipelines/${id}?tab=schedules`);
  await page.getByRole("button", { name: "New schedule" }).click();
  const form = page.getByRole("form", { name: "New schedule" });
  const cron = form.getByLabel("Cron expression");
  await cron.fill("30 25 * * *");
  await expect(form.getByRole("alert")).toContainText("expected range 0-23");
  await expect(form.getByRole("button", { name: "Create schedule" })).toBeDisabled();
  await cron.fill("30 6 * * *");
  await form.getByLabel("Time zone").fill("Asia/Tokyo");
  await expect(form.getByTestId("schedule-preview")).toContainText("06:30");
  await form.getByRole("button", { name: "Create schedule" }).click();

  const item = page.getByTestId("schedule");
  await expect(item).toHaveCount(1);
  await expect(item.getByTestId("next-in-zone")).toHaveText(/^\d{4}-\d\d-\d\d 06:30 (JST|GMT\+9)$/);
  // 06:30 in Tokyo is 16:30 or 17:30 the day before in New York.
  await expect(item.getByTestId("next-local")).toHaveText(/your time \d{4}-\d\d-\d\d 1[67]:30 (EST|EDT|GMT-[45])$/);

  await item.getByRole("button", { name: "Suspend" }).click();
  await expect(item).toContainText("none while suspended");
  await item.getByRole("button", { name: "Resume" }).click();
  await expect(item.getByTestId("next-in-zone")).toHaveText(/06:30/);
});

test("a failed run is re-run from its page: only the failed task runs again, the other is marked reused", async ({ page }) => {
  // The flake is fixed between the two runs from outside: a sandboxed task sees the host's files
  // read-only (and a /tmp of its own), so the flag lives in a directory it can read.
  const dir = mkdtempSync(path.join("/var/tmp", "gantry-e2e-rerun-"));
  chmodSync(dir, 0o755);
  const flag = path.join(dir, "fixed");
  const id = await pipeline(page, [
    { name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "echo built" } }] },
    {
      name: "test",
      tasks: [{ name: "flaky", template: "shell", params: { script: `test -f ${flag} || { echo first try fails; exit 3; }` } }],
    },
  ]);
  const started = await page.request.post(`/api/v1/pipelines/${id}/runs`, { data: {} });
  const { id: runId } = (await started.json()) as { id: string };

  await page.goto(`/runs/${runId}`);
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status).toHaveText("Failed", { timeout: 30_000 });
  writeFileSync(flag, "");
  await page.getByRole("button", { name: "Re-run failed" }).click();

  await page.waitForURL((u) => u.pathname.startsWith("/runs/") && !u.pathname.endsWith(runId));
  await expect(run.status).toHaveText("Succeeded", { timeout: 30_000 });
  await expect(page.getByText(/^re-run of #1$/)).toBeVisible();
  await expect(run.task("compile")).toHaveAccessibleName("compile, succeeded, reused from an earlier run");
  await expect(run.task("flaky")).toHaveAccessibleName("flaky, succeeded");
  rmSync(dir, { recursive: true, force: true });
});
