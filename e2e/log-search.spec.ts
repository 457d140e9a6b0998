import { expect, test } from "@playwright/test";

test("finds a line across runs from the Log search page and opens the run's log at that line", async ({ page }) => {
  const marker = `kakapo${Date.now().toString(36)}`;
  const created = await page.request.post("/api/v1/pipelines", {
    data: {
      name: `e2e-search-${Date.now().toString(36)}`,
      stages: [
        {
          name: "main",
          tasks: [
            {
              name: "noisy",
              template: "shell",
              params: {
                script: `for i in $(seq 1 400); do if [ $i = 250 ]; then echo "${marker}: disk quota exceeded"; else echo "step $i fine"; fi; done`,
              },
            },
          ],
        },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const started = await page.request.post(`/api/v1/pipelines/${id}/runs`, { data: {} });
  expect(started.status()).toBe(201);
  const { id: runId } = (await started.json()) as { id: string };
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/runs/${runId}`)).json()) as { status: string }).status, { timeout: 30_000 })
    .toBe("succeeded");

  await page.goto("/pipelines");
  await page.getByRole("link", { name: "Log search" }).click();
  await page.getByRole("searchbox", { name: /Search logs/ }).fill(`${marker} "quota exceeded"`);
  await page.getByRole("button", { name: "Search", exact: true }).click();

  const results = page.getByRole("list", { name: "Search results" });
  await expect(results.getByRole("listitem")).toHaveCount(1);
  await expect(results.locator("mark").filter({ hasText: "quota" })).toBeVisible();
  await results.getByRole("link", { name: /noisy · line 250/ }).click();

  await expect(page).toHaveURL(new RegExp(`/runs/${runId}\\?task=.+#L250$`));
  const line = page.getByRole("region", { name: "Log of noisy" }).locator('[aria-current="location"]');
  await expect(line).toContainText(`${marker}: disk quota exceeded`);
  await expect(line).toBeInViewport();
});
