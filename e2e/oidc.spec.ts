import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

/**
 * Single sign-on against the real OpenID Connect provider `npm test` starts (tests/oidc/provider.ts,
 * "Test OIDC"): its own login and consent pages, then back to Gantry, signed in as the linked user.
 */

test.use({ storageState: { cookies: [], origins: [] } });

const api = async (method: string, path: string, body?: unknown) => {
  const base = process.env.GANTRY_E2E_URL ?? "http://localhost:3000";
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${process.env.GANTRY_TEST_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

/** Clicks "Sign in with Test OIDC" and, if the provider asks, signs in there and consents. */
async function signInWithOidc(page: Page, login: string, callbackPath = "/runs") {
  const gantry = new LoginPage(page);
  await gantry.goto(`/login?callbackUrl=${encodeURIComponent(callbackPath)}`);
  await gantry.ssoButton("Test OIDC").click();
  const providerLogin = page.locator('input[name="login"]');
  const consent = page.getByRole("button", { name: "Continue" });
  const back = page.getByRole("button", { name: /User menu for/ });
  // The provider remembers its own session: the second time it may skip straight to consent, or back.
  await expect(providerLogin.or(consent).or(back)).toBeVisible();
  if (await providerLogin.isVisible()) {
    await providerLogin.fill(login);
    await page.locator('input[name="password"]').fill("any-password");
    await page.getByRole("button", { name: "Sign-in" }).click();
  }
  await expect(consent.or(back)).toBeVisible();
  if (await consent.isVisible()) await consent.click();
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: /User menu for/ }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

test("a provider account with a verified email signs in as the local user with that email, and again the same way", async ({ page }) => {
  const username = `alice-local-${randomBytes(3).toString("hex")}`;
  const created = await api("POST", "/api/v1/users", { username, name: "Alice Local", email: "oidc-alice@example.test" });
  expect(created.status, JSON.stringify(created.body)).toBe(201);

  await signInWithOidc(page, "oidc-alice");
  await expect(page).toHaveURL(/\/runs$/);
  await expect(page.getByRole("button", { name: `User menu for ${username}` })).toBeVisible();

  await signOut(page);
  await signInWithOidc(page, "oidc-alice", "/pipelines");
  await expect(page).toHaveURL(/\/pipelines$/);
  await expect(page.getByRole("button", { name: `User menu for ${username}` }), "the linked account wins the second time").toBeVisible();
});

test("an unverified email links nothing: a new user is created once and reused", async ({ page }) => {
  // A local user with Bob's address exists, but the provider does not vouch for it.
  const local = `bob-local-${randomBytes(3).toString("hex")}`;
  expect((await api("POST", "/api/v1/users", { username: local, name: "Bob Local", email: "oidc-bob@example.test" })).status).toBe(201);

  await signInWithOidc(page, "oidc-bob");
  await expect(page.getByRole("button", { name: "User menu for oidc-bob" })).toBeVisible();
  await signOut(page);
  await signInWithOidc(page, "oidc-bob");
  await expect(page.getByRole("button", { name: "User menu for oidc-bob" })).toBeVisible();

  const users = (await api("GET", "/api/v1/users")).body.items as { username: string; email: string | null }[];
  expect(users.filter((u) => u.username.startsWith("oidc-bob")).map((u) => u.username)).toEqual(["oidc-bob"]);
  const audit = (await api("GET", "/api/v1/audit?action=user.create&actor=oidc-bob")).body.items;
  expect(audit).toHaveLength(1);
});
