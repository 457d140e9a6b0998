import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { registryUnavailableReason, startRegistry, type Registry } from "../scripts/lib/tools/registry";
import { RunPage } from "./pages/run-page";

/**
 * Issue 13's end-to-end scenario, on this machine's stack (the local executor, as `npm start`
 * runs it) with its deploys going to the test Kubernetes cluster: a `git push` to a watched
 * repository (a bare repository whose post-receive hook delivers GitHub's push event, signed) →
 * checkout → node build with the build cache → unit tests with a JUnit report → image build
 * (buildah) and push to a real OCI registry, and the build's files as artifacts → the registry's
 * notification starts the deploy pipeline → helm upgrades a chart of the repository with the new
 * image → `kubectl get deploy` shows it. Twice: the second push hits the cache and upgrades the
 * release to revision 2. The run pages show the tests, the artifacts and the cache.
 */

const suffix = randomBytes(3).toString("hex");
const token = process.env.GANTRY_TEST_TOKEN ?? "";
const auth = { authorization: `Bearer ${token}` };
const ns = `ship-${suffix}`;
const slug = `ship-${suffix}`;
const HOOK_SECRET = `git-${randomBytes(12).toString("hex")}`;
const REGISTRY_SECRET = `registry-${randomBytes(12).toString("hex")}`;

/** The task uid of the stack's sandbox: the repository must be its own for git to clone it. */
const SANDBOX_UID = 65534;

let work: string;
let bare: string;
let clone: string;
let registry: Registry | undefined;

/**
 * git as this test's user (root here) on a repository the sandbox uid owns: a global config that
 * trusts it (git passes no `-c` on to the receive-pack of a local push).
 */
const gitEnv = () => ({
  ...process.env,
  GIT_CONFIG_GLOBAL: path.join(work, "gitconfig"),
  GIT_AUTHOR_NAME: "Dev",
  GIT_AUTHOR_EMAIL: "dev@example.test",
  GIT_COMMITTER_NAME: "Dev",
  GIT_COMMITTER_EMAIL: "dev@example.test",
});
const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8", env: gitEnv() }).trim();
const kubectl = (...args: string[]) => execFileSync("kubectl", args, { encoding: "utf8" }).trim();

function file(p: string, text: string) {
  mkdirSync(path.dirname(path.join(clone, p)), { recursive: true });
  writeFileSync(path.join(clone, p), text);
}

