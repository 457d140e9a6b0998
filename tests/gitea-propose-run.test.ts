import { parse, stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { get, post, testEnv, uniqueName, waitForRun } from "./api-helpers";
import {
  createRepo,
  createUser,
  createWebhook,
  forgeSecrets,
  giteaApi,
  giteaEnv,
  giteaStatusOnceIs,
  putFile,
  runForCommit,
  type Actor,
  type GiteaEnv,
  type GiteaPull,
  type GiteaRepo,
} from "./gitea-helpers";

/**
 * The designer's proposed change shows itself working, on a real Gitea served over https: the
 * pull request Gantry opens makes Gitea deliver `pull_request`, whose run reads the pipeline file
 * at the request's head commit (the proposed file, not the saved version: its new task runs),
 * clones that commit over https, and reports `gantry/<pipeline>` success on it through Gitea's
 * statuses API.
 */

const gitea = giteaEnv();

const FILE = `# Kept in the repository.
stages:
  - name: build
    tasks:
      - name: compile
        template: shell
        params:
          script: echo compiling
`;

let dev: Actor;
let repo: GiteaRepo;
let pipelineId: string;
let name: string;

beforeAll(async () => {
  if (!gitea) return;
  testEnv();
  dev = await createUser(gitea);
  repo = await createRepo(gitea, dev, uniqueName("proposed-run"));
  await putFile(gitea, repo, dev, ".gantry.yaml", FILE, "Add the pipeline");
  const { hookSecret, hookValue, tokenSecret } = await forgeSecrets(dev);
  name = uniqueName("proposed-run");
  const created = await post("/api/v1/pipelines", {
    name,
    // The forge's own https:// clone URL: the test Gitea's certificate comes from the test CA the stack trusts.
    repository: { url: repo.clone_url },
    source: { from: "repository", token: tokenSecret, forge: "gitea" },
    triggers: [{ provider: "gitea", secret: hookSecret, statusToken: tokenSecret }],
    stages: [],
  });
  expect(created.status, created.text).toBe(201);
  pipelineId = created.body.id;
  // Pull requests only: the proposal's branch is pushed through the contents API, which is a push too.
  await createWebhook(gitea, repo, {
    url: `${testEnv().url}/api/v1/hooks/gitea/${pipelineId}`,
    secret: hookValue,
    events: ["pull_request"],
  });
}, 60_000);

describe.skipIf(!gitea)("a proposed change's pull request runs the proposed file on a real Gitea", () => {
  const env = gitea as GiteaEnv;

  it("runs the pull request's head file, new task included, and reports success on its head commit", async () => {
    const spec = parse(FILE) as Record<string, any>;
    spec.stages[0].tasks.push({ name: "lint", template: "shell", params: { script: "echo linting the proposal" } });
    const proposed = await post(`/api/v1/pipelines/${pipelineId}/propose`, {
      source: stringify({ name, source: { from: "repository" }, ...spec }),
      message: "Add lint",
    });
    expect(proposed.status, proposed.text).toBe(201);
    const pulls = await giteaApi<GiteaPull[]>(env, "GET", `/repos/${repo.full_name}/pulls?state=open`);
    const pr = pulls.find((p) => p.head.ref === proposed.body.branch);
    if (!pr) throw new Error(`no open pull request from ${proposed.body.branch}: ${JSON.stringify(pulls)}`);

    const run = await waitForRun(await runForCommit(pipelineId, pr.head.sha), 120_000);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.trigger).toBe("gitea");
    expect(run.stages[0].tasks.map((t: { name: string }) => t.name)).toEqual(["compile", "lint"]);
    const lint = run.stages[0].tasks[1];
    const log = (await get(`/api/v1/task-runs/${lint.id}/logs`, { headers: { accept: "text/plain" } })).text;
    expect(log).toContain(`checking out ${repo.clone_url} at ${pr.head.sha}`);
    expect(log).toContain("linting the proposal");

    const status = await giteaStatusOnceIs(env, repo, pr.head.sha, `gantry/${name}`, "success");
    expect(status.target_url).toMatch(new RegExp(`/runs/${run.id}$`));
    expect(status.creator.login).toBe(dev.login);
  }, 180_000);
});
