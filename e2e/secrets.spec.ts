import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

/**
 * The project page's Secrets tab: a maintainer (here the site admin) adds a secret with its value
 * in a password field, replaces it and deletes it after confirming; the value is never on the
 * page. A viewer sees the names only, without controls.
 */
test("adds, replaces and deletes a secret; a viewer sees only names", async ({ page, browser, request }) => {
  const token = process.env.GANTRY_TEST_TOKEN;
  if (!token) throw new Error("GANTRY_TEST_TOKEN is not set; `npm test` sets it");
  const auth = { authorization: `Bearer ${token}` };
  const suffix = randomBytes(3).toString("hex");
  const slug = `sec-${suffix}`;
  const value = `ui-s3cret-${suffix}-value`;
  expect((await request.post("/api/v1/projects", { headers: auth, data: { slug, name: `Secrets ${suffix}` } })).status()).toBe(201);

  await page.goto(`/projects/${slug}?tab=secrets`);
  await page.getByRole("button", { name: "Add secret" }).click();
  const dialog = page.getByRole("dialog", { name: "Add secret" });
  await dialog.getByLabel("Name").fill("deploy_token");
  await expect(dialog.getByLabel("Name"), "names are upper-cased as typed").toHaveValue("DEPLOY_TOKEN");
  await expect(dialog.getByLabel("Value")).toHaveAttribute("type", "password");
  await dialog.getByLabel("Value").fill(value);
  await dialog.getByLabel("Description (optional)").fill("pushes releases");
  await dialog.getByRole("button", { name: "Add secret" }).click();
  const table = page.getByRole("table", { name: "Secrets" });
  await expect(table).toContainText("DEPLOY_TOKEN");
  await expect(table).toContainText("pushes releases");
  expect(await page.content()).not.toContain(value);

  // Replace: the dialog never shows the old value.
  await page.getByRole("button", { name: "Replace DEPLOY_TOKEN" }).click();
  const replace = page.getByRole("dialog", { name: "Replace DEPLOY_TOKEN" });
  await expect(replace.getByLabel("Value")).toHaveValue("");
  await replace.getByLabel("Value").fill(`${value}-2`);
  await replace.getByRole("button", { name: "Replace value" }).click();
  await expect(page.getByText("Secret DEPLOY_TOKEN replaced")).toBeVisible();
  expect(await page.content()).not.toContain(value);

  // A viewer, in a browser of their own: names only, no controls.
  const username = `secviewer-${suffix}`;
  const password = "viewer-password-123";
  expect((await request.post("/api/v1/users", { headers: auth, data: { username, name: `Vic ${suffix}`, password } })).status()).toBe(201);
  expect((await request.put(`/api/v1/projects/${slug}/members/${username}`, { headers: auth, data: { role: "viewer" } })).status()).toBe(
    200,
  );
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const vp = await ctx.newPage();
  const login = new LoginPage(vp);
  await login.goto();
  await login.signIn(username, password);
  await expect(vp).toHaveURL(/\/pipelines$/);
  await vp.goto(`/projects/${slug}?tab=secrets`);
  await expect(vp.getByRole("table", { name: "Secrets" })).toContainText("DEPLOY_TOKEN");
  await expect(vp.getByRole("button", { name: "Add secret" })).toHaveCount(0);
  await expect(vp.getByRole("button", { name: "Delete DEPLOY_TOKEN" })).toHaveCount(0);
  await ctx.close();

  // Delete, after confirming.
  await page.getByRole("button", { name: "Delete DEPLOY_TOKEN" }).click();
  await page.getByRole("dialog", { name: "Delete DEPLOY_TOKEN?" }).getByRole("button", { name: "Delete secret" }).click();
  await expect(page.getByText("No secrets yet")).toBeVisible();
});
