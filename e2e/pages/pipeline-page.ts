import { expect, type Locator, type Page } from "@playwright/test";
import { SpecEditor } from "./spec-editor";

export class PipelinePage {
  readonly editor: SpecEditor;

  constructor(readonly page: Page) {
    this.editor = new SpecEditor(page);
  }

  async tab(name: "Runs" | "Spec" | "Versions" | "Analytics") {
    await this.page.getByRole("tab", { name: new RegExp(`^${name}`) }).click();
  }

  get saveMessage() {
    return this.page.getByLabel("Change message");
  }

  get saveButton() {
    return this.page.getByRole("button", { name: "Save", exact: true });
  }

  get versions() {
    return this.page.getByRole("table", { name: "Versions" });
  }

  async openRunDialog() {
    await this.page.getByRole("button", { name: "Run", exact: true }).click();
    const dialog = this.page.getByRole("dialog");
    await expect(dialog).toBeVisible();
    return new RunDialog(dialog);
  }
}

export class RunDialog {
  constructor(readonly dialog: Locator) {}

  field(param: string) {
    return this.dialog.getByLabel(param);
  }

  get ref() {
    return this.dialog.getByLabel("Branch or tag");
  }

  async start() {
    await this.dialog.getByRole("button", { name: "Start run" }).click();
  }
}
