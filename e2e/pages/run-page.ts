import { expect, type Page } from "@playwright/test";

export class RunPage {
  constructor(readonly page: Page) {}

  async waitForLoad() {
    await this.page.waitForURL(/\/runs\/[^/?]+/);
    await expect(this.status).toBeVisible();
  }

  /** The run's status badge in the header ("Queued", "Running", "Succeeded"…). */
  get status() {
    return this.page.getByRole("status", { name: "Run status" });
  }

  /** A task's button in the stage list; its name is "<task>, <status>". */
  task(name: string) {
    return this.page.getByRole("button", { name: new RegExp(`^${name},`) });
  }

  async openTaskLog(name: string) {
    await this.task(name).click();
    await expect(this.log(name)).toBeVisible();
  }

  log(task: string) {
    return this.page.getByRole("region", { name: `Log of ${task}` });
  }

  get cancelButton() {
    return this.page.getByRole("button", { name: "Cancel run" });
  }
}
