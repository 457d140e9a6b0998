import { expect, test } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

// These start signed out.
test.use({ storageState: { cookies: [], origins: [] } });

test("a wrong password is refused with a message", async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn("admin", "not-the-password");
  await expect(login.error).toHaveText("Wrong username or password.");
  await expect(page).toHaveURL(/\/login/);
});

test("a signed-out visitor is sent to sign in, then on to the page they asked for, and can sign out", async ({ page }) => {
  await page.goto("/runs");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fruns/);
  await new LoginPage(page).signIn("admin", process.env.GANTRY_E2E_PASSWORD ?? "");
  await expect(page.getByRole("heading", { name: "Runs", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: /User menu/ }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/pipelines");
  await expect(page, "signed out for real").toHaveURL(/\/login/);
});
