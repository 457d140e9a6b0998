import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

test.use({ storageState: { cookies: [], origins: [] } });

test("five wrong passwords lock the user name, even against the right password, and the page says for how long", async ({ page }) => {
  const username = `throttled-${randomBytes(3).toString("hex")}`;
  const password = "the-right-password-123";
  const res = await fetch(`${process.env.GANTRY_E2E_URL ?? "http://localhost:3000"}/api/v1/users`, {
    method: "POST",
    headers: { authorization: `Bearer ${process.env.GANTRY_TEST_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ username, name: "Throttled", password }),
  });
  expect(res.status).toBe(201);

  const login = new LoginPage(page);
  await login.goto();
  for (let i = 1; i <= 4; i++) {
    await login.signIn(username, `wrong-${i}`);
    await expect(login.error).toHaveText("Wrong username or password.");
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
  }
  await login.signIn(username, "wrong-5");
  await expect(login.error).toHaveText("Too many failed sign-ins; try again in 15 minutes.");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();

  await login.signIn(username, password);
  await expect(login.error).toHaveText(/Too many failed sign-ins; try again in 1[45] minutes\./);
  await expect(page).toHaveURL(/\/login/);
});
