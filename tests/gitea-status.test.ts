import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post, sandboxReadableDir, testEnv, uniqueName, waitForRun } from "./api-helpers";
import {
  createRepo,
  createUser,
  createWebhook,
  forgeSecrets,
  gitAs,
  giteaApi,
  giteaEnv,
  giteaStatusOnceIs,
  openPullRequest,
  runForCommit,
  type Actor,
  type GiteaEnv,
  type GiteaRepo,
  type GiteaStatusState,
} from "./gitea-helpers";

/**
 * Status back to a real forge: Gitea's own deliveries start runs, and the commit statuses and the
 * pull request's summary comment Gantry sends are read back through Gitea's API, with the API
 * base Gantry derived from the delivery's repository (no apiUrl).
 */

const gitea = giteaEnv();
let dev: Actor;
let repo: GiteaRepo;
let work: string;
let pipelineId: string;
let pipelineName: string;

beforeAll(async () => {
  if (!gitea) return;
  testEnv();
  dev = await createUser(gitea);
  repo = await createRepo(gitea, dev, uniqueName("status"));
  work = sandboxReadableDir("gantry-gitea-status-");
  const { hookSecret, hookValue, tokenSecret } = await forgeSecrets(dev);
  pipelineName = uniqueName("gitea-status");
  const created = await post("/api/v1/pipelines", {
    name: pipelineName,
    triggers: [{ provider: "gitea", secret: hookSecret, statusToken: tokenSecret, comment: true }],
    // The task waits for its commit's release, so the status of a run still going is seen for sure.
    stages: [
      {
        name: "build",
        tasks: [
          {
            name: "check",
            template: "shell",
            params: { script: `until [ -e "${work}/go-$GIT_SHA" ]; do sleep 0.2; done; test "$GIT_BRANCH" != broken` },
          },
        ],
      },
    ],
  });
  expect(created.status, created.text).toBe(201);
  pipelineId = created.body.id;
  await createWebhook(gitea, repo, {
    url: `${testEnv().url}/api/v1/hooks/gitea/${pipelineId}`,
    secret: hookValue,
    events: ["push", "pull_request"],
  });
  gitAs(gitea, dev, "clone", "-q", repo.clone_url, path.join(work, "clone"));
}, 60_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Commits a file on `branch` of the clone and pushes it; returns the commit. */
function pushCommit(env: GiteaEnv, branch: string, file: string): string {
  const clone = path.join(work, "clone");
  gitAs(env, dev, "-C", clone, "checkout", "-q", "-B", branch, "origin/main");
  writeFileSync(path.join(clone, file), `${file}\n`);
  gitAs(env, dev, "-C", clone, "add", file);
  gitAs(env, dev, "-C", clone, "commit", "-q", "-m", `Add ${file}`);
  gitAs(env, dev, "-C", clone, "push", "-q", "-f", "origin", branch);
  return gitAs(env, dev, "-C", clone, "rev-parse", "HEAD");
}

const release = (sha: string) => writeFileSync(path.join(work, `go-${sha}`), "");

const runOf = (sha: string) => runForCommit(pipelineId, sha);
const statusOnGitea = (env: GiteaEnv, sha: string, state: GiteaStatusState) =>
  giteaStatusOnceIs(env, repo, sha, `gantry/${pipelineName}`, state);

describe.skipIf(!gitea)("commit statuses on a real Gitea", () => {
  const env = gitea as GiteaEnv;

  it("a push that builds green: pending, then success, set with the project secret's token and linking to the run", async () => {
    const sha = pushCommit(env, "main", "green.txt");
    const runId = await runOf(sha);
    const pending = await statusOnGitea(env, sha, "pending");
    expect(pending.target_url).toMatch(new RegExp(`/runs/${runId}$`));
    release(sha);
    expect((await waitForRun(runId, 120_000)).status).toBe("succeeded");
    const done = await statusOnGitea(env, sha, "success");
    expect(done.target_url).toMatch(new RegExp(`/runs/${runId}$`));
    expect(done.description).toMatch(/^Run #\d+ succeeded in /);
    // Posted with the token from the project secret: Gitea names its owner as the creator.
    expect(done.creator.login).toBe(dev.login);
  }, 180_000);

  it("a push that fails: failure, naming the failed task", async () => {
    const sha = pushCommit(env, "broken", "red.txt");
    release(sha);
    const runId = await runOf(sha);
    expect((await waitForRun(runId, 120_000)).status).toBe("failed");
    const failed = await statusOnGitea(env, sha, "failure");
    expect(failed.description).toMatch(/failed in .*: check($|: )/);
  }, 180_000);

  it("a pull request gets the status and one summary comment", async () => {
    const sha = pushCommit(env, "feature", "feature.txt");
    release(sha);
    const pull = await openPullRequest(env, repo, { head: "feature", title: "A feature" }, dev);
    // The push of the branch and the opened request each start a run of the same commit.
    await statusOnGitea(env, sha, "success");
    const deadline = Date.now() + 60_000;
    let comments: { id: number; body: string }[] = [];
    while (Date.now() < deadline) {
      comments = await giteaApi<{ id: number; body: string }[]>(env, "GET", `/repos/${repo.full_name}/issues/${pull.number}/comments`);
      if (comments.some((c) => c.body.includes("succeeded"))) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const ours = comments.filter((c) => c.body.includes(`<!-- gantry:${pipelineId} -->`));
    expect(ours, JSON.stringify(comments)).toHaveLength(1);
    expect(ours[0].body).toContain(`gantry/${pipelineName}`);
    expect(ours[0].body).toMatch(/\[run #\d+\]\([^)]+\/runs\/[^)]+\) succeeded/);
  }, 180_000);
});
