import { expect, test } from "@playwright/test";

test("finds a template in the catalog and shows its params, example and where it runs", async ({ page }) => {
  await page.goto("/pipelines");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Catalog" }).click();
  await expect(page.getByRole("heading", { name: "Catalog", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: /^deploy/ })).toBeVisible();

  await page.getByRole("searchbox", { name: "Search templates" }).fill("kaniko");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("link", { name: "Shell script" })).toHaveCount(0);
  await page.getByRole("link", { name: "Container image build (kaniko)" }).click();

  await expect(page.getByRole("heading", { name: /Container image build/, level: 1 })).toBeVisible();
  const params = page.getByRole("table", { name: "Params" });
  await expect(params.getByRole("row", { name: /^image/ })).toContainText("yes");
  await expect(params.getByRole("row", { name: /^context/ })).toContainText("src");
  await expect(page.getByLabel("Example task YAML")).toContainText("template: kaniko-build");
  // Locally it builds with buildah (docs/templates.md#kaniko-build).
  await expect(page.getByText("Local process: yes")).toBeVisible();
  // Tested against the real tool: no caveat.
  await expect(page.getByRole("heading", { name: "How Gantry tests it" })).toHaveCount(0);
});

test("says which templates are not proven against their real tool, and why", async ({ page }) => {
  await page.goto("/catalog");
  const card = page.getByRole("link", { name: "Integration test with a database" });
  await expect(card.getByText("not proven here")).toBeVisible();
  await expect(page.getByRole("link", { name: "Helm upgrade --install" }).getByText("not proven here")).toHaveCount(0);
  await card.click();
  const how = page.getByRole("region", { name: "How Gantry tests it" });
  await expect(how).toContainText("Not proven against its real tool");
  await expect(how).toContainText("kwok");

  await page.goto("/catalog/jira-issue");
  await expect(page.getByRole("region", { name: "How Gantry tests it" })).toContainText("Proven against recorded exchanges");
});

test("an admin adds a template from YAML after fixing a params schema error, then deprecates it", async ({ page }) => {
  const name = `e2e-tpl-${Date.now().toString(36)}`;
  await page.goto("/catalog/new");
  const yaml = (type: string) => `name: ${name}
title: E2E ${name}
category: test
icon: megaphone
image: debian:bookworm-slim
command: ["bash", "-c", "echo $0", "{{params.msg}}"]
paramsSchema:
  type: object
  properties:
    msg:
      type: ${type}
local:
  supported: true
  requires: [bash]
`;
  await expect(page.getByRole("button", { name: "Add template" }), "the form is ready once hydrated").toBeEnabled();
  await page.getByLabel("Template YAML").fill(yaml("strnig"));
  await page.getByRole("button", { name: "Add template" }).click();
  await expect(page.getByRole("list", { name: "Template problems" })).toContainText(
    /line 11: paramsSchema\.properties\.msg\.type not a valid JSON Schema: must be equal to one of the allowed values/,
  );

  await page.getByLabel("Template YAML").fill(yaml("string"));
  await page.getByRole("button", { name: "Add template" }).click();
  await expect(page.getByRole("heading", { name: `E2E ${name}`, level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Params" })).toContainText("msg");

  await page.getByRole("button", { name: "Deprecate" }).click();
  await expect(page.getByText("deprecated", { exact: true })).toBeVisible();
});
