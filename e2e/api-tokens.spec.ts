import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";

const base = () => process.env.GANTRY_E2E_URL ?? "http://localhost:3000";
const callWith = (token: string) => fetch(`${base()}/api/v1/pipelines`, { headers: { authorization: `Bearer ${token}` } });

test("a personal token is created in Settings, shown once, works, and stops working when revoked", async ({ page }) => {
  const name = `e2e-token-${randomBytes(3).toString("hex")}`;
  await page.goto("/pipelines");
  await page.getByRole("button", { name: /User menu for/ }).click();
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New API token" });
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("Scope", { exact: true }).selectOption("run");
  await dialog.getByLabel("Expires", { exact: true }).selectOption("7");
  await dialog.getByRole("button", { name: "Create token" }).click();

  const shown = page.getByRole("region", { name: "New token" });
  await expect(shown).toContainText("it is not shown again");
  const token = await shown.getByLabel("New token value").inputValue();
  expect(token).toMatch(/^gtr_/);
  expect((await callWith(token)).status).toBe(200);

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("run");
  await shown.getByRole("button", { name: "Done" }).click();
  await page.reload();
  await expect(page.getByText(token), "the secret is never shown again").toHaveCount(0);

  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await page.getByRole("button", { name: "Revoke token" }).click();
  await expect(row).toHaveCount(0);
  const after = await callWith(token);
  expect(after.status).toBe(401);
});
