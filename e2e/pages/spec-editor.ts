import type { Locator, Page } from "@playwright/test";

/** The CodeMirror YAML editor and its problem list. */
export class SpecEditor {
  readonly textbox: Locator;
  readonly problems: Locator;
  readonly valid: Locator;

  constructor(
    readonly page: Page,
    name: string | RegExp = "Pipeline spec (YAML)",
  ) {
    this.textbox = page.getByRole("textbox", { name });
    this.problems = page.getByRole("list", { name: "Problems" });
    this.valid = page.getByText("The spec is valid.");
  }

  /** Replaces the whole text, as if pasted (no auto-indent from the editor). */
  async setText(text: string) {
    await this.textbox.click();
    await this.page.keyboard.press("ControlOrMeta+a");
    await this.page.keyboard.press("Delete");
    await this.page.keyboard.insertText(text);
  }

  async text(): Promise<string> {
    return this.textbox.evaluate((el) => Array.from(el.querySelectorAll(".cm-line"), (l) => l.textContent ?? "").join("\n"));
  }
}
