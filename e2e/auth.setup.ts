import { expect, test as setup } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

/** Signs in once as admin; the other tests start signed in from this saved state. */
setup("sign in as admin", async ({ page }) => {
  const password = process.env.GANTRY_E2E_PASSWORD;
  if (!password) throw new Error("GANTRY_E2E_PASSWORD is not set: the e2e tests need the admin password of the stack under test");
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn("admin", password);
  await expect(page, "signing in as admin should land on the pipeline list").toHaveURL(/\/pipelines$/);
  await page.context().storageState({ path: ".gantry/e2e/admin.json" });
});
