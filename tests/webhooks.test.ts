import { execFileSync } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, get, put, sandboxReadableDir, testEnv, uniqueName, waitForRun } from "./api-helpers";
import {
  FORK_REPO,
  ZERO_SHA,
  giteaPullRequest,
  githubPullRequest,
  githubPush,
  gitlabMergeRequest,
  gitlabPush,
} from "./fixtures/forge-payloads";
import { approveForkGate } from "./approval-helpers";

/**
 * Webhooks with real signed HTTP deliveries: every provider (good, bad signature, duplicate,
 * replay, filters), hostile branch names that never reach a shell, and the commits between builds
 * taken from a real git repository made here; which pull/merge request actions, drafts, deleted
 * refs and [skip ci] pushes build, with GitHub's, GitLab's and Gitea's payload shapes.
 */

const SECRET = `hook-${randomUUID()}`;
const secretName = `HOOK_${randomUUID().slice(0, 8).toUpperCase().replace(/-/g, "")}`;
const marker = path.join(tmpdir(), `gantry-pwned-${randomUUID()}`);
let pipelineId: string;
let repo: string;

const sign = (body: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function deliver(provider: string, payload: unknown, headers: Record<string, string> = {}, id = pipelineId) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const h: Record<string, string> = { "content-type": "application/json", ...headers };
  if (provider === "github" && !("x-hub-signature-256" in h)) h["x-hub-signature-256"] = sign(body);
  if (provider === "generic" && !("x-gantry-signature" in h)) h["x-gantry-signature"] = sign(body);
  if (provider === "gitea" && !("x-gitea-signature" in h)) h["x-gitea-signature"] = sign(body).slice("sha256=".length);
  if (provider === "gitlab" && !("x-gitlab-token" in h)) h["x-gitlab-token"] = SECRET;
  if (provider === "registry" && !("authorization" in h)) h.authorization = SECRET;
  return call("POST", `/api/v1/hooks/${provider}/${id}`, { raw: body, headers: h, token: null });
}

const git = (...args: string[]) =>
  execFileSync("git", ["-C", repo, ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Dev",
      GIT_AUTHOR_EMAIL: "dev@example.test",
      GIT_COMMITTER_NAME: "Dev",
      GIT_COMMITTER_EMAIL: "dev@example.test",
    },
  }).trim();

/** A GitHub push payload for the commits before..after of the test repository. */
function pushPayload(branch: string, before: string, after: string) {
  const log = git("log", "--format=%H%x1f%s%x1f%an", `${before}..${after}`)
    .split("\n")
    .filter(Boolean)
    .reverse()
    .map((l) => {
      const [id, message, name] = l.split("\x1f");
      const files = git("show", "--name-only", "--format=", id).split("\n").filter(Boolean);
      return { id, message, author: { name }, added: files, modified: [], removed: [] };
    });
  return { ref: `refs/heads/${branch}`, before, after, repository: { clone_url: `file://${repo}` }, pusher: { name: "dev" }, commits: log };
}

const logOf = async (runId: string) => {
  const run = (await get(`/api/v1/runs/${runId}`)).body;
  return (await get(`/api/v1/task-runs/${run.stages[0].tasks[0].id}/logs`, { headers: { accept: "text/plain" } })).text;
};

