import { describe, expect, it } from "vitest";
import { TriggerSpecSchema, type TriggerSpec } from "@/lib/triggers";
import { gitlabMergeRequest, githubPullRequest, githubPush, giteaPullRequest } from "@/tests/fixtures/forge-payloads";
import { commentBody, createCommentRequest, editCommentRequest, statusRequest, type RunReport } from "./requests";
import { apiBase, forgeTarget, type ForgeTarget } from "./target";

/**
 * The requests Gantry sends to a forge, checked against the published APIs: GitHub "Create a
 * commit status" (POST /repos/{owner}/{repo}/statuses/{sha}; states error, failure, pending,
 * success; Bearer token) and "Create/Update an issue comment"; GitLab "Set the pipeline status of a
 * commit" (POST /projects/:id/statuses/:sha; states pending, running, success, failed, canceled;
 * PRIVATE-TOKEN) and merge request notes; Gitea "Create a commit status" (POST
 * /api/v1/repos/{owner}/{repo}/statuses/{sha}; `Authorization: token …`) and issue comments.
 */

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const report = (o: Partial<RunReport> = {}): RunReport => ({
  pipeline: "build",
  pipelineId: "p-1",
  number: 7,
  status: "running",
  url: "https://gantry.example.com/runs/r-1",
  seconds: 12,
  failedTasks: [],
  ...o,
});
const trigger = (o: Partial<TriggerSpec> = {}) =>
  TriggerSpecSchema.parse({ provider: "github", secret: "HOOK", statusToken: "FORGE_TOKEN", ...o });
const target = (t: Partial<ForgeTarget>): ForgeTarget => ({
  forge: "github",
  api: "https://api.github.com",
  repo: "Codertocat/Hello-World",
  sha: SHA,
  ref: "main",
  pr: null,
  token: "FORGE_TOKEN",
  ...t,
});

