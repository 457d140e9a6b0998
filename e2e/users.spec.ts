import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { raw, signIn } from "../tests/security/auth-helpers";

/** Settings → Users as a site administrator: add, see a sign-in delay and unlock it, disable, enable, delete. */

function row(page: Page, username: string) {
  return page.getByRole("table", { name: "Users" }).getByRole("row", { name: username, exact: true });
}

test("an administrator adds a user, unlocks them, disables and enables them, and deletes them", async ({ page }) => {
  const username = `people-${randomBytes(3).toString("hex")}`;
  const password = "people-password-123";

  await page.goto("/settings/users");
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();

  // Add
  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog", { name: "New user" });
  await dialog.getByLabel("Username").fill(username);
  await dialog.getByLabel("Full name").fill("People Person");
  await dialog.getByLabel(/^Password/).fill("short");
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog.getByRole("alert")).toContainText("passwords need at least 12 characters");
  await dialog.getByLabel(/^Password/).fill(password);
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, username)).toContainText("active");
  await expect(row(page, username)).toContainText("never");

  // Five wrong passwords from one address delay that address: the page shows it and can lift it.
  for (let i = 1; i <= 5; i++) await signIn(username, `wrong-${i}`, { from: "127.0.0.2", forwardedFor: "198.51.100.210" });
  await page.reload();
  await expect(row(page, username)).toContainText("sign-in delayed");
  await row(page, username)
    .getByRole("button", { name: `Unlock ${username}` })
    .click();
  await expect(page.getByText(`Unlocked ${username}`)).toBeVisible();
  await expect(row(page, username)).toContainText("active");
  const session = await signIn(username, password, { from: "127.0.0.2", forwardedFor: "198.51.100.210" });
  expect(session.session, "after the unlock the right password signs in at once").toBeTruthy();
  const asUser = (path: string) => raw("GET", path, { headers: { cookie: session.session! } });
  expect((await asUser("/api/v1/projects")).status).toBe(200);
  // Not an administrator: the Users page is not there for them.
  const notForThem = await asUser("/settings/users");
  expect(notForThem.text).toContain("It may have been deleted, or the link is wrong.");
  expect(notForThem.text).not.toContain("New user");

  // Disable: their open session stops working at once.
  await page.reload();
  await expect(row(page, username)).not.toContainText("never");
  await row(page, username)
    .getByRole("button", { name: `Disable ${username}` })
    .click();
  await expect(row(page, username)).toContainText("disabled");
  expect((await asUser("/api/v1/projects")).status).toBe(401);

  // Enable
  await row(page, username)
    .getByRole("button", { name: `Enable ${username}` })
    .click();
  await expect(row(page, username)).toContainText("active");
  expect((await asUser("/api/v1/projects")).status).toBe(200);

  // Delete, after a confirmation that can be declined.
  await row(page, username)
    .getByRole("button", { name: `Delete ${username}` })
    .click();
  await page
    .getByRole("dialog", { name: `Delete ${username}?` })
    .getByRole("button", { name: "Keep the user" })
    .click();
  await expect(row(page, username)).toBeVisible();
  await row(page, username)
    .getByRole("button", { name: `Delete ${username}` })
    .click();
  await page
    .getByRole("dialog", { name: `Delete ${username}?` })
    .getByRole("button", { name: "Delete user" })
    .click();
  await expect(row(page, username)).toHaveCount(0);
  expect((await asUser("/api/v1/projects")).status).toBe(401);

  // Your own row offers no way to lock yourself out.
  await expect(row(page, "admin").getByRole("button", { name: "Disable admin" })).toHaveCount(0);
  await expect(row(page, "admin").getByRole("button", { name: "Delete admin" })).toHaveCount(0);
});