beforeAll(async () => {
  testEnv();
  expect((await put(`/api/v1/projects/default/secrets/${secretName}`, { value: SECRET })).status).toBeLessThan(300);
  const spec = {
    name: uniqueName("hooks"),
    triggers: [
      { provider: "github", secret: secretName, branches: ["main", "feature/**"], paths: ["src/**", "README.md"] },
      { provider: "github", secret: secretName, events: ["tag"], tags: ["v*"] },
      { provider: "gitlab", secret: secretName, events: ["push", "merge_request"] },
      { provider: "registry", secret: secretName },
      { provider: "generic", secret: secretName },
    ],
    stages: [
      {
        name: "build",
        tasks: [
          {
            name: "show",
            template: "shell",
            params: {
              script: [
                'echo "type=$GANTRY_EVENT_TYPE branch=$GIT_BRANCH tag=$GIT_TAG sha=$GIT_SHA before=$GIT_BEFORE_SHA author=$GIT_AUTHOR mr=$MR_IID image=$IMAGE"',
                'echo "keys=$GANTRY_ISSUE_KEYS"',
                'test -f "$GANTRY_EVENT_PATH" && echo "event file ok"',
                'cat "$GANTRY_COMMITS_PATH" | tr -d "\\n "',
                "echo",
                'if [ "$GIT_BRANCH" = "feature/fail" ]; then exit 1; fi',
              ].join("\n"),
            },
          },
        ],
      },
    ],
  };
  const r = await call("POST", "/api/v1/pipelines", { body: spec });
  expect(r.status, r.text).toBe(201);
  pipelineId = r.body.id;
  repo = sandboxReadableDir("gantry-hook-repo-");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
});
afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("GitHub", () => {
  it("starts a run for a signed push, giving the event to the task as env and files", async () => {
    git("commit", "-q", "--allow-empty", "-m", "root");
    const before = git("rev-parse", "HEAD");
    execFileSync("sh", ["-c", `echo hi > ${repo}/README.md`]);
    git("add", ".");
    git("commit", "-q", "-m", "[KK-134] describe the service");
    const after = git("rev-parse", "HEAD");
    const r = await deliver("github", pushPayload("main", before, after), { "x-github-event": "push", "x-github-delivery": randomUUID() });
    expect(r.status, r.text).toBe(201);
    expect(r.body.result).toBe("accepted");
    const run = await waitForRun(r.body.runId);
    expect(run.status).toBe("succeeded");
    expect(run.trigger).toBe("github");
    const log = await logOf(r.body.runId);
    expect(log).toContain(`type=push branch=main tag= sha=${after} before=${before} author=dev`);
    expect(log).toContain("keys=KK-134");
    expect(log).toContain("event file ok");
    expect(log).toContain(`"sha":"${after}"`);
  });

  it("refuses a bad or missing signature with the 404 of an unknown pipeline and runs nothing", async () => {
    const payload = { ref: "refs/heads/main", after: "abc", commits: [], repository: {} };
    const before = (await get(`/api/v1/pipelines/${pipelineId}/runs`)).body.total;
    const bad = await deliver("github", payload, {
      "x-github-event": "push",
      "x-hub-signature-256": sign(JSON.stringify(payload), "wrong-secret"),
    });
    expect(bad.status).toBe(404);
    expect(bad.body.error.message).toBe(`no webhook trigger at github/${pipelineId} accepts this delivery`);
    const missing = await deliver("github", payload, { "x-github-event": "push", "x-hub-signature-256": "" });
    expect(missing.status).toBe(404);
    expect((await get(`/api/v1/pipelines/${pipelineId}/runs`)).body.total).toBe(before);
  });

  it("recognises a redelivery by its delivery id and runs once", async () => {
    const id = randomUUID();
    const payload = {
      ref: "refs/heads/main",
      before: "0".repeat(40),
      after: "1".repeat(40),
      commits: [{ id: "1".repeat(40), message: "x", author: { name: "a" }, added: ["src/a.ts"] }],
      repository: {},
    };
    const first = await deliver("github", payload, { "x-github-event": "push", "x-github-delivery": id });
    expect(first.status).toBe(201);
    const again = await deliver("github", payload, { "x-github-event": "push", "x-github-delivery": id });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ result: "duplicate", runId: first.body.runId });
  });

  it("applies the trigger's filters: branch, changed paths, tag globs", async () => {
    const base = {
      before: "0".repeat(40),
      after: "2".repeat(40),
      repository: {},
      commits: [{ id: "2".repeat(40), message: "m", author: { name: "a" }, added: ["src/x.ts"] }],
    };
    const other = await deliver(
      "github",
      { ...base, ref: "refs/heads/develop" },
      { "x-github-event": "push", "x-github-delivery": randomUUID() },
    );
    expect(other.status).toBe(202);
    expect(other.body.message).toMatch(/branch 'develop' matches none of main, feature\/\*\*/);
    const docs = await deliver(
      "github",
      { ...base, ref: "refs/heads/main", commits: [{ ...base.commits[0], added: ["docs/x.md"] }] },
      { "x-github-event": "push", "x-github-delivery": randomUUID() },
    );
    expect(docs.status).toBe(202);
    expect(docs.body.message).toMatch(/no changed file matches src\/\*\*, README.md/);
    const tag = await deliver(
      "github",
      { ...base, ref: "refs/tags/v1.2.0", commits: [] },
      { "x-github-event": "push", "x-github-delivery": randomUUID() },
    );
    expect(tag.status).toBe(201);
    expect(await logOf((await waitForRun(tag.body.runId)).id)).toContain("type=tag branch= tag=v1.2.0");
    const ping = await deliver("github", { zen: "hi", hook_id: 1 }, { "x-github-event": "ping" });
    expect(ping.status).toBe(202);
  });

  it("never lets a hostile branch name reach a shell", async () => {
    for (const branch of [`feature/$(touch ${marker})`, `feature/\`touch ${marker}\``, `feature/x";touch ${marker};"`]) {
      const r = await deliver(
        "github",
        {
          ref: `refs/heads/${branch}`,
          before: "0".repeat(40),
          after: "3".repeat(40),
          repository: {},
          commits: [{ id: "3".repeat(40), message: "m", author: { name: "a" }, added: ["src/y"] }],
        },
        { "x-github-event": "push", "x-github-delivery": randomUUID() },
      );
      expect(r.status, r.text).toBe(201);
      const run = await waitForRun(r.body.runId);
      expect(run.status).toBe("succeeded");
      expect(await logOf(run.id)).toContain(`branch=${branch} `);
    }
    expect(existsSync(marker), "no payload text was run as a command").toBe(false);
  });

  it("lists the commits since the last successful run of the same branch, and their issue keys", async () => {
    git("checkout", "-q", "-b", "feature/fail");
    const start = git("rev-parse", "HEAD");
    execFileSync("sh", ["-c", `mkdir -p ${repo}/src && echo 1 > ${repo}/src/a`]);
    git("add", ".");
    git("commit", "-q", "-m", "LOT-3372 first try");
    const c1 = git("rev-parse", "HEAD");
    const r1 = await deliver("github", pushPayload("feature/fail", start, c1), {
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
    });
    expect((await waitForRun(r1.body.runId)).status).toBe("failed");
    execFileSync("sh", ["-c", `echo 2 > ${repo}/src/a`]);
    git("commit", "-q", "-am", "fix it [KK-135]");
    const c2 = git("rev-parse", "HEAD");
    const r2 = await deliver("github", pushPayload("feature/fail", c1, c2), {
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
    });
    await waitForRun(r2.body.runId);
    const log = await logOf(r2.body.runId);
    // The failed run's commit is still "since the last success", so it is listed too.
    expect(log).toContain(`"sha":"${c2}"`);
    expect(log).toContain(`"sha":"${c1}"`);
    expect(log).toMatch(/keys=KK-135,LOT-3372|keys=LOT-3372,KK-135/);
    const run = (await get(`/api/v1/runs/${r2.body.runId}`)).body;
    expect(run.event.commits.map((c: { sha: string }) => c.sha)).toEqual([c2, c1]);
  });

  it("records deliveries and replays one on request", async () => {
    const list = await get(`/api/v1/pipelines/${pipelineId}/deliveries`);
    expect(list.status).toBe(200);
    const accepted = list.body.items.find((d: { result: string }) => d.result === "accepted");
    expect(list.body.items.some((d: { result: string }) => d.result === "skipped")).toBe(true);
    const replay = await call("POST", `/api/v1/deliveries/${accepted.id}/replay`);
    expect(replay.status, replay.text).toBe(201);
    expect(replay.body.runId).not.toBe(accepted.runId);
    const after = await get(`/api/v1/pipelines/${pipelineId}/deliveries`);
    expect(after.body.items[0]).toMatchObject({ replayOf: accepted.id, result: "accepted" });
  });
});

