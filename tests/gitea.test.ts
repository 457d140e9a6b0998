import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, post, put, sandboxReadableDir, testEnv, uniqueName, waitForRun } from "./api-helpers";
import {
  adminOf,
  createBranch,
  createRepo,
  createUser,
  createWebhook,
  gitAs,
  giteaEnv,
  openPullRequest,
  postStatus,
  putFile,
  statusesOf,
  type Actor,
  type GiteaEnv,
  type GiteaRepo,
} from "./gitea-helpers";

/**
 * A real forge end to end: a private repository on the Gitea the test set-up runs, its webhook
 * pointing at Gantry, a real `git push` over HTTP, Gitea's own signed delivery starting the run,
 * and the run's git-clone task cloning the pushed commit back from Gitea with a token from a
 * project secret, through Gantry's gitea trigger (Gitea's own signature and delivery id).
 */

const gitea = giteaEnv();
let dev: Actor;
let repo: GiteaRepo;
let work: string;

beforeAll(async () => {
  if (!gitea) return;
  testEnv();
  dev = await createUser(gitea);
  repo = await createRepo(gitea, dev, uniqueName("app"), { private: true });
  work = sandboxReadableDir("gantry-gitea-");
}, 60_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// Without Go (no Gitea) the suite is skipped by hand and says why; under CI giteaEnv() fails instead.
describe.skipIf(!gitea)("Gitea as the forge", () => {
  const env = gitea as GiteaEnv;

  it("a git push to Gitea delivers a signed webhook that runs the pipeline, whose git-clone task clones the pushed commit from Gitea", async () => {
    const suffix = randomBytes(4).toString("hex").toUpperCase();
    const hookSecret = `HOOK_${suffix}`;
    const tokenSecret = `GITEA_TOKEN_${suffix}`;
    const secretValue = `gitea-hook-${randomBytes(12).toString("hex")}`;
    expect((await put(`/api/v1/projects/default/secrets/${hookSecret}`, { value: secretValue })).status).toBeLessThan(300);
    expect((await put(`/api/v1/projects/default/secrets/${tokenSecret}`, { value: dev.token })).status).toBeLessThan(300);
    const created = await post("/api/v1/pipelines", {
      name: uniqueName("gitea"),
      triggers: [{ provider: "gitea", secret: hookSecret, branches: ["main"] }],
      stages: [
        {
          name: "checkout",
          tasks: [{ name: "clone", template: "git-clone", params: { dir: "src", token: `{{ secrets.${tokenSecret} }}` } }],
        },
        {
          name: "build",
          tasks: [{ name: "show", template: "shell", params: { script: 'echo "version $(cat src/VERSION) of $GIT_BRANCH"' } }],
        },
      ],
    });
    expect(created.status, created.text).toBe(201);
    const pipelineId: string = created.body.id;
    const hook = await createWebhook(env, repo, { url: `${testEnv().url}/api/v1/hooks/gitea/${pipelineId}`, secret: secretValue });
    expect(hook).toMatchObject({ type: "gitea", active: true, events: ["push"] });

    // A developer's clone, a commit and a push, all over HTTP with the developer's token.
    const clone = path.join(work, "clone");
    gitAs(env, dev, "clone", "-q", repo.clone_url, clone);
    writeFileSync(path.join(clone, "VERSION"), "4.2\n");
    gitAs(env, dev, "-C", clone, "add", "VERSION");
    gitAs(env, dev, "-C", clone, "commit", "-q", "-m", "Release 4.2");
    const sha = gitAs(env, dev, "-C", clone, "rev-parse", "HEAD");
    gitAs(env, dev, "-C", clone, "push", "-q", "origin", "main");

    const runId = await firstRunOf(pipelineId);
    const run = await waitForRun(runId, 120_000);
    const logs = await taskLogs(run);
    expect(run.status, JSON.stringify(logs)).toBe("succeeded");
    expect(run.trigger).toBe("gitea");
    expect(logs.clone).toContain(`checked out ${sha} (Release 4.2)`);
    expect(logs.show).toContain("version 4.2 of main");
    // The token reached git through the secret param only: not in any stored line.
    expect(Object.values(logs).join("\n")).not.toContain(dev.token);
  }, 180_000);

  it("makes a branch, a commit on it and a pull request through Gitea's API", async () => {
    const branch = await createBranch(env, repo, "feature/api");
    expect(branch.name).toBe("feature/api");
    const sha = await putFile(env, repo, dev, "docs/notes.md", "# notes\n", "Add notes", "feature/api");
    const pull = await openPullRequest(env, repo, { head: "feature/api", title: "Add notes" }, dev);
    expect(pull).toMatchObject({ state: "open", title: "Add notes", head: { ref: "feature/api", sha }, base: { ref: "main" } });
  });

  it("takes a commit status posted with the admin's token and lists it on the commit", async () => {
    const sha = gitAs(env, adminOf(env), "ls-remote", repo.clone_url, "refs/heads/main").split(/\s+/)[0];
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    const posted = await postStatus(env, repo, sha, {
      state: "success",
      context: "gantry/proof",
      targetUrl: `${testEnv().url}/runs/proof`,
      description: "the helper works",
    });
    expect(posted).toMatchObject({ status: "success", context: "gantry/proof", creator: { login: env.admin } });
    const listed = await statusesOf(env, repo, sha);
    expect(listed.map((s) => [s.context, s.status, s.target_url])).toContainEqual([
      "gantry/proof",
      "success",
      `${testEnv().url}/runs/proof`,
    ]);
  });
});

/** The id of the pipeline's first run, once Gitea's delivery (asynchronous, from its queue) has started one. */
async function firstRunOf(pipelineId: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await get(`/api/v1/pipelines/${pipelineId}/runs`);
    if (r.status === 200 && r.body.items?.length) return r.body.items[0].id;
    await new Promise((res) => setTimeout(res, 250));
  }
  const deliveries = await get(`/api/v1/pipelines/${pipelineId}/deliveries`);
  throw new Error(`Gitea's push delivery started no run within 60 s; deliveries Gantry recorded: ${deliveries.text}`);
}

/** Every task's log by task name. */
async function taskLogs(run: { stages: { tasks: { id: string; name: string }[] }[] }): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const task of run.stages.flatMap((s) => s.tasks))
    out[task.name] = (await get(`/api/v1/task-runs/${task.id}/logs`, { headers: { accept: "text/plain" } })).text;
  return out;
}
