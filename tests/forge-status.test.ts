import { createHmac, randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, get, post, put, sandboxReadableDir, shellSpec, startRun, testEnv, uniqueName, waitForRun } from "./api-helpers";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { notificationOutbox } from "@/server/db/schema";
import { FORK_REPO, githubPullRequest, githubPush, gitlabPush } from "./fixtures/forge-payloads";
import { approveForkGate } from "./approval-helpers";
import { openDb } from "./project-helpers";

/**
 * Status back to the forge, received for real: a local HTTP server plays GitHub's and GitLab's
 * APIs (the trigger's apiUrl points at it; the stack may call 127.0.0.1 through
 * GANTRY_OUTBOUND_ALLOW) and records the commit statuses and comments of runs started by signed
 * deliveries. A run's task waits until the test releases its commit, so what the forge hears while
 * the run is going is seen for sure. And the status badge, public and private.
 */

interface Hit {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}
const hits: Hit[] = [];
let server: Server;
let base: string;
let failFirst = true;
let nextCommentId = 100;
/** Where the tasks look for their go-ahead: a file named after the commit. */
let gates: string;

const HOOK_SECRET = `hook-${randomUUID()}`;
const FORGE_TOKEN = `ghp_${randomUUID().replace(/-/g, "")}`;
const suffix = randomUUID().slice(0, 8).toUpperCase().replace(/-/g, "");
const HOOK = `HOOK_${suffix}`;
const TOKEN = `FORGE_${suffix}`;