describe("other providers", () => {
  it("GitLab: X-Gitlab-Token, pushes and merge requests", async () => {
    const push = await deliver(
      "gitlab",
      {
        object_kind: "push",
        ref: "refs/heads/main",
        before: "a".repeat(40),
        checkout_sha: "b".repeat(40),
        user_username: "gl-user",
        project: { git_http_url: "https://gitlab.example/x.git" },
        commits: [],
      },
      { "x-gitlab-event-uuid": randomUUID() },
    );
    expect(push.status, push.text).toBe(201);
    expect(await logOf((await waitForRun(push.body.runId)).id)).toContain(`branch=main tag= sha=${"b".repeat(40)}`);
    const mr = await deliver(
      "gitlab",
      {
        object_kind: "merge_request",
        user: { username: "rev" },
        project: {},
        object_attributes: {
          iid: 42,
          action: "open",
          source_branch: "topic",
          // The same project on both sides: not a fork, so it runs at once.
          source_project_id: 3,
          target_project_id: 3,
          title: "Add $(reboot)",
          last_commit: { id: "c".repeat(40) },
        },
      },
      { "x-gitlab-event-uuid": randomUUID() },
    );
    expect(mr.status).toBe(201);
    expect(await logOf((await waitForRun(mr.body.runId)).id)).toContain("type=merge_request branch=topic");
    const wrong = await deliver("gitlab", { object_kind: "push", ref: "refs/heads/main" }, { "x-gitlab-token": "nope" });
    expect(wrong.status).toBe(404);
  });

  it("Harbor and the Docker registry: image pushed", async () => {
    const harbor = await deliver("registry", {
      type: "PUSH_ARTIFACT",
      operator: "robot",
      event_data: {
        resources: [{ resource_url: "harbor.example/app/web:1.4", tag: "1.4", digest: "sha256:abc" }],
        repository: { repo_full_name: "app/web" },
      },
    });
    expect(harbor.status, harbor.text).toBe(201);
    expect(await logOf((await waitForRun(harbor.body.runId)).id)).toContain("image=harbor.example/app/web:1.4");
    const docker = await deliver("registry", {
      events: [
        {
          action: "push",
          target: { repository: "team/api", tag: "2.0", digest: "sha256:def" },
          request: { host: "registry.local:5000" },
          actor: { name: "ci" },
        },
      ],
    });
    expect(docker.status).toBe(201);
    expect(await logOf((await waitForRun(docker.body.runId)).id)).toContain("image=registry.local:5000/team/api:2.0");
    expect((await deliver("registry", { events: [] }, { authorization: "Bearer wrong" })).status).toBe(404);
  });

  it("generic JSON hook with an HMAC, malformed bodies, limits and unknown targets", async () => {
    const ok = await deliver("generic", { event: "push", ref: "refs/heads/main", sha: "d".repeat(40), author: "bot" });
    expect(ok.status, ok.text).toBe(201);
    const body = "{not json";
    const malformed = await deliver("generic", body);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/malformed webhook payload/);
    const big = JSON.stringify({ event: "push", pad: "x".repeat(1_100_000) });
    expect((await deliver("generic", big)).status).toBe(413);
    expect((await deliver("bitbucket", {})).status).toBe(404);
    expect((await deliver("generic", { event: "push" }, {}, "no-such-pipeline")).status).toBe(404);
  });
});

