import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { DesignerPage } from "./pages/designer-page";
import { PipelinePage } from "./pages/pipeline-page";
import { RunPage } from "./pages/run-page";

/**
 * Issue 20: every page passes axe-core's WCAG 2.1 A/AA rules in both themes (the app follows the
 * system setting), and the main flows work with the keyboard alone.
 */

const uid = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const themes = ["light", "dark"] as const;

type Fixture = { pipelineId: string; pipelineName: string; runId: string; project: string; username: string };

/** A pipeline whose run fails in one task (for the failed-run page), a project secret and a second user (for delete dialogs). */
async function arrange(page: Page): Promise<Fixture> {
  const pipelineName = `e2e-a11y-${uid()}`;
  const created = await page.request.post("/api/v1/pipelines", {
    data: {
      name: pipelineName,
      stages: [
        {
          name: "build",
          tasks: [
            { name: "compile", template: "shell", params: { script: "echo compiled" } },
            { name: "boom", template: "shell", params: { script: "echo about to fail; echo 'error: disk full' >&2; exit 3" } },
          ],
        },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id: pipelineId } = (await created.json()) as { id: string };
  // Two runs failing the same way: the second one's triage lists the first as a similar failure (links inside a sentence).
  let runId = "";
  for (let i = 0; i < 2; i++) {
    const started = await page.request.post(`/api/v1/pipelines/${pipelineId}/runs`, { data: {} });
    expect(started.status(), await started.text()).toBe(201);
    runId = ((await started.json()) as { id: string }).id;
    await expect
      .poll(async () => ((await (await page.request.get(`/api/v1/runs/${runId}`)).json()) as { status: string }).status, {
        timeout: 45_000,
      })
      .toBe("failed");
  }
  await moreThanOnePageOfRuns(page);

  const projects = (await (await page.request.get("/api/v1/projects")).json()) as { items: { slug: string }[] };
  const project = projects.items[0]?.slug;
  if (!project) throw new Error("the stack under test has no project to audit");
  const secret = await page.request.put(`/api/v1/projects/${project}/secrets/A11Y_${uid().toUpperCase()}`, { data: { value: "s3cret" } });
  expect(secret.ok(), `creating a project secret: ${await secret.text()}`).toBe(true);

  const username = `a11y-${uid()}`;
  const user = await page.request.post("/api/v1/users", {
    data: { username, name: username, email: `${username}@example.test`, password: "a-long-enough-password" },
  });
  expect(user.status(), await user.text()).toBe(201);
  return { pipelineId, pipelineName, runId, project, username };
}

/** /runs shows 25 a page: runs held at an approval and cancelled make sure its pagination is on the page audited. */
async function moreThanOnePageOfRuns(page: Page) {
  const { total } = (await (await page.request.get("/api/v1/runs?perPage=1")).json()) as { total: number };
  if (total > 25) return;
  const created = await page.request.post("/api/v1/pipelines", {
    data: {
      name: `e2e-a11y-gate-${uid()}`,
      stages: [{ name: "gate", tasks: [{ name: "hold", template: "manual-approval", params: { approvers: ["role:owner"] } }] }],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  for (let i = total; i <= 25; i++) {
    const started = await page.request.post(`/api/v1/pipelines/${id}/runs`, { data: {} });
    expect(started.status(), await started.text()).toBe(201);
    const cancelled = await page.request.post(`/api/v1/runs/${((await started.json()) as { id: string }).id}/cancel`);
    expect(cancelled.ok(), await cancelled.text()).toBe(true);
  }
}

/** Runs axe on what the page shows now; a soft failure per state lists every violation with its targets. */
async function audit(page: Page, state: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const report = violations.flatMap((v) =>
    v.nodes.map((n) => `  [${v.id}] ${n.target.join(" ")}\n    ${v.help}\n    ${(n.failureSummary ?? "").replace(/\n/g, "\n    ")}`),
  );
  expect.soft(report.length, `axe WCAG 2.1 A/AA violations on ${state}:\n${report.join("\n")}`).toBe(0);
}

/** Waits for the page's main heading so axe sees a rendered page, not the loading state. */
async function visit(page: Page, path: string, heading?: string | RegExp) {
  await page.goto(path);
  await expect(
    heading ? page.getByRole("heading", { name: heading, level: 1 }) : page.getByRole("heading", { level: 1 }).first(),
  ).toBeVisible();
}

let fx: Fixture;

test.beforeAll(async ({ browser }) => {
  const context = await browser.newContext({ storageState: ".gantry/e2e/admin.json", baseURL: process.env.GANTRY_E2E_URL });
  fx = await arrange(await context.newPage());
  await context.close();
});

for (const colorScheme of themes) {
  test.describe(`${colorScheme} theme`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme });
    });

    test(`the sign-in page has no WCAG violations (${colorScheme})`, async ({ browser }) => {
      // Signed out: the project's saved admin session would otherwise apply to this context too.
      const context = await browser.newContext({
        colorScheme,
        baseURL: process.env.GANTRY_E2E_URL,
        storageState: { cookies: [], origins: [] },
      });
      const page = await context.newPage();
      await page.goto("/login");
      await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
      await audit(page, `/login (${colorScheme})`);
      await context.close();
    });

    test(`list and settings pages have no WCAG violations (${colorScheme})`, async ({ page }) => {
      const pages: [string, string | RegExp | undefined][] = [
        ["/pipelines", "Pipelines"],
        ["/pipelines/new", undefined],
        ["/runs", "Runs"],
        ["/approvals", undefined],
        ["/analytics", undefined],
        ["/search", undefined],
        ["/catalog", undefined],
        ["/catalog/shell", undefined],
        ["/catalog/new", undefined],
        ["/projects", undefined],
        [`/projects/${fx.project}`, undefined],
        [`/projects/${fx.project}?tab=secrets`, undefined],
        ["/settings/users", "Users"],
        ["/settings/tokens", undefined],
        ["/audit", undefined],
      ];
      for (const [path, heading] of pages) {
        await visit(page, path, heading);
        await audit(page, `${path} (${colorScheme})`);
      }
    });

    test(`a pipeline's tabs, designer and dialogs have no WCAG violations (${colorScheme})`, async ({ page }) => {
      await visit(page, `/pipelines/${fx.pipelineId}`, fx.pipelineName);
      const designer = new DesignerPage(page);
      await expect(designer.canvas).toBeVisible();
      await audit(page, `pipeline Design tab (${colorScheme})`);
      await designer.task("boom").click();
      await expect(designer.inspector.getByRole("region", { name: "Task boom settings" })).toBeVisible();
      await audit(page, `designer with a task selected (${colorScheme})`);

      const pipeline = new PipelinePage(page);
      for (const tab of ["Runs", "Spec", "Versions", "Analytics", "Schedules"] as const) {
        await page.getByRole("tab", { name: new RegExp(`^${tab}`) }).click();
        await expect(page.getByRole("tabpanel")).toBeVisible();
        await audit(page, `pipeline ${tab} tab (${colorScheme})`);
      }
      await pipeline.openRunDialog();
      await audit(page, `Run dialog (${colorScheme})`);
      await page.keyboard.press("Escape");

      for (const path of [`/pipelines/${fx.pipelineId}/versions/1`, `/pipelines/${fx.pipelineId}/triggers`]) {
        await visit(page, path);
        await audit(page, `${path} (${colorScheme})`);
      }
    });

    test(`a failed run, its log and delete confirmations have no WCAG violations (${colorScheme})`, async ({ page }) => {
      await page.goto(`/runs/${fx.runId}`);
      const run = new RunPage(page);
      await run.waitForLoad();
      await expect(run.status).toHaveText("Failed");
      await audit(page, `failed run (${colorScheme})`);
      await run.openTaskLog("boom");
      await expect(run.log("boom")).toContainText("error: disk full");
      await audit(page, `failed run with the log of the failed task (${colorScheme})`);

      await visit(page, "/settings/users", "Users");
      await page.getByRole("button", { name: `Delete ${fx.username}` }).click();
      await expect(page.getByRole("dialog")).toBeVisible();
      await audit(page, `delete user confirmation (${colorScheme})`);
      await page.keyboard.press("Escape");

      await visit(page, `/projects/${fx.project}?tab=secrets`);
      await page
        .getByRole("button", { name: /^Delete A11Y_/ })
        .first()
        .click();
      await expect(page.getByRole("dialog")).toBeVisible();
      await audit(page, `delete secret confirmation (${colorScheme})`);
    });
  });
}

/** Presses Tab until `target` has focus (at most `max` times), then checks the focus is visible. */
async function tabTo(page: Page, target: Locator, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) {
      const outline = await target.evaluate((el) => {
        const s = getComputedStyle(el);
        // Stretched buttons (a row or a node clickable throughout) draw their ring on ::after.
        return { style: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow, after: getComputedStyle(el, "::after").boxShadow };
      });
      expect(
        (outline.style !== "none" && outline.width !== "0px") || outline.shadow !== "none" || outline.after !== "none",
        `the focused element shows a focus indicator (${JSON.stringify(outline)})`,
      ).toBe(true);
      return;
    }
  }
  throw new Error(`Tab never reached ${target} within ${max} presses`);
}

