import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { LoginPage } from "./pages/login-page";

/**
 * Projects through the UI: an owner creates a project and adds a member; the member, signed in
 * on their own, finds it in the switcher and, as a viewer, gets no Run button. The audit page
 * shows who added them.
 */
test("creates a project, adds a viewer, who sees it without run controls", async ({ page, browser, request }) => {
  const token = process.env.GANTRY_TEST_TOKEN;
  if (!token) throw new Error("GANTRY_TEST_TOKEN is not set; `npm test` sets it");
  const suffix = randomBytes(3).toString("hex");
  const slug = `team-${suffix}`;
  const username = `viewer-${suffix}`;
  const password = "viewer-password-123";
  const auth = { authorization: `Bearer ${token}` };
  expect((await request.post("/api/v1/users", { headers: auth, data: { username, name: `Vera ${suffix}`, password } })).status()).toBe(201);

  await page.goto("/projects");
  await page.getByRole("button", { name: "New project" }).click();
  const dialog = page.getByRole("dialog", { name: "New project" });
  await dialog.getByLabel("Name").fill(`Team ${suffix}`);
  await dialog.getByLabel("Slug").fill(slug);
  await dialog.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${slug}$`));
  await expect(page.getByRole("heading", { name: `Team ${suffix}` })).toBeVisible();

  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("table", { name: "Members" })).toContainText(`@${username}`);

  // A pipeline in the new project, made through the API as the admin.
  const created = await request.post(`/api/v1/pipelines?project=${slug}`, {
    headers: auth,
    data: {
      name: `svc-${suffix}`,
      stages: [{ name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "true" } }] }],
    },
  });
  expect(created.status()).toBe(201);
  const pipelineId = (await created.json()).id;

  await page.goto(`/audit?project=${slug}`);
  const audit = page.getByRole("table", { name: "Audit events" });
  await expect(audit).toContainText("member.add");
  await expect(audit).toContainText(username);

  // The viewer, in a browser of their own.
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const vp = await ctx.newPage();
  const login = new LoginPage(vp);
  await login.goto();
  await login.signIn(username, password);
  await expect(vp).toHaveURL(/\/pipelines$/);
  await vp.getByLabel("Project").selectOption(slug);
  await expect(vp.getByRole("table", { name: "Pipelines" })).toContainText(`svc-${suffix}`);
  await vp.getByRole("link", { name: `svc-${suffix}` }).click();
  await expect(vp).toHaveURL(new RegExp(`/pipelines/${pipelineId}`));
  await expect(vp.getByRole("heading", { name: `svc-${suffix}` })).toBeVisible();
  await expect(vp.getByRole("button", { name: "Run", exact: true }), "a viewer may not start runs").toHaveCount(0);
  // Someone else's project stays invisible: the demo pipeline lives in `default`, which the viewer is not in.
  await vp.goto("/pipelines");
  await vp.getByLabel("Project").selectOption("");
  await expect(vp.getByRole("table", { name: "Pipelines" })).not.toContainText("hello-world");
  await ctx.close();
});

/**
 * Where a project's build pods may run is set on its page: a toleration in kubectl's notation,
 * an affinity in YAML; a mistake is shown at its field and nothing is saved; the saved values
 * come back as written.
 */
test("sets where a project's build pods run, refusing a bad toleration at its field", async ({ page, request }) => {
  const token = process.env.GANTRY_TEST_TOKEN;
  if (!token) throw new Error("GANTRY_TEST_TOKEN is not set; `npm test` sets it");
  const slug = `pool-${randomBytes(3).toString("hex")}`;
  const auth = { authorization: `Bearer ${token}` };
  expect((await request.post("/api/v1/projects", { headers: auth, data: { slug, name: `Pool ${slug}` } })).status()).toBe(201);

  await page.goto(`/projects/${slug}`);
  await page.getByRole("tab", { name: "Settings" }).click();
  await page.getByLabel("Node selector").fill("pool=builds");
  await page.getByLabel("Tolerations").fill("dedicated=ci:NoSchedule\nspot:Sometimes");
  await page
    .getByLabel("Affinity")
    .fill(
      "nodeAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    nodeSelectorTerms:\n      - matchExpressions:\n          - { key: zone, operator: In, values: [a] }\n",
    );
  await page.getByLabel("Service account", { exact: true }).fill("builder");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("line 2 ('spot:Sometimes')")).toBeVisible();

  await page.getByLabel("Tolerations").fill("dedicated=ci:NoSchedule\nspot:NoExecute");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Settings saved")).toBeVisible();

  const saved = await (await request.get(`/api/v1/projects/${slug}`, { headers: auth })).json();
  expect(saved.settings).toMatchObject({
    nodeSelector: { pool: "builds" },
    tolerations: [
      { key: "dedicated", operator: "Equal", value: "ci", effect: "NoSchedule" },
      { key: "spot", operator: "Exists", effect: "NoExecute" },
    ],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }],
        },
      },
    },
    serviceAccount: "builder",
  });
  await page.reload();
  await expect(page.getByLabel("Tolerations")).toHaveValue("dedicated=ci:NoSchedule\nspot:NoExecute");
});
