import { createHmac, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db/client";
import { runs } from "@/server/db/schema";
import { call, createPipeline, get, put, uniqueName, waitForRun } from "../api-helpers";

/**
 * The webhook endpoint is the one write that needs no session or token. Without a trigger's
 * secret, an attacker must not learn from its answers which pipelines exist, which providers
 * they accept, or whether a secret is missing; and a signed payload must not store a link that
 * runs script in the viewer's browser.
 */

const SECRET = `probe-${randomUUID()}`;
const secretName = `PROBE_${randomUUID().slice(0, 8).toUpperCase().replace(/-/g, "")}`;
const goneName = `${secretName}_GONE`;
const sign = (body: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const task = { name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] };

let withTriggers: string;
let withoutTriggers: string;
let secretGone: string;

beforeAll(async () => {
  expect((await put(`/api/v1/projects/default/secrets/${secretName}`, { value: SECRET })).status).toBeLessThan(300);
  expect((await put(`/api/v1/projects/default/secrets/${goneName}`, { value: "soon gone" })).status).toBeLessThan(300);
  withTriggers = await createPipeline({
    name: uniqueName("probe-hooks"),
    triggers: [
      { provider: "github", secret: secretName },
      { provider: "generic", secret: secretName },
    ],
    stages: [task],
  });
  withoutTriggers = await createPipeline({ name: uniqueName("probe-none"), stages: [task] });
  secretGone = await createPipeline({
    name: uniqueName("probe-gone"),
    triggers: [{ provider: "gitlab", secret: goneName }],
    stages: [task],
  });
  expect((await call("DELETE", `/api/v1/projects/default/secrets/${goneName}`)).status).toBe(204);
});

const hook = (provider: string, id: string, body: string, headers: Record<string, string> = {}) =>
  call("POST", `/api/v1/hooks/${provider}/${id}`, { raw: body, headers: { "x-github-event": "push", ...headers }, token: null });

describe("unauthenticated webhook deliveries", () => {
  it("get one and the same 404 whether the pipeline exists or not, whatever else is wrong", async () => {
    const body = JSON.stringify({ ref: "refs/heads/main", after: "a".repeat(40), commits: [], repository: {} });
    const unknown = randomUUID();
    const probes: [string, string, string, Record<string, string>][] = [
      ["an unknown pipeline id", "github", unknown, { "x-hub-signature-256": sign(body) }],
      ["an id that is no UUID", "github", "no-such-pipeline", {}],
      ["a pipeline without triggers", "github", withoutTriggers, { "x-hub-signature-256": sign(body) }],
      ["a provider the pipeline has no trigger for", "gitlab", withTriggers, { "x-gitlab-token": SECRET }],
      ["a wrong signature", "github", withTriggers, { "x-hub-signature-256": sign(body, "wrong") }],
      ["no signature", "github", withTriggers, {}],
      ["a wrong generic signature", "generic", withTriggers, { "x-gantry-signature": "sha256=00" }],
      ["a trigger whose secret was deleted", "gitlab", secretGone, { "x-gitlab-token": "guess" }],
      ["an unknown provider", "bitbucket", withTriggers, {}],
    ];
    const answers = [];
    for (const [what, provider, id, headers] of probes) {
      const r = await hook(provider, id, body, headers);
      answers.push({
        what,
        status: r.status,
        type: r.headers.get("content-type"),
        // The message may echo what the caller sent (provider and id), nothing else.
        body: JSON.stringify(r.body).replaceAll(`${provider}/${id}`, "<provider>/<id>"),
      });
    }
    expect(JSON.parse(answers[0].body).error).toMatchObject({
      code: "not_found",
      message: "no webhook trigger at <provider>/<id> accepts this delivery",
    });
    const expected = { status: 404, type: answers[0].type, body: answers[0].body };
    for (const a of answers) expect({ status: a.status, type: a.type, body: a.body }, a.what).toEqual(expected);
    // And no run started for any of them.
    expect((await get(`/api/v1/pipelines/${withTriggers}/runs`)).body.total).toBe(0);
  });

  it("a delivery that proved its signature gets a precise answer", async () => {
    const body = "{not json";
    const r = await hook("generic", withTriggers, body, { "x-gantry-signature": sign(body) });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/malformed webhook payload/);
  });
});

describe("links in signed payloads", () => {
  it("stores only http(s) commit and repository URLs (javascript: ones are dropped)", async () => {
    const sha = "b".repeat(40);
    const payload = {
      ref: "refs/heads/main",
      before: "0".repeat(40),
      after: sha,
      repository: { clone_url: "javascript:alert(document.cookie)", html_url: "JaVaScRiPt:alert(1)" },
      pusher: { name: "mallory" },
      compare: "javascript:alert(2)",
      commits: [
        { id: sha, message: "evil", author: { name: "m" }, url: "javascript:alert(1)" },
        { id: "c".repeat(40), message: "evil too", author: { name: "m" }, url: " java\tscript:alert(3)" },
        { id: "d".repeat(40), message: "fine", author: { name: "m" }, url: "https://git.example/o/r/commit/ddd" },
      ],
    };
    const body = JSON.stringify(payload);
    const r = await hook("github", withTriggers, body, { "x-hub-signature-256": sign(body), "x-github-delivery": randomUUID() });
    expect(r.status, r.text).toBe(201);
    await waitForRun(r.body.runId);
    const run = (await get(`/api/v1/runs/${r.body.runId}`)).body;
    expect(JSON.stringify(run.event)).not.toMatch(/script:/i);
    // What is stored, not only what the API shows: the run's event row.
    const { db, pool } = createDb(process.env.DATABASE_URL!);
    try {
      const [row] = await db.select({ event: runs.event }).from(runs).where(eq(runs.id, r.body.runId));
      expect(JSON.stringify(row.event)).not.toMatch(/script:/i);
      expect((row.event as { repoUrl: string | null }).repoUrl).toBeNull();
    } finally {
      await pool.end();
    }
    const urls = Object.fromEntries(run.event.commits.map((c: { sha: string; url?: string }) => [c.sha[0], c.url ?? null]));
    expect(urls).toEqual({ b: null, c: null, d: "https://git.example/o/r/commit/ddd" });
  });
});