describe("the pipeline's repository", () => {
  it("a signed push of that repository checks out the pushed commit before the task, a run by hand the spec's revision", async () => {
    const spec = {
      name: uniqueName("hooks-co"),
      triggers: [{ provider: "github", secret: secretName }],
      repository: { url: `file://${repo}`, revision: "main" },
      stages: [
        {
          name: "build",
          tasks: [
            { name: "show", template: "shell", params: { script: 'echo "found $(cat src/CHECKOUT) at $(git -C src rev-parse HEAD)"' } },
          ],
        },
      ],
    };
    const created = await call("POST", "/api/v1/pipelines", { body: spec });
    expect(created.status, created.text).toBe(201);
    git("checkout", "-q", "main"); // earlier tests leave other branches checked out
    execFileSync("sh", ["-c", `echo on-main > ${repo}/CHECKOUT`]);
    git("add", ".");
    git("commit", "-q", "-m", "checkout on main");
    const onMain = git("rev-parse", "HEAD");
    git("checkout", "-q", "-b", "feature/checkout");
    execFileSync("sh", ["-c", `echo pushed > ${repo}/CHECKOUT`]);
    git("commit", "-q", "-am", "checkout on a branch");
    const pushed = git("rev-parse", "HEAD");
    git("checkout", "-q", "main");

    const r = await deliver(
      "github",
      pushPayload("feature/checkout", onMain, pushed),
      { "x-github-event": "push", "x-github-delivery": randomUUID() },
      created.body.id,
    );
    expect(r.status, r.text).toBe(201);
    const run = await waitForRun(r.body.runId);
    const log = await logOf(run.id);
    expect(run.status, log).toBe("succeeded");
    expect(log).toContain(`found pushed at ${pushed}`);

    const manual = await call("POST", `/api/v1/pipelines/${created.body.id}/runs`, { body: {} });
    expect(manual.status, manual.text).toBe(201);
    const byHand = await waitForRun(manual.body.id);
    expect(await logOf(byHand.id)).toContain(`found on-main at ${onMain}`);
  });
});

