import { expect, type Page } from "@playwright/test";

export class LoginPage {
  constructor(readonly page: Page) {}

  async goto(path = "/login") {
    await this.page.goto(path);
    await expect(this.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  }

  async signIn(username: string, password: string) {
    await this.page.getByLabel("Username").fill(username);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  /** One button per configured single sign-on provider. */
  ssoButton(provider: string) {
    return this.page.getByRole("button", { name: `Sign in with ${provider}` });
  }

  get error() {
    return this.page.getByRole("alert").filter({ hasText: /password|sign-in|server|account/i });
  }
}