beforeAll(async () => {
  testEnv();
  gates = sandboxReadableDir("gantry-forge-status-");
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      const path = req.url ?? "";
      hits.push({ method: req.method ?? "", path, headers: req.headers, body: data ? JSON.parse(data) : null });
      res.setHeader("content-type", "application/json");
      if (path.startsWith("/flaky/") && failFirst) {
        failFirst = false;
        res.statusCode = 500;
        return res.end(JSON.stringify({ message: "Server Error" }));
      }
      if (req.method === "POST" && /\/(comments|notes)$/.test(path)) {
        res.statusCode = 201;
        return res.end(JSON.stringify({ id: nextCommentId++ }));
      }
      res.statusCode = req.method === "POST" ? 201 : 200;
      res.end(JSON.stringify({ id: 1 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [name, value] of [
    [HOOK, HOOK_SECRET],
    [TOKEN, FORGE_TOKEN],
  ])
    expect((await put(`/api/v1/projects/default/secrets/${name}`, { value })).status).toBeLessThan(300);
});
afterAll(() => {
  server?.close();
  if (gates) rmSync(gates, { recursive: true, force: true });
});

/** Lets the task of the run for this commit go on. */
const release = (sha: string) => writeFileSync(`${gates}/go-${sha}`, "");

const sign = (body: string) => `sha256=${createHmac("sha256", HOOK_SECRET).update(body).digest("hex")}`;

async function deliver(provider: "github" | "gitlab", pipelineId: string, event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> =
    provider === "github"
      ? { "x-github-event": event, "x-github-delivery": randomUUID(), "x-hub-signature-256": sign(body) }
      : { "x-gitlab-event": event, "x-gitlab-event-uuid": randomUUID(), "x-gitlab-token": HOOK_SECRET };
  const r = await call("POST", `/api/v1/hooks/${provider}/${pipelineId}`, { raw: body, headers, token: null });
  expect(r.status, r.text).toBe(201);
  return r.body.runId as string;
}

async function until<T>(what: string, f: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; the forge got ${JSON.stringify(hits.map((h) => `${h.method} ${h.path}`))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The statuses posted for one commit, in order. */
const statusesOf = (path: string) => hits.filter((h) => h.method === "POST" && h.path === path);

/**
 * A pipeline whose task waits for its commit's release, then fails on the branch `broken`, with a
 * trigger reporting to the receiver under `prefix`.
 */
async function forgePipeline(provider: "github" | "gitlab", prefix: string, extra: Record<string, unknown> = {}) {
  const name = uniqueName("forge");
  const spec = {
    ...shellSpec(name, `until [ -e "${gates}/go-$GIT_SHA" ]; do sleep 0.2; done; test "$GIT_BRANCH" != broken`),
    triggers: [{ provider, secret: HOOK, statusToken: TOKEN, apiUrl: `${base}${prefix}`, ...extra }],
  };
  const r = await post("/api/v1/pipelines", spec);
  expect(r.status, r.text).toBe(201);
  return { id: r.body.id as string, name };
}

/** The run's forge reports in the outbox, once none is pending any more. */
async function waitForRows(db: Db, runId: string) {
  const q = () =>
    db
      .select({ status: notificationOutbox.status, attempts: notificationOutbox.attempts })
      .from(notificationOutbox)
      .where(and(eq(notificationOutbox.runId, runId), eq(notificationOutbox.channel, "forge")));
  const end = Date.now() + 30_000;
  for (;;) {
    const rows = await q();
    if (rows.length && rows.every((r) => r.status !== "pending")) return rows;
    if (Date.now() > end) throw new Error(`the run's forge reports are still pending: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const sha = () => randomUUID().replace(/-/g, "").padEnd(40, "0");

describe("commit statuses on GitHub", () => {
  it("reports pending, then success with the run's link, for a run that succeeds", async () => {
    const p = await forgePipeline("github", "/gh");
    const after = sha();
    const runId = await deliver("github", p.id, "push", githubPush({ ref: "refs/heads/main", after }));
    const path = `/gh/repos/Codertocat/Hello-World/statuses/${after}`;
    const pending = await until("the pending status", () => statusesOf(path)[0]);
    expect(pending.body).toMatchObject({ state: "pending", context: `gantry/${p.name}` });
    release(after);
    expect((await waitForRun(runId)).status).toBe("succeeded");
    const last = await until("the success status", () => statusesOf(path).find((h) => h.body.state === "success"));
    const all = statusesOf(path);
    expect(last.headers.authorization).toBe(`Bearer ${FORGE_TOKEN}`);
    expect(last.headers["x-github-api-version"]).toBe("2022-11-28");
    expect(last.body).toMatchObject({ context: `gantry/${p.name}`, description: expect.stringMatching(/^Run #1 succeeded in /) });
    expect(last.body.target_url).toMatch(new RegExp(`^https?://[^/]+/runs/${runId}$`));
    // Every report is of the run's state when sent: nothing after the success says otherwise.
    expect(all.slice(all.indexOf(last)).every((h) => h.body.state === "success")).toBe(true);
  });

  it("reports failure, naming the failed task, for a run that fails", async () => {
    const p = await forgePipeline("github", "/gh");
    const after = sha();
    release(after);
    const runId = await deliver("github", p.id, "push", githubPush({ ref: "refs/heads/broken", after }));
    expect((await waitForRun(runId)).status).toBe("failed");
    const path = `/gh/repos/Codertocat/Hello-World/statuses/${after}`;
    const failure = await until("the failure status", () => statusesOf(path).find((h) => h.body.state === "failure"));
    // The failed task, then its first error when its log has one (docs/triage.md).
    expect(failure.body.description).toMatch(/^Run #1 failed in .*: work($|: )/);
    expect(statusesOf(path).some((h) => h.body.state === "success")).toBe(false);
  });

  it("retries a status the forge answered 500 through the outbox", async () => {
    const p = await forgePipeline("github", "/flaky");
    const after = sha();
    release(after);
    const runId = await deliver("github", p.id, "push", githubPush({ ref: "refs/heads/main", after }));
    expect((await waitForRun(runId)).status).toBe("succeeded");
    const path = `/flaky/repos/Codertocat/Hello-World/statuses/${after}`;
    await until("the success status after the 500", () => statusesOf(path).find((h) => h.body.state === "success"));
    expect(failFirst).toBe(false);
    // The report the forge refused was sent again, and every report of the run ended sent.
    const { db, pool } = openDb();
    try {
      const rows = await waitForRows(db, runId);
      expect(rows.map((r) => r.status)).toEqual(rows.map(() => "sent"));
      expect(Math.max(...rows.map((r) => r.attempts))).toBeGreaterThanOrEqual(2);
    } finally {
      await pool.end();
    }
  });

  it("keeps one summary comment on a pull request: created once, then edited, also by the next run", async () => {
    const p = await forgePipeline("github", "/pr", { comment: true });
    const [one, two] = [sha(), sha()];
    release(one);
    release(two);
    const first = await deliver("github", p.id, "pull_request", githubPullRequest({ action: "opened", number: 7, sha: one }));
    expect((await waitForRun(first)).status).toBe("succeeded");
    const created = await until("the comment", () =>
      hits.find((h) => h.method === "POST" && h.path === "/pr/repos/Codertocat/Hello-World/issues/7/comments"),
    );
    const id = nextCommentId - 1;
    const edited = await until("the comment edited to success", () =>
      hits.find(
        (h) => h.method === "PATCH" && h.path === `/pr/repos/Codertocat/Hello-World/issues/comments/${id}` && /succeeded/.test(h.body.body),
      ),
    );
    expect(created.body.body).toContain(`<!-- gantry:${p.id} -->`);
    expect(edited.body.body).toContain(`/runs/${first})`);
    expect(edited.body.body).toMatch(/Duration: \d+/);

    const second = await deliver("github", p.id, "pull_request", githubPullRequest({ action: "synchronize", number: 7, sha: two }));
    expect((await waitForRun(second)).status).toBe("succeeded");
    await until("the same comment edited by run #2", () =>
      hits.find((h) => h.method === "PATCH" && h.path.endsWith(`/issues/comments/${id}`) && h.body.body.includes(`/runs/${second})`)),
    );
    expect(hits.filter((h) => h.method === "POST" && h.path.startsWith("/pr/") && h.path.endsWith("/comments"))).toHaveLength(1);
  });

  it("announces in the comment that a fork's run waits for a maintainer, and reports it pending", async () => {
    const p = await forgePipeline("github", "/fork", { comment: true });
    const head = sha();
    release(head);
    const runId = await deliver(
      "github",
      p.id,
      "pull_request",
      githubPullRequest({ action: "opened", number: 9, sha: head, headRepo: FORK_REPO }),
    );
    const comment = await until("the comment about the fork", () =>
      hits.find((h) => h.path.startsWith("/fork/") && /comments/.test(h.path) && h.body?.body?.includes("comes from a fork")),
    );
    expect(comment.body.body).toContain(`[run #1](`);
    expect(comment.body.body).toContain("is waiting for approval");
    expect(statusesOf(`/fork/repos/Codertocat/Hello-World/statuses/${head}`).at(-1)?.body.state).toBe("pending");
    await approveForkGate(runId);
    expect((await waitForRun(runId)).status).toBe("succeeded");
    await until("the comment edited to success, without the fork notice", () =>
      hits.find(
        (h) =>
          h.method === "PATCH" &&
          h.path.startsWith("/fork/") &&
          /succeeded/.test(h.body.body) &&
          !h.body.body.includes("comes from a fork"),
      ),
    );
  });
});

describe("commit statuses on GitLab", () => {
  it("posts the project's commit status with PRIVATE-TOKEN: pending, then success", async () => {
    const p = await forgePipeline("gitlab", "/gl");
    const after = sha();
    const runId = await deliver("gitlab", p.id, "Push Hook", gitlabPush({ ref: "refs/heads/main", after }));
    const path = `/gl/projects/15/statuses/${after}`;
    // Queued is `pending`; running (by the time the operator sends it) is GitLab's `running`.
    const going = await until("the first status", () => statusesOf(path)[0]);
    expect(["pending", "running"]).toContain(going.body.state);
    release(after);
    expect((await waitForRun(runId)).status).toBe("succeeded");
    const done = await until("GitLab's success status", () => statusesOf(path).find((h) => h.body.state === "success"));
    expect(done.headers["private-token"]).toBe(FORGE_TOKEN);
    expect(done.body).toMatchObject({ name: `gantry/${p.name}`, ref: "main" });
  });
});

describe("status badge", () => {
  it("is public in a project that publishes badges, with caching headers", async () => {
    const slug = uniqueName("badges");
    expect((await post("/api/v1/projects", { slug, name: slug, settings: { publicBadges: true } })).status).toBe(201);
    const created = await post(`/api/v1/pipelines?project=${slug}`, shellSpec(uniqueName("badge"), "true"));
    expect(created.status, created.text).toBe(201);
    const badge = `/api/v1/pipelines/${created.body.id}/badge.svg?branch=main`;
    const before = await get(badge, { token: null });
    expect(before.status).toBe(200);
    expect(before.text).toContain("unknown");
    await waitForRun(await startRun(created.body.id, { ref: "main" }));
    const after = await get(badge, { token: null });
    expect(after.status).toBe(200);
    expect(after.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(after.headers.get("cache-control")).toMatch(/^public, max-age=\d+/);
    expect(after.text).toContain(">passing<");
    const again = await get(badge, { token: null, headers: { "if-none-match": after.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);
  });

  it("needs the usual sign-in in a project that does not", async () => {
    const created = await post("/api/v1/pipelines", shellSpec(uniqueName("badge-private"), "exit 1"));
    const badge = `/api/v1/pipelines/${created.body.id}/badge.svg`;
    expect((await get(badge, { token: null })).status).toBe(401);
    await waitForRun(await startRun(created.body.id));
    const signedIn = await get(badge);
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get("cache-control")).toMatch(/^private/);
    expect(signedIn.text).toContain(">failing<");
  });
});
