import { expect, test } from "@playwright/test";
import { RunPage } from "./pages/run-page";

test("cancels a running run from its page: the running task stops, later ones are skipped", async ({ page }) => {
  const name = `e2e-cancel-${Date.now().toString(36)}`;
  const created = await page.request.post("/api/v1/pipelines", {
    data: {
      name,
      stages: [
        { name: "wait", tasks: [{ name: "sleeper", template: "shell", params: { script: "echo waiting; sleep 60" } }] },
        { name: "after", tasks: [{ name: "never", template: "shell", params: { script: "echo should not run" } }] },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await page.goto(`/pipelines/${id}`);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Start run" }).click();

  const run = new RunPage(page);
  await run.waitForLoad();
  await run.openTaskLog("sleeper");
  await expect(run.log("sleeper")).toContainText("waiting");
  await expect(run.status).toHaveText("Running");

  await run.cancelButton.click();
  await expect(run.status, "the run ends cancelled").toHaveText("Cancelled", { timeout: 30_000 });
  await expect(run.task("sleeper")).toHaveAccessibleName("sleeper, cancelled");
  await expect(run.task("never")).toHaveAccessibleName("never, skipped");
  await expect(run.cancelButton).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "cancelled by admin" }).first()).toBeVisible();
});