/** A small Node project with tests, a Dockerfile of its build output, and the chart that deploys it. */
function writeApp(price: number) {
  const manifest = { name: "shop", version: "1.0.0", private: true };
  file(
    "package.json",
    `${JSON.stringify(
      {
        ...manifest,
        scripts: {
          build: "node build.js",
          test: "mkdir -p reports && node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml test/price.test.js",
        },
      },
      null,
      2,
    )}\n`,
  );
  file(
    "package-lock.json",
    `${JSON.stringify({ ...manifest, lockfileVersion: 3, requires: true, packages: { "": manifest } }, null, 2)}\n`,
  );
  file("lib/price.js", `exports.price = (qty) => qty * ${price};\nexports.label = (qty) => \`\${qty} for \${exports.price(qty)}\`;\n`);
  file(
    "test/price.test.js",
    [
      'const test = require("node:test");',
      'const assert = require("node:assert");',
      'const { price, label } = require("../lib/price");',
      `test("prices by quantity", () => assert.equal(price(2), ${2 * price}));`,
      `test("labels the price", () => assert.equal(label(1), "1 for ${price}"));`,
      'test("discounts bulk orders", { skip: "not yet" }, () => {});',
      "",
    ].join("\n"),
  );
  file(
    "build.js",
    [
      'const fs = require("node:fs");',
      'fs.mkdirSync("dist", { recursive: true });',
      `fs.writeFileSync("dist/index.html", "<h1>shop: " + require("./lib/price").label(1) + "</h1>\\n");`,
      'fs.copyFileSync("lib/price.js", "dist/price.js");',
      "",
    ].join("\n"),
  );
  file("Dockerfile", "FROM scratch\nCOPY dist/ /srv/\n");
  file(".gitignore", "node_modules/\ndist/\nreports/\n");
  file("chart/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n");
  file("chart/values.yaml", "image: registry.example.test/shop:latest\n");
  file(
    "chart/templates/deployment.yaml",
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels: { app: {{ .Release.Name }} }
  template:
    metadata:
      labels: { app: {{ .Release.Name }} }
    spec:
      containers:
        - name: shop
          image: {{ .Values.image | quote }}
`,
  );
}

/**
 * The post-receive hook of the "forge": for each pushed ref, GitHub's push event (the fields
 * Gantry reads), signed with the trigger's secret like GitHub's X-Hub-Signature-256.
 */
function pushHook(url: string): string {
  return `#!/usr/bin/env node
const { createHmac, randomUUID } = require("node:crypto");
const { execFileSync } = require("node:child_process");
const lines = require("node:fs").readFileSync(0, "utf8").trim().split("\\n");
const show = (sha, format) => execFileSync("git", ["show", "-s", "--format=" + format, sha], { encoding: "utf8" }).trim();
(async () => {
  for (const line of lines) {
    const [before, after, ref] = line.split(" ");
    const commit = { id: after, message: show(after, "%B"), timestamp: show(after, "%cI"), author: { name: show(after, "%an") } };
    const body = JSON.stringify({
      ref, before, after,
      repository: { clone_url: ${JSON.stringify(`file://${bare}`)}, full_name: "dev/shop" },
      pusher: { name: "dev" },
      head_commit: commit,
      commits: [commit],
    });
    const signature = "sha256=" + createHmac("sha256", ${JSON.stringify(HOOK_SECRET)}).update(body).digest("hex");
    const r = await fetch(${JSON.stringify(url)}, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
      body,
    });
    console.log("gantry answered " + r.status + ": " + (await r.text()));
  }
})();
`;
}

type Task = { id: string; name: string; status: string; message: string | null; results: Record<string, string> };
type Run = { id: string; number: number; status: string; stages: { tasks: Task[] }[] };
const tasksOf = (run: Run) => run.stages.flatMap((s) => s.tasks);
const taskOf = (run: Run, name: string) => tasksOf(run).find((t) => t.name === name)!;

async function json<T>(request: APIRequestContext, url: string): Promise<T> {
  const r = await request.get(url, { headers: auth });
  expect(r.status(), await r.text()).toBe(200);
  return (await r.json()) as T;
}

/** The pipeline's run number `n` (started by a delivery), once it has ended. */
async function endedRun(request: APIRequestContext, pipelineId: string, n: number, what: string): Promise<Run> {
  let id = "";
  await expect
    .poll(
      async () => {
        const page = await json<{ items: { id: string; number: number }[] }>(request, `/api/v1/pipelines/${pipelineId}/runs`);
        id = page.items.find((r) => r.number === n)?.id ?? "";
        return id;
      },
      { message: `${what}: run ${n} should start`, timeout: 60_000 },
    )
    .not.toBe("");
  let run: Run | undefined;
  await expect
    .poll(
      async () => {
        run = await json<Run>(request, `/api/v1/runs/${id}`);
        return ["succeeded", "failed", "cancelled"].includes(run.status);
      },
      { message: `${what}: run ${n} should end`, timeout: 240_000, intervals: [1000] },
    )
    .toBe(true);
  if (run!.status !== "succeeded") {
    const logs = await Promise.all(
      tasksOf(run!).map(
        async (t) =>
          `--- ${t.name} (${t.status}: ${t.message})\n${await (await request.get(`/api/v1/task-runs/${t.id}/logs`, { headers: auth })).text()}`,
      ),
    );
    throw new Error(`${what}: run ${n} ${run!.status}\n${logs.join("\n")}`);
  }
  return run!;
}

test.beforeAll(async () => {
  if (!process.env.KUBECONFIG && process.env.CI === "true") throw new Error("no test Kubernetes cluster under CI (KUBECONFIG unset)");
  const noRegistry = registryUnavailableReason();
  if (noRegistry && process.env.CI === "true") throw new Error(`no OCI registry under CI: ${noRegistry}`);
});

test.afterAll(async () => {
  await registry?.stop();
  if (process.env.KUBECONFIG) {
    try {
      kubectl("delete", "namespace", ns, "--wait=false", "--ignore-not-found");
    } catch {
      // best effort
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test("a push is built, tested, packaged and deployed to the cluster; a second push upgrades it from the cache", async ({
  page,
  request,
}, testInfo) => {
  test.skip(!process.env.KUBECONFIG, "no test Kubernetes cluster (see docs/kubernetes-test-cluster.md); npm test says why");
  test.skip(registryUnavailableReason() !== null, `no OCI registry: ${registryUnavailableReason()}`);
  test.setTimeout(12 * 60_000);
  expect(token, "GANTRY_TEST_TOKEN is not set; `npm test` sets it").not.toBe("");

  // The cluster side: the project's namespace and the deploy account its deploy tasks act as.
  execFileSync("kubectl", ["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer", namespace: ns } },
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "deployer-admin", namespace: ns },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
          subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns }],
        },
      ],
    }),
  });

  // Gantry's side: a project deploying as that account, its two secrets, and the two pipelines.
  const project = await request.post("/api/v1/projects", {
    headers: auth,
    data: { slug, name: `Shop ${suffix}`, settings: { executor: "local", namespace: ns, deployServiceAccount: "deployer" } },
  });
  expect(project.status(), await project.text()).toBe(201);
  for (const [name, value] of [
    ["GIT_HOOK", HOOK_SECRET],
    ["REGISTRY_HOOK", REGISTRY_SECRET],
  ]) {
    const r = await request.put(`/api/v1/projects/${slug}/secrets/${name}`, { headers: auth, data: { value } });
    expect(r.status(), await r.text()).toBeLessThan(300);
  }
  const create = async (spec: object) => {
    const r = await request.post(`/api/v1/pipelines?project=${slug}`, { headers: auth, data: spec });
    expect(r.status(), await r.text()).toBe(201);
    return (await r.json()).id as string;
  };

  // The repository: readable by the sandbox's uid (its /tmp is private), so under /var/tmp.
  work = mkdtempSync(path.join("/var/tmp", "gantry-ship-"));
  chmodSync(work, 0o755);
  bare = path.join(work, "shop.git");
  clone = path.join(work, "clone");
  const repository = { url: `file://${bare}`, revision: "main", dir: "src" };

  // Deploy: started by the registry's push notification, with the pushed image as {{ event.image }}.
  const deployId = await create({
    name: `shop-deploy-${suffix}`,
    repository,
    triggers: [{ provider: "registry", secret: "REGISTRY_HOOK" }],
    stages: [
      {
        name: "deploy",
        tasks: [
          {
            name: "helm",
            template: "helm-deploy",
            params: { release: "shop", chart: "src/chart", namespace: ns, timeout: "90s", set: "image={{ event.image }}" },
          },
        ],
      },
    ],
  });
  registry = await startRegistry({
    dir: path.join(mkdtempSync(path.join(tmpdir(), "gantry-ship-registry-")), "registry"),
    notifications: {
      url: new URL(`/api/v1/hooks/registry/${deployId}`, testInfo.project.use.baseURL).toString(),
      headers: { Authorization: `Bearer ${REGISTRY_SECRET}` },
    },
  });

  // CI: started by a push to main; builds and tests with the cache, then the image and the artifacts side by side.
  const ciId = await create({
    name: `shop-ci-${suffix}`,
    repository,
    triggers: [{ provider: "github", secret: "GIT_HOOK", branches: ["main"] }],
    stages: [
      {
        name: "build",
        tasks: [
          {
            name: "build",
            template: "node-build",
            params: { dir: "src", packageManager: "npm", scripts: "build test" },
            reports: { junit: "src/reports/*.xml" },
          },
        ],
      },
      {
        name: "publish",
        mode: "parallel",
        tasks: [
          {
            name: "image",
            template: "kaniko-build",
            params: { image: `${registry.host}/shop:{{ git.shortSha }}`, context: "src", insecureRegistry: true },
          },
          { name: "artifacts", template: "artifact-upload", params: { paths: "src/dist/*" } },
        ],
      },
    ],
  });

  // The "forge": a bare repository that is the sandbox uid's (git clones only from an owner it
  // maps to itself), whose post-receive hook tells Gantry about each push.
  writeFileSync(path.join(work, "gitconfig"), "[safe]\n\tdirectory = *\n");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  writeFileSync(
    path.join(bare, "hooks/post-receive"),
    pushHook(new URL(`/api/v1/hooks/github/${ciId}`, testInfo.project.use.baseURL).toString()),
  );
  chmodSync(path.join(bare, "hooks/post-receive"), 0o755);
  execFileSync("chown", ["-R", `${SANDBOX_UID}:${SANDBOX_UID}`, bare]);
  execFileSync("git", ["init", "-q", "-b", "main", clone]);
  git(clone, "remote", "add", "origin", bare);

  for (const [n, price] of [
    [1, 3],
    [2, 4],
  ] as const) {
    writeApp(price);
    git(clone, "add", ".");
    git(clone, "commit", "-q", "-m", `shop: price ${price}`);
    const push = spawnSync("git", ["-C", clone, "push", "origin", "main"], { encoding: "utf8", env: gitEnv() });
    expect(push.status, push.stderr).toBe(0);
    expect(push.stderr, "the hook delivered the push and Gantry took it").toMatch(/remote: gantry answered 20\d/);
    const sha = git(clone, "rev-parse", "HEAD");
    const image = `${registry.host}/shop:${sha.slice(0, 7)}`;

    const ci = await endedRun(request, ciId, n, `the CI run of push ${n}`);
    const build = taskOf(ci, "build");
    expect(build.results.cache, "the first build fills the cache, the second reads it").toBe(n === 1 ? "miss" : "hit");
    expect(taskOf(ci, "image").results.image).toBe(image);
    expect(taskOf(ci, "image").results.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const deploy = await endedRun(request, deployId, n, `the deploy run of push ${n}`);
    expect(taskOf(deploy, "helm").results.revision).toBe(String(n));
    expect(kubectl("get", "deploy", "shop", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}")).toBe(image);

    if (n === 2) {
      // What the user sees: the CI run with its tests, artifacts and the cache hit in the log.
      await page.goto(`/runs/${ci.id}`);
      const run = new RunPage(page);
      await run.waitForLoad();
      await expect(run.status).toHaveText("Succeeded");
      const tests = page.getByRole("region", { name: "Tests" });
      await expect(tests.getByLabel("Test counts")).toHaveText(/2 passed\s*0 failed\s*1 skipped/);
      const artifacts = page.getByRole("list", { name: "Artifacts" });
      for (const f of ["src/dist/index.html", "src/dist/price.js"]) await expect(artifacts.getByRole("link", { name: f })).toBeVisible();
      const html = await request.get(`/api/v1/runs/${ci.id}/artifacts/src/dist/index.html`, { headers: auth });
      expect(await html.text()).toBe("<h1>shop: 1 for 4</h1>\n");
      await run.openTaskLog("build");
      await expect(run.log("build")).toContainText("cache hit");
      await page.screenshot({ path: testInfo.outputPath("ship-ci-run.png"), fullPage: true });
      await testInfo.attach("CI run", { path: testInfo.outputPath("ship-ci-run.png"), contentType: "image/png" });

      await page.goto(`/runs/${deploy.id}`);
      await run.waitForLoad();
      await expect(run.status).toHaveText("Succeeded");
      await run.openTaskLog("helm");
      await expect(run.log("helm")).toContainText("release shop is at revision 2");
    }
  }
});
