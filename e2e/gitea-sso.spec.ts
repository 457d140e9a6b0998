import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

/**
 * "Sign in with Gitea": a real Gitea as the OpenID Connect provider of a second stack, configured
 * only through the generic GANTRY_OIDC_* settings (scripts/lib/gitea-e2e.ts, started by `npm test`).
 * Gitea's own sign-in and consent pages (plain HTML forms: the test Gitea has no JavaScript),
 * then back to Gantry, signed in.
 */

const url = process.env.GANTRY_E2E_GITEA_SSO_URL;
const token = process.env.GANTRY_E2E_GITEA_SSO_TOKEN;
const gitea = {
  login: process.env.GANTRY_E2E_GITEA_USER ?? "",
  password: process.env.GANTRY_E2E_GITEA_PASSWORD ?? "",
  email: process.env.GANTRY_E2E_GITEA_EMAIL ?? "",
};

// Its own sign-in: the saved session belongs to the main stack. The test Gitea's certificate comes
// from the test CA, which the stack trusts (NODE_EXTRA_CA_CERTS) and Chromium does not know.
test.use({ storageState: { cookies: [], origins: [] }, ignoreHTTPSErrors: true });

/** Clicks "Sign in with Gitea"; signs in on Gitea and authorizes the application when Gitea asks. */
async function signInWithGitea(page: Page, callbackPath: string) {
  const login = new LoginPage(page);
  await login.goto(`${url}/login?callbackUrl=${encodeURIComponent(callbackPath)}`);
  await login.ssoButton("Gitea").click();
  const giteaLogin = page.getByLabel("Username or Email Address");
  const authorize = page.getByRole("button", { name: "Authorize Application" });
  const back = page.getByRole("button", { name: /User menu for/ });
  // Gitea remembers its own session and the grant: the second time it sends the browser straight back.
  await expect(giteaLogin.or(authorize).or(back)).toBeVisible();
  if (await giteaLogin.isVisible()) {
    await giteaLogin.fill(gitea.login);
    await page.getByLabel("Password", { exact: true }).fill(gitea.password);
    await page.getByRole("button", { name: "Sign In" }).click();
  }
  await expect(authorize.or(back)).toBeVisible();
  if (await authorize.isVisible()) await authorize.click();
}

test("a Gitea user signs in with Gitea as the Gantry user with the same email, and again without asking", async ({ page }) => {
  // Under CI a missing Gitea fails the test; by hand it is skipped with the reason.
  if ((!url || !token) && process.env.CI === "true") throw new Error("no test Gitea under CI (GANTRY_E2E_GITEA_SSO_URL unset)");
  test.skip(!url || !token, "no test Gitea (it is built with Go from code.gitea.io/gitea); npm test says why");

  // The administrator made the Gantry account beforehand; Gitea vouches for the address (an active user's).
  const username = `gitea-local-${randomBytes(3).toString("hex")}`;
  const created = await page.request.post(`${url}/api/v1/users`, {
    headers: { authorization: `Bearer ${token}` },
    data: { username, name: "Gitea Person", email: gitea.email },
  });
  expect(created.status(), await created.text()).toBe(201);

  await signInWithGitea(page, "/runs");
  await expect(page).toHaveURL(`${url}/runs`);
  const menu = page.getByRole("button", { name: `User menu for ${username}` });
  await expect(menu).toBeVisible();

  await menu.click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  // Gitea's session and grant are remembered: no Gitea page this time, the same Gantry user.
  await signInWithGitea(page, "/pipelines");
  await expect(page).toHaveURL(`${url}/pipelines`);
  await expect(menu, "the linked account is the same user the second time").toBeVisible();
  const audit = await page.request.get(`${url}/api/v1/audit?action=user.link`, { headers: { authorization: `Bearer ${token}` } });
  const links = ((await audit.json()) as { items: { target: { name: string }; details: { via: string } }[] }).items;
  expect(
    links.map((l) => [l.target.name, l.details.via]),
    "linked once",
  ).toEqual([[username, "oidc"]]);
});
