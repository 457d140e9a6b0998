import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { signIn } from "../tests/security/auth-helpers";
import { LoginPage } from "./pages/login-page";

test.use({ storageState: { cookies: [], origins: [] } });

test("five wrong passwords make this address wait, even with the right password, while the user signs in from another address", async ({
  page,
}) => {
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
  await expect(login.error).toHaveText("Too many failed sign-ins; try again in 2 seconds.");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();

  // The right password during the wait is refused without being checked.
  await login.signIn(username, password);
  await expect(login.error).toHaveText(/Too many failed sign-ins; try again in [12] seconds?\./);
  await expect(page).toHaveURL(/\/login/);

  // Meanwhile the user, from their own address (behind the stack's trusted proxy), is not locked out.
  const elsewhere = await signIn(username, password, { from: "127.0.0.2", forwardedFor: "198.51.100.200" });
  expect(elsewhere.error, "the user's own address must not be locked by failures from another").toBeNull();
  expect(elsewhere.session).toBeTruthy();

  // And once the short wait has passed, this address may try again.
  await page.waitForTimeout(2_500);
  await login.signIn(username, password);
  await expect(page).toHaveURL(/\/pipelines$/);
});
