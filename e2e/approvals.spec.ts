import { randomBytes } from "node:crypto";
import { expect, test, type Browser } from "@playwright/test";
import { linkIn, startTestSmtp, type TestSmtp } from "../tests/smtp-helpers";
import { LoginPage } from "./pages/login-page";
import { RunPage } from "./pages/run-page";

/**
 * A manual approval end to end in the browser: the admin runs a pipeline with a gate; the
 * approver gets the email (a real SMTP server started here), follows its link, signs in, lands on
 * the run and approves with a comment; the run goes on. A viewer of the project sees the gate and
 * the decision, but neither a Run nor an Approve button.
 */

let smtp: TestSmtp;
test.beforeAll(async () => {
  smtp = await startTestSmtp();
});
test.afterAll(async () => {
  await smtp?.close();
});

async function signedIn(browser: Browser, username: string, password: string, path?: string) {
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await ctx.newPage();
  const login = new LoginPage(page);
  if (path) {
    // Signed out, the link leads to the sign-in page, which remembers where it was going.
    await page.goto(path);
    await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  } else await login.goto();
  await login.signIn(username, password);
  // Signed in once the browser has left the sign-in page.
  await expect(page).not.toHaveURL(/\/login/);
  return { ctx, page };
}

test("an approver follows the emailed link, approves with a comment, and the run goes on", async ({ page, browser, request }) => {
  const token = process.env.GANTRY_TEST_TOKEN;
  if (!token) throw new Error("GANTRY_TEST_TOKEN is not set; `npm test` sets it");
  const auth = { authorization: `Bearer ${token}` };
  const suffix = randomBytes(3).toString("hex");
  const slug = `release-${suffix}`;
  const password = "a-long-test-password";
  const approver = `approver-${suffix}`;
  const viewer = `viewer-${suffix}`;

  expect((await request.post("/api/v1/projects", { headers: auth, data: { slug, name: `Release ${suffix}` } })).status()).toBe(201);
  for (const [username, role] of [
    [approver, "maintainer"],
    [viewer, "viewer"],
  ] as const) {
    const u = await request.post("/api/v1/users", {
      headers: auth,
      data: { username, name: username, email: `${username}@example.test`, password },
    });
    expect(u.status(), await u.text()).toBe(201);
    expect((await request.put(`/api/v1/projects/${slug}/members/${username}`, { headers: auth, data: { role } })).status()).toBe(200);
  }
  const name = `ship-${suffix}`;
  const created = await request.post(`/api/v1/pipelines?project=${slug}`, {
    headers: auth,
    data: {
      name,
      stages: [
        {
          name: "approve",
          tasks: [
            {
              name: "release-ok",
              template: "manual-approval",
              params: { approvers: [approver], instructions: "Check the staging site before you approve." },
            },
          ],
        },
        { name: "ship", tasks: [{ name: "deploy", template: "shell", params: { script: "echo deploying" } }] },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const pipelineId = (await created.json()).id as string;

  // The admin starts the run from the pipeline page; it stops at the gate.
  await page.goto(`/pipelines/${pipelineId}`);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Start run" }).click();
  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status).toHaveText("Waiting", { timeout: 20_000 });
  const runUrl = new URL(page.url());

  // The approver's mail names the pipeline and links to the run.
  const mail = await smtp.waitFor(`${approver}@example.test`, (m) => m.text.includes(runUrl.pathname));
  expect(mail.subject).toContain(name);
  expect(mail.text).toContain("Check the staging site before you approve.");
  const link = new URL(linkIn(mail));

  // A viewer sees the gate, but no Run and no Approve button.
  const v = await signedIn(browser, viewer, password);
  await v.page.goto(link.pathname + link.search);
  await expect(v.page.getByRole("region", { name: "Approval" })).toContainText("Check the staging site before you approve.");
  await expect(v.page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(v.page.getByRole("button", { name: "Deny" })).toHaveCount(0);
  await v.page.goto(`/pipelines/${pipelineId}`);
  await expect(v.page.getByRole("heading", { name })).toBeVisible();
  await expect(v.page.getByRole("button", { name: "Run", exact: true })).toHaveCount(0);

  // The approver follows the link, signs in and lands on the run with the gate open.
  const a = await signedIn(browser, approver, password, link.pathname + link.search);
  await expect(a.page).toHaveURL(new RegExp(`${link.pathname}\\?task=`));
  const gate = a.page.getByRole("region", { name: "Approval" });
  await expect(gate).toContainText("Check the staging site before you approve.");
  await expect(gate).toContainText("0 of 1 needed");
  // The Approvals page lists it for them.
  await a.page.goto("/approvals");
  await expect(a.page.getByRole("table", { name: "Waiting for your approval" })).toContainText(`${name} #`);
  await a.page.getByRole("link", { name: new RegExp(`^${name} #`) }).click();
  await gate.getByLabel("Comment").fill("staging looks good");
  await gate.getByRole("button", { name: "Approve" }).click();
  await expect(gate.getByRole("list", { name: "Decisions" })).toContainText(approver);
  await expect(gate.getByRole("list", { name: "Decisions" })).toContainText("staging looks good");
  await expect(gate.getByRole("button", { name: "Approve" })).toHaveCount(0);

  // The run goes on, for everyone watching.
  const approverRun = new RunPage(a.page);
  await expect(approverRun.status).toHaveText("Succeeded", { timeout: 30_000 });
  await expect(run.status).toHaveText("Succeeded", { timeout: 30_000 });
  await expect(run.task("deploy")).toHaveAccessibleName("deploy, succeeded");

  // Everyone sees who decided, when and why.
  await v.page.goto(link.pathname + link.search);
  const seen = v.page.getByRole("region", { name: "Approval" }).getByRole("list", { name: "Decisions" });
  await expect(seen).toContainText(approver);
  await expect(seen).toContainText("approved");
  await expect(seen).toContainText("staging looks good");
  await a.ctx.close();
  await v.ctx.close();
});