describe("commit status requests", () => {
  it("GitHub: POST /repos/{owner}/{repo}/statuses/{sha} with a Bearer token, the run's link and gantry/<pipeline>", () => {
    const r = statusRequest(target({}), "ghp_x", report({ status: "failed", failedTasks: ["test"] }));
    expect(r.method).toBe("POST");
    expect(r.url).toBe(`https://api.github.com/repos/Codertocat/Hello-World/statuses/${SHA}`);
    expect(r.headers).toMatchObject({
      authorization: "Bearer ghp_x",
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
    });
    expect(r.body).toEqual({
      state: "failure",
      target_url: "https://gantry.example.com/runs/r-1",
      description: "Run #7 failed in 12s: test",
      context: "gantry/build",
    });
  });

  it("maps every run status onto the forges' states", () => {
    const states = (forge: ForgeTarget["forge"]) =>
      (["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const).map(
        (status) => statusRequest(target({ forge }), "t", report({ status })).body.state,
      );
    expect(states("github")).toEqual(["pending", "pending", "pending", "success", "failure", "error"]);
    expect(states("gitea")).toEqual(["pending", "pending", "pending", "success", "failure", "error"]);
    expect(states("gitlab")).toEqual(["pending", "running", "running", "success", "failed", "canceled"]);
  });

  it("GitLab: POST /projects/:id/statuses/:sha with PRIVATE-TOKEN, name and ref", () => {
    const r = statusRequest(
      target({ forge: "gitlab", api: "https://gitlab.example.com/api/v4", repo: "14" }),
      "glpat",
      report({ status: "succeeded" }),
    );
    expect(r.url).toBe(`https://gitlab.example.com/api/v4/projects/14/statuses/${SHA}`);
    expect(r.headers["private-token"]).toBe("glpat");
    expect(r.headers.authorization).toBeUndefined();
    expect(r.body).toEqual({
      state: "success",
      name: "gantry/build",
      target_url: "https://gantry.example.com/runs/r-1",
      description: "Run #7 succeeded in 12s",
      ref: "main",
    });
  });

  it("Gitea: POST /api/v1/repos/{owner}/{repo}/statuses/{sha} with `token …`", () => {
    const r = statusRequest(target({ forge: "gitea", api: "https://git.example.com/api/v1" }), "gt", report({ status: "queued" }));
    expect(r.url).toBe(`https://git.example.com/api/v1/repos/Codertocat/Hello-World/statuses/${SHA}`);
    expect(r.headers.authorization).toBe("token gt");
    expect(r.body).toMatchObject({ state: "pending", context: "gantry/build", description: "Run #7 is queued" });
  });

  it("keeps the description within GitHub's 140 characters", () => {
    const r = statusRequest(target({}), "t", report({ status: "failed", failedTasks: Array.from({ length: 40 }, (_, i) => `task-${i}`) }));
    expect(String(r.body.description).length).toBeLessThanOrEqual(140);
  });
});

describe("summary comment requests", () => {
  it("GitHub and Gitea: created on the issue, then edited by id", () => {
    const t = target({ pr: 2 });
    const c = createCommentRequest(t, "t", report());
    expect(c).toMatchObject({ method: "POST", url: "https://api.github.com/repos/Codertocat/Hello-World/issues/2/comments" });
    const e = editCommentRequest({ ...t, forge: "gitea", api: "https://git.example.com/api/v1" }, "t", report(), 99);
    expect(e).toMatchObject({ method: "PATCH", url: "https://git.example.com/api/v1/repos/Codertocat/Hello-World/issues/comments/99" });
  });

  it("GitLab: a merge request note, edited with PUT", () => {
    const t = target({ forge: "gitlab", api: "https://gitlab.example.com/api/v4", repo: "14", pr: 1 });
    expect(createCommentRequest(t, "t", report())).toMatchObject({
      method: "POST",
      url: "https://gitlab.example.com/api/v4/projects/14/merge_requests/1/notes",
    });
    expect(editCommentRequest(t, "t", report(), 5)).toMatchObject({
      method: "PUT",
      url: "https://gitlab.example.com/api/v4/projects/14/merge_requests/1/notes/5",
    });
  });

  it("says the status, the duration, the failed tasks and the link", () => {
    const body = commentBody(report({ status: "failed", seconds: 95, failedTasks: ["unit `tests`", "lint"] }));
    expect(body).toContain("<!-- gantry:p-1 -->");
    expect(body).toContain("[run #7](https://gantry.example.com/runs/r-1) failed");
    expect(body).toContain("Duration: 95s");
    expect(body).toContain("Failed tasks: `unit 'tests'`, `lint`");
    expect(body).not.toContain("fork");
  });

  it("quotes the first error with a link to its line, and puts it in the status description", () => {
    const firstError = { task: "unit", taskRunId: "tr-9", line: 42, text: "E       assert 0.0 == 180", reason: null };
    const r = report({ status: "failed", seconds: 95, failedTasks: ["unit"], firstError });
    expect(commentBody(r)).toContain("First error, in `unit` ([line 42](https://gantry.example.com/runs/r-1?task=tr-9#L42)):");
    expect(commentBody(r)).toContain("```\nE       assert 0.0 == 180\n```");
    expect(statusRequest(target({}), "t", r).body.description).toBe("Run #7 failed in 95s: unit: E assert 0.0 == 180");
    const oom = report({
      status: "failed",
      failedTasks: ["build"],
      firstError: { ...firstError, task: "build", reason: "OOMKilled", text: "" },
    });
    expect(statusRequest(target({}), "t", oom).body.description).toContain(": build: OOMKilled");
  });

  it("announces that a fork's run waits for a maintainer's approval", () => {
    const body = commentBody(report({ status: "waiting", seconds: 3, forkGate: true }));
    expect(body).toContain("[run #7](https://gantry.example.com/runs/r-1) is waiting for approval");
    expect(body).toContain("comes from a fork, so nothing of it runs until a maintainer of the project reads the change and approves");
  });
});

describe("the report target of a delivery", () => {
  const ev = (o: Partial<{ sha: string | null; branch: string | null; mrIid: number | null; type: string }> = {}) => ({
    sha: SHA,
    branch: "main",
    mrIid: null,
    type: "push",
    ...o,
  });

  it("GitHub.com: api.github.com and the repository's full name", () => {
    const r = forgeTarget({
      provider: "github",
      headers: new Headers(),
      payload: githubPush({ ref: "refs/heads/main", after: SHA }),
      event: ev(),
      trigger: trigger(),
    });
    expect(r).toEqual({
      // The default target of these tests is GitHub.com's.
      target: target({}),
    });
  });

  it("a pull request's number only when the trigger asks for the comment", () => {
    const payload = githubPullRequest({ action: "opened", number: 2 });
    const pr = ev({ type: "pull_request", mrIid: 2 });
    const without = forgeTarget({ provider: "github", headers: new Headers(), payload, event: pr, trigger: trigger() });
    const withComment = forgeTarget({
      provider: "github",
      headers: new Headers(),
      payload,
      event: pr,
      trigger: trigger({ comment: true }),
    });
    expect("target" in without && without.target.pr).toBeNull();
    expect("target" in withComment && withComment.target.pr).toBe(2);
  });

  it("GitLab: the project's id and <host>/api/v4, also under a path", () => {
    const r = forgeTarget({
      provider: "gitlab",
      headers: new Headers(),
      payload: gitlabMergeRequest({ action: "open" }),
      event: ev({ type: "merge_request", mrIid: 1 }),
      trigger: trigger({ provider: "gitlab" }),
    });
    expect(r).toMatchObject({ target: { forge: "gitlab", api: "https://gitlab.example.com/api/v4", repo: "14" } });
    const root = new URL("https://example.com/gitlab");
    expect(apiBase("gitlab", root)).toBe("https://example.com/gitlab/api/v4");
  });

  it("Gitea, also when it delivers to a github trigger: <host>/api/v1", () => {
    const payload = giteaPullRequest({ action: "opened", number: 3 });
    const gitea = forgeTarget({ provider: "gitea", headers: new Headers(), payload, event: ev(), trigger: trigger({ provider: "gitea" }) });
    expect(gitea).toMatchObject({ target: { forge: "gitea", api: "https://github.com/api/v1" } });
    const viaGithub = forgeTarget({
      provider: "github",
      headers: new Headers({ "x-gitea-event": "pull_request" }),
      payload,
      event: ev(),
      trigger: trigger(),
    });
    expect(viaGithub).toMatchObject({ target: { forge: "gitea" } });
  });

  it("GitHub Enterprise: <host>/api/v3; the trigger's apiUrl overrides", () => {
    expect(apiBase("github", new URL("https://ghe.example.com"))).toBe("https://ghe.example.com/api/v3");
    const r = forgeTarget({
      provider: "github",
      headers: new Headers(),
      payload: githubPush({ ref: "refs/heads/main", after: SHA }),
      event: ev(),
      trigger: trigger({ apiUrl: "http://127.0.0.1:9999/" }),
    });
    expect(r).toMatchObject({ target: { api: "http://127.0.0.1:9999" } });
  });

  it("no target without a statusToken or a commit", () => {
    const payload = githubPush({ ref: "refs/heads/main", after: SHA });
    expect(
      forgeTarget({ provider: "github", headers: new Headers(), payload, event: ev(), trigger: trigger({ statusToken: undefined }) }),
    ).toEqual({
      skip: "the trigger names no statusToken",
    });
    expect(forgeTarget({ provider: "github", headers: new Headers(), payload, event: ev({ sha: null }), trigger: trigger() })).toEqual({
      skip: "the event names no commit",
    });
  });
});

describe("trigger fields", () => {
  const parse = (t: object) => TriggerSpecSchema.safeParse({ provider: "github", secret: "S", ...t });
  it("a comment or apiUrl needs the statusToken; a registry has no statuses", () => {
    expect(parse({ statusToken: "FORGE_TOKEN", comment: true, apiUrl: "https://ghe.example.com/api/v3" }).success).toBe(true);
    const noToken = parse({ comment: true });
    expect(noToken.success).toBe(false);
    expect(noToken.error?.issues[0]).toMatchObject({ path: ["statusToken"], message: expect.stringContaining("secret") });
    const registry = parse({ provider: "registry", statusToken: "T" });
    expect(registry.error?.issues[0].message).toContain("forge only");
    expect(parse({ statusToken: "lower" }).success).toBe(false);
  });
});