test.describe("keyboard only", () => {
  test("opens the Run dialog, keeps focus inside it, closes it with Escape and focus returns to Run", async ({ page }) => {
    await visit(page, `/pipelines/${fx.pipelineId}`, fx.pipelineName);
    const runButton = page.getByRole("button", { name: "Run", exact: true });
    await tabTo(page, runButton);
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await expect(dialog).toBeVisible();
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press("Tab");
      expect(await dialog.evaluate((d) => d.contains(document.activeElement)), `focus stays in the dialog after ${i + 1} Tabs`).toBe(true);
    }
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(runButton, "focus returns to the button that opened the dialog").toBeFocused();
  });

  test("starts a run from the pipeline page and opens a task's log without the mouse", async ({ page }) => {
    await visit(page, `/pipelines/${fx.pipelineId}`, fx.pipelineName);
    await tabTo(page, page.getByRole("button", { name: "Run", exact: true }));
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await tabTo(page, dialog.getByRole("button", { name: "Start run" }), 20);
    await page.keyboard.press("Enter");
    const run = new RunPage(page);
    await run.waitForLoad();
    await expect(run.status).toHaveText("Failed", { timeout: 45_000 });

    await tabTo(page, run.task("boom"));
    await page.keyboard.press("Enter");
    await expect(run.log("boom")).toContainText("error: disk full");
  });

  test("opens the user menu, follows it with Tab and closes it with Escape, focus back on its button", async ({ page }) => {
    await visit(page, "/pipelines", "Pipelines");
    const menuButton = page.getByRole("button", { name: /^User menu for / });
    await tabTo(page, menuButton);
    await page.keyboard.press("Enter");
    await expect(menuButton).toHaveAttribute("aria-expanded", "true");
    await tabTo(page, page.getByRole("link", { name: "API tokens" }), 3);
    await page.keyboard.press("Escape");
    await expect(page.getByRole("link", { name: "API tokens" })).toBeHidden();
    await expect(menuButton, "Escape in the menu puts focus back on the menu button").toBeFocused();
  });
});
