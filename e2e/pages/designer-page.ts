import { expect, type Locator, type Page } from "@playwright/test";
import { SpecEditor } from "./spec-editor";

/** The Design tab of a pipeline: palette, canvas, inspector, YAML pane and save dialog. */
export class DesignerPage {
  readonly canvas: Locator;
  readonly palette: Locator;
  readonly inspector: Locator;
  readonly yaml: SpecEditor;

  constructor(readonly page: Page) {
    this.canvas = page.getByRole("region", { name: "Pipeline graph" });
    this.palette = page.getByRole("complementary", { name: "Template palette" });
    this.inspector = page.getByRole("complementary", { name: "Inspector" });
    this.yaml = new SpecEditor(page, "Pipeline YAML");
  }

  paletteItem(title: string) {
    return this.palette.getByRole("button", { name: `Add ${title}` });
  }

  stage(name: string) {
    return this.canvas.getByRole("button", { name: `Stage ${name}`, exact: true });
  }

  /** The lane of a stage, as a drop target. */
  lane(name: string) {
    return this.canvas.locator(`[data-stage="${name}"]`);
  }

  task(name: string) {
    return this.canvas.getByRole("button", { name: new RegExp(`^Task ${name}(,|$)`) });
  }

  badge(task: string) {
    return this.canvas.getByRole("img", { name: new RegExp(`^${task}: \\d+ problems?$`) });
  }

  get addStageLane() {
    return this.canvas.getByRole("button", { name: "Add stage" });
  }

  async view(name: "Designer" | "Split" | "YAML") {
    const button = this.page.getByRole("group", { name: "View" }).getByRole("button", { name });
    await button.click();
    await expect(button).toHaveAttribute("aria-pressed", "true");
  }

  get saveButton() {
    return this.page.getByRole("button", { name: "Save…" });
  }

  async save(message: string) {
    await this.saveButton.click();
    const dialog = this.page.getByRole("dialog", { name: "Save a new version" });
    await dialog.getByLabel("Change message").fill(message);
    await dialog.getByRole("button", { name: "Save version" }).click();
  }

  async expectLanes(names: string[]) {
    await expect(this.canvas.locator("[data-stage]")).toHaveCount(names.length);
    const got = await this.canvas.locator("[data-stage]").evaluateAll((els) =>
      els
        .map((e) => ({ name: e.getAttribute("data-stage"), x: e.getBoundingClientRect().x }))
        .sort((a, b) => a.x - b.x)
        .map((e) => e.name),
    );
    expect(got).toEqual(names);
  }
}
