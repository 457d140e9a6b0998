import { expect, test } from "@playwright/test";
import { PipelinePage } from "./pages/pipeline-page";
import { PipelinesPage } from "./pages/pipelines-page";

const spec = (name: string, description: string) => `name: ${name}
description: ${description}
stages:
  - name: build
    tasks:
      - name: hello
        template: shell
        params:
          script: echo hi
`;

test("points spec errors at their lines and refuses to create an invalid pipeline", async ({ page }) => {
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  const editor = await pipelines.startNew();
  await expect(editor.valid, "the starter spec is valid").toBeVisible();

  await editor.setText(`name: bad-stage
stages:
  - name: Build Stage
    tasks:
      - name: hello
        template: shell
`);
  await expect(editor.problems).toContainText("Line 3");
  await expect(editor.problems).toContainText("stages[0].name: must be a DNS-1123 label");
  await expect(page.getByRole("button", { name: "Create pipeline" })).toBeDisabled();

  await editor.setText("name: broken\nstages: [\n");
  await expect(editor.problems, "a YAML syntax error names its line too").toContainText(/Line \d/);

  // The catalog is checked on the server: an unknown template comes back pointing at its line.
  await editor.setText(spec(`e2e-unknown-${Date.now().toString(36)}`, "x").replace("template: shell", "template: no-such-template"));
  await expect(editor.valid).toBeVisible();
  await pipelines.create();
  await expect(editor.problems).toContainText("Line 7");
  await expect(editor.problems).toContainText("no-such-template");
});

test("saves a new version with a message, and refuses a save on top of a newer version", async ({ page, context }) => {
  const name = `e2e-edit-${Date.now().toString(36)}`;
  const pipelines = new PipelinesPage(page);
  await pipelines.goto();
  const created = await pipelines.startNew();
  await created.setText(spec(name, "first"));
  await pipelines.create();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const url = page.url();

  const mine = new PipelinePage(page);
  await mine.tab("Spec");
  await mine.editor.setText(spec(name, "second"));
  await mine.saveMessage.fill("describe it better");
  await mine.saveButton.click();
  await expect(page.getByText("Saved version 2")).toBeVisible();
  await mine.tab("Versions");
  await expect(mine.versions.getByRole("row", { name: /Version 2/ })).toContainText("describe it better");

  // Someone else opens version 2 and saves first…
  const otherPage = await context.newPage();
  await otherPage.goto(`${url}?tab=spec`);
  const other = new PipelinePage(otherPage);
  await mine.tab("Spec");
  await mine.editor.setText(spec(name, "mine"));
  await other.editor.setText(spec(name, "theirs"));
  await other.saveButton.click();
  await expect(otherPage.getByText("Saved version 3")).toBeVisible();

  // …so my save, still based on version 2, is refused with a message that says why.
  await mine.saveButton.click();
  await expect(page.getByRole("alert").filter({ hasText: "changed by someone else" })).toContainText("the current version is 3");
  expect(await mine.editor.text(), "my text is kept").toContain("description: mine");
  await otherPage.close();
});