describe("event semantics", () => {
  let semantics: string;
  let strict: string;
  const runsOf = async (id: string) => (await get(`/api/v1/pipelines/${id}/runs`)).body.total as number;
  const gh = (event: string) => ({ "x-github-event": event, "x-github-delivery": randomUUID() });
  const gl = () => ({ "x-gitlab-event-uuid": randomUUID() });
  const gitea = (event: string, type = event) => ({
    "x-gitea-event": event,
    "x-gitea-event-type": type,
    "x-github-event": event,
    "x-gitea-delivery": randomUUID(),
  });
  const taskLog = async (runId: string, name: string) => {
    const run = (await get(`/api/v1/runs/${runId}`)).body;
    const t = run.stages.flatMap((s: { tasks: { name: string; id: string }[] }) => s.tasks).find((x: { name: string }) => x.name === name);
    return { task: t, log: (await get(`/api/v1/task-runs/${t.id}/logs`, { headers: { accept: "text/plain" } })).text as string };
  };

  beforeAll(async () => {
    const stages = [
      {
        name: "build",
        tasks: [
          {
            name: "show",
            template: "shell",
            env: { FORK: "{{ event.fork }}" },
            params: { script: 'echo "type=$GANTRY_EVENT_TYPE sha=$GIT_SHA fork=$FORK"' },
          },
          { name: "trusted", template: "shell", when: "!event.fork", params: { script: "echo trusted" } },
        ],
      },
    ];
    const a = await call("POST", "/api/v1/pipelines", {
      body: {
        name: uniqueName("hooks-sem"),
        triggers: [
          { provider: "github", secret: secretName },
          { provider: "gitlab", secret: secretName },
          { provider: "gitea", secret: secretName },
        ],
        stages,
      },
    });
    expect(a.status, a.text).toBe(201);
    semantics = a.body.id;
    const b = await call("POST", "/api/v1/pipelines", {
      body: {
        name: uniqueName("hooks-strict"),
        triggers: [{ provider: "github", secret: secretName, actions: ["opened", "closed"], drafts: false }],
        stages,
      },
    });
    expect(b.status, b.text).toBe(201);
    strict = b.body.id;
  });

  it("GitHub: builds opened and synchronized pull requests; records labels, assignments, review requests, locks, edits and closes with the reason", async () => {
    const opened = await deliver("github", githubPullRequest({ action: "opened", sha: "1".repeat(40) }), gh("pull_request"), semantics);
    expect(opened.status, opened.text).toBe(201);
    const sync = await deliver("github", githubPullRequest({ action: "synchronize", sha: "2".repeat(40) }), gh("pull_request"), semantics);
    expect(sync.status, sync.text).toBe(201);
    const before = await runsOf(semantics);
    for (const action of ["labeled", "assigned", "review_requested", "locked", "edited", "closed"]) {
      const r = await deliver("github", githubPullRequest({ action }), gh("pull_request"), semantics);
      expect(r.status, r.text).toBe(202);
      expect(r.body.message).toContain(
        `pull_request action '${action}' does not build (builds on: opened, synchronize, reopened, ready_for_review)`,
      );
    }
    expect(await runsOf(semantics)).toBe(before);
    const deliveries = (await get(`/api/v1/pipelines/${semantics}/deliveries`)).body.items;
    expect(deliveries.find((d: { event: string }) => d.event === "pull_request.labeled")).toMatchObject({
      result: "skipped",
      message: expect.stringContaining("'labeled' does not build"),
    });
  });

  it("follows a trigger's own actions and drafts: false", async () => {
    const draft = await deliver("github", githubPullRequest({ action: "opened", draft: true }), gh("pull_request"), strict);
    expect(draft.status).toBe(202);
    expect(draft.body.message).toContain("the pull_request is a draft and the trigger says drafts: false");
    const sync = await deliver("github", githubPullRequest({ action: "synchronize" }), gh("pull_request"), strict);
    expect(sync.status).toBe(202);
    expect(sync.body.message).toContain("pull_request action 'synchronize' does not build (builds on: opened, closed)");
    const closed = await deliver("github", githubPullRequest({ action: "closed" }), gh("pull_request"), strict);
    expect(closed.status, closed.text).toBe(201);
    // The default trigger builds the same draft.
    expect((await deliver("github", githubPullRequest({ action: "opened", draft: true }), gh("pull_request"), semantics)).status).toBe(201);
  });

  it("tells the tasks and their conditions whether a pull request comes from a fork", async () => {
    const fork = await deliver("github", githubPullRequest({ action: "opened", headRepo: FORK_REPO }), gh("pull_request"), semantics);
    expect(fork.status, fork.text).toBe(201);
    // A fork's run waits for a maintainer first (tests/fork-approval.test.ts).
    await approveForkGate(fork.body.runId);
    await waitForRun(fork.body.runId);
    expect((await taskLog(fork.body.runId, "show")).log).toContain(
      "type=pull_request sha=ec26c3e57ca3a959ca5aad62de7213c562f8c821 fork=true",
    );
    expect((await taskLog(fork.body.runId, "trusted")).task.status).toBe("skipped");
    const own = await deliver("github", githubPullRequest({ action: "reopened" }), gh("pull_request"), semantics);
    expect(own.status, own.text).toBe(201);
    expect((await waitForRun(own.body.runId)).status).toBe("succeeded");
    expect((await taskLog(own.body.runId, "show")).log).toContain("fork=false");
    expect((await taskLog(own.body.runId, "trusted")).log).toContain("trusted");
  });

  it("builds nothing for a push deleting a tag or a branch", async () => {
    const before = await runsOf(semantics);
    const tag = await deliver("github", githubPush({ ref: "refs/tags/simple-tag", after: ZERO_SHA, deleted: true }), gh("push"), semantics);
    expect(tag.status).toBe(202);
    expect(tag.body.message).toBe("the push deletes tag 'simple-tag': there is no commit to build");
    const branch = await deliver("github", githubPush({ ref: "refs/heads/old", after: ZERO_SHA, deleted: true }), gh("push"), semantics);
    expect(branch.body.message).toBe("the push deletes branch 'old': there is no commit to build");
    const glTag = await deliver("gitlab", gitlabPush({ kind: "tag_push", ref: "refs/tags/v1.0.0", after: ZERO_SHA }), gl(), semantics);
    expect(glTag.status).toBe(202);
    expect(glTag.body.message).toBe("the tag_push deletes tag 'v1.0.0': there is no commit to build");
    const glBranch = await deliver("gitlab", gitlabPush({ ref: "refs/heads/old", after: ZERO_SHA }), gl(), semantics);
    expect(glBranch.status).toBe(202);
    expect(await runsOf(semantics)).toBe(before);
  });

  it("builds the head commit of a many-commit push once, and skips a head commit that says [skip ci]", async () => {
    const commits = ["a", "b", "c"].map((x, i) => ({
      id: x.repeat(40),
      message: i === 0 ? "old [skip ci]" : `change ${x}`,
      added: [`src/${x}`],
    }));
    const before = await runsOf(semantics);
    const push = await deliver("github", githubPush({ ref: "refs/heads/main", after: "c".repeat(40), commits }), gh("push"), semantics);
    expect(push.status, push.text).toBe(201);
    expect(await runsOf(semantics)).toBe(before + 1);
    await waitForRun(push.body.runId);
    expect((await taskLog(push.body.runId, "show")).log).toContain(`type=push sha=${"c".repeat(40)} fork=false`);
    const skip = await deliver(
      "github",
      githubPush({ ref: "refs/heads/main", after: "d".repeat(40), commits: [{ id: "d".repeat(40), message: "Docs only\n\n[CI Skip]" }] }),
      gh("push"),
      semantics,
    );
    expect(skip.status).toBe(202);
    expect(skip.body.message).toBe("the head commit ddddddd says [CI Skip]: not built");
    const glSkip = await deliver(
      "gitlab",
      gitlabPush({ ref: "refs/heads/main", after: "e".repeat(40), commits: [{ id: "e".repeat(40), message: "typo [skip ci]" }] }),
      gl(),
      semantics,
    );
    expect(glSkip.status).toBe(202);
    expect(await runsOf(semantics)).toBe(before + 1);
  });

  it("GitLab: builds merge requests opened, reopened and updated with new commits only", async () => {
    for (const mr of [
      gitlabMergeRequest({ action: "open" }),
      gitlabMergeRequest({ action: "reopen" }),
      gitlabMergeRequest({ action: "update", oldrev: "95790bf891e76fee5e1747ab589903a6a1f80f22", sha: "f".repeat(40) }),
    ]) {
      const r = await deliver("gitlab", mr, gl(), semantics);
      expect(r.status, `${mr.object_attributes.action}: ${r.text}`).toBe(201);
    }
    const edit = await deliver("gitlab", gitlabMergeRequest({ action: "update" }), gl(), semantics);
    expect(edit.status).toBe(202);
    expect(edit.body.message).toContain("merge_request action 'update' (edited) does not build");
    const close = await deliver("gitlab", gitlabMergeRequest({ action: "close" }), gl(), semantics);
    expect(close.status).toBe(202);
    const fork = await deliver("gitlab", gitlabMergeRequest({ action: "open", sourceProjectId: 15 }), gl(), semantics);
    await approveForkGate(fork.body.runId);
    await waitForRun(fork.body.runId);
    expect((await taskLog(fork.body.runId, "show")).log).toContain("fork=true");
  });

  it("Gitea: its signature, its action words and its synchronize", async () => {
    const sync = await deliver(
      "gitea",
      giteaPullRequest({ action: "synchronized" }),
      gitea("pull_request", "pull_request_sync"),
      semantics,
    );
    expect(sync.status, sync.text).toBe(201);
    const label = await deliver(
      "gitea",
      giteaPullRequest({ action: "label_updated" }),
      gitea("pull_request", "pull_request_label"),
      semantics,
    );
    expect(label.status).toBe(202);
    expect(label.body.message).toContain("pull_request action 'label_updated' (labeled) does not build");
    const bad = await deliver(
      "gitea",
      giteaPullRequest({ action: "opened" }),
      { ...gitea("pull_request"), "x-gitea-signature": "0".repeat(64) },
      semantics,
    );
    expect(bad.status).toBe(404);
  });

  it("refuses a trigger with an unknown action or a drafts that is not true or false, at the field", async () => {
    const r = await call("POST", "/api/v1/pipelines", {
      body: {
        name: uniqueName("hooks-bad"),
        triggers: [{ provider: "github", secret: secretName, actions: ["opened", "labelled"], drafts: "no" }],
        stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }],
      },
    });
    expect(r.status).toBe(422);
    const errors = r.body.error.details.errors as { path: string; message: string }[];
    expect(errors.find((e) => e.path === "triggers[0].actions[1]")?.message).toContain("unknown pull request action 'labelled'");
    expect(errors).toContainEqual(expect.objectContaining({ path: "triggers[0].drafts", message: "drafts must be true or false" }));
  });
});
