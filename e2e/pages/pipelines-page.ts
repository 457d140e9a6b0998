import { expect, type Page } from "@playwright/test";
import { SpecEditor } from "./spec-editor";

export class PipelinesPage {
  constructor(readonly page: Page) {}

  async goto() {
    await this.page.goto("/pipelines");
    await expect(this.page.getByRole("heading", { name: "Pipelines", level: 1 })).toBeVisible();
  }

  get table() {
    return this.page.getByRole("table", { name: "Pipelines" });
  }

  async open(name: string) {
    await this.table.getByRole("link", { name, exact: true }).click();
    await expect(this.page.getByRole("heading", { name, level: 1 })).toBeVisible();
  }

  /** "New pipeline" → the new pipeline page, which opens on the designer's name step. */
  async openNew() {
    await this.page.getByRole("link", { name: "New pipeline" }).first().click();
    await expect(this.page.getByRole("heading", { name: "New pipeline" })).toBeVisible();
  }

  /** "New pipeline" → "Start from YAML"; returns its editor. */
  async startNew() {
    await this.openNew();
    await this.page.getByRole("tab", { name: "Start from YAML" }).click();
    return new SpecEditor(this.page);
  }

  async create() {
    await this.page.getByRole("button", { name: "Create pipeline" }).click();
  }
}
