import { expect, test } from "@playwright/test";
import { LoginPage } from "./pages/login-page";
import { RunPage } from "./pages/run-page";

/**
 * Kubernetes mode in the browser: a second stack with GANTRY_EXECUTOR=kubernetes on the test
 * cluster (scripts/lib/kube-e2e.ts, started by `npm test`). Its tasks run as BuildJobs, kwok
 * plays the kubelet; the run page shows the live status, the task's log with the BuildJob line and
 * the pod's Kubernetes events next to it.
 */

const kubeUrl = process.env.GANTRY_E2E_KUBE_URL;
const kubeToken = process.env.GANTRY_E2E_KUBE_TOKEN;

// Its own sign-in: the saved session belongs to the main stack.
test.use({ storageState: { cookies: [], origins: [] } });

test("a run in Kubernetes mode: the run page follows its BuildJobs live, with their logs and the pods' events", async ({ page }) => {
  // Under CI a missing cluster fails the test; by hand it is skipped with the reason.
  if ((!kubeUrl || !kubeToken) && process.env.CI === "true")
    throw new Error("no test Kubernetes cluster under CI (GANTRY_E2E_KUBE_URL unset)");
  test.skip(!kubeUrl || !kubeToken, "no test Kubernetes cluster (see docs/kubernetes-test-cluster.md); npm test says why");
  test.setTimeout(120_000);
  const name = `e2e-kube-${Date.now().toString(36)}`;
  const created = await page.request.post(`${kubeUrl}/api/v1/pipelines`, {
    headers: { authorization: `Bearer ${kubeToken}` },
    data: {
      name,
      stages: [
        // kwok keeps the pod running for as long as KWOK_DURATION says (an annotation).
        { name: "build", tasks: [{ name: "compile", template: "shell", params: { script: "make" }, env: { KWOK_DURATION: "6s" } }] },
        { name: "test", tasks: [{ name: "unit", template: "shell", params: { script: "make test" } }] },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };

  const login = new LoginPage(page);
  await login.goto(`${kubeUrl}/login`);
  await login.signIn("admin", process.env.GANTRY_E2E_PASSWORD!);
  await expect(page).toHaveURL(/\/pipelines$/);

  await page.goto(`${kubeUrl}/pipelines/${id}`);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Start run" }).click();

  const run = new RunPage(page);
  await run.waitForLoad();
  await expect(run.status).toHaveText("Running", { timeout: 30_000 });
  await expect(run.task("compile")).toHaveAccessibleName("compile, running", { timeout: 30_000 });
  await run.openTaskLog("compile");
  const log = run.log("compile");
  // Written while the task runs: the BuildJob, then the pod's events as the cluster reports them.
  await expect(log).toContainText(/BuildJob gantry-e2e\/gantry-[0-9a-f]+-a1 created/);
  await expect(log).toContainText(/Normal Scheduled on pod gantry-[0-9a-f]+-a1-[a-z0-9]{5}: Successfully assigned gantry-e2e\//);
  await expect(run.task("compile"), "still running: the page is live, not reloaded at the end").toHaveAccessibleName("compile, running");

  await expect(run.status, "the run ends once both BuildJobs succeeded").toHaveText("Succeeded", { timeout: 60_000 });
  await expect(run.task("compile")).toHaveAccessibleName("compile, succeeded");
  await expect(run.task("unit")).toHaveAccessibleName("unit, succeeded");
  // The container's own output (kwok serves a placeholder line for a pod without a log file).
  await expect(log).toContainText("kwok: no Logs or ClusterLogs object gives this container a log file");
});
