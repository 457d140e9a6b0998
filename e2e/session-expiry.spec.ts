import { expect, test } from "@playwright/test";
import { encode } from "next-auth/jwt";
import { authSecret } from "../scripts/lib/stack";
import { LoginPage } from "./pages/login-page";

test.use({ storageState: { cookies: [], origins: [] } });

test("an expired session sends the user to sign in, and back to the page they were on", async ({ page, context, baseURL }) => {
  const users = await fetch(`${baseURL}/api/v1/users`, { headers: { authorization: `Bearer ${process.env.GANTRY_TEST_TOKEN}` } });
  const admin = ((await users.json()) as { items: { id: string; username: string; name: string }[] }).items.find(
    (u) => u.username === "admin",
  )!;
  // A session cookie signed with the stack's secret whose lifetime ran out a minute ago.
  const expired = await encode({
    token: { sub: admin.id, uid: admin.id, username: "admin", role: "admin", name: admin.name },
    secret: authSecret(),
    maxAge: -60,
  });
  await context.addCookies([{ name: "next-auth.session-token", value: expired, url: baseURL! }]);

  await page.goto("/runs?status=failed");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fruns%3Fstatus%3Dfailed$/);
  await new LoginPage(page).signIn("admin", process.env.GANTRY_E2E_PASSWORD ?? "");
  await expect(page).toHaveURL(/\/runs\?status=failed$/);
});
