import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { runs, secrets as secretsTable, taskRuns } from "@/server/db/schema";
import { createRun } from "@/server/runs/create-run";
import { encrypt, isSealed, keyring, loadKeyring, unseal } from "@/server/secrets/crypto";
import { runParamAad } from "@/server/secrets/run-secrets";
import { rotateSecrets } from "@/server/secrets/rotate";
import { resolveSecrets, secretAad } from "@/server/secrets/secrets";
import { call, uniqueName, waitForRun } from "./api-helpers";
import { createTestDatabase, createTestPipeline, sh } from "./executor-helpers";
import { createTestProject, type TestProject } from "./project-helpers";

/**
 * Project secrets end to end against the running stack: the REST API never gives a value back,
 * roles decide who changes them, a task gets them as env while its log shows them masked in
 * every form, and the database holds no clear text.
 */

let p: TestProject;
const url = (name = "") => `/api/v1/projects/${p.slug}/secrets${name ? `/${name}` : ""}`;
const as = (role: keyof TestProject["users"]) => p.users[role].token;

beforeAll(async () => {
  p = await createTestProject("secrets");
});
afterAll(async () => {
  await p?.pool.end();
});

describe("the secrets API", () => {
  const value = `v4lue-${randomBytes(6).toString("hex")}`;

  it("creates (201), replaces (200) and never returns the value", async () => {
    const c = await call("PUT", url("DEPLOY_TOKEN"), { token: as("maintainer"), body: { value, description: "for deploys" } });
    expect(c.status, c.text).toBe(201);
    expect(c.body).toMatchObject({ name: "DEPLOY_TOKEN", description: "for deploys", createdBy: p.users.maintainer.username });
    expect(c.text).not.toContain(value);
    const r = await call("PUT", url("DEPLOY_TOKEN"), { token: as("owner"), body: { value: `${value}-2` } });
    expect(r.status, r.text).toBe(200);
    // The description stays when a replace does not give one.
    expect(r.body).toMatchObject({ name: "DEPLOY_TOKEN", description: "for deploys" });
    expect(r.text).not.toContain(value);

    for (const role of ["viewer", "developer", "maintainer", "owner"] as const) {
      const l = await call("GET", url(), { token: as(role) });
      expect(l.status, role).toBe(200);
      expect(l.body.items).toEqual([
        expect.objectContaining({ name: "DEPLOY_TOKEN", description: "for deploys", createdBy: p.users.maintainer.username }),
      ]);
      expect(Object.keys(l.body.items[0]).sort()).toEqual(["createdAt", "createdBy", "description", "name", "updatedAt"]);
      expect(l.text).not.toContain(value);
    }
  });

  it("keeps only ciphertext in the database", async () => {
    const [row] = await p.db.select().from(secretsTable).where(eq(secretsTable.projectId, p.id));
    expect(row.ciphertext).not.toContain(value);
    expect(Buffer.from(row.ciphertext, "base64").toString("latin1")).not.toContain(value);
    expect(row.keyId).toBe(keyring().current.id);
    expect(await resolveSecrets(p.db, await pipelineIn(p.slug), ["DEPLOY_TOKEN"])).toEqual({ DEPLOY_TOKEN: `${value}-2` });
  });

  it("lets only maintainers and owners change secrets; outsiders see nothing", async () => {
    for (const role of ["viewer", "developer"] as const) {
      const r = await call("PUT", url("NOPE"), { token: as(role), body: { value: "x-value" } });
      expect(r.status, role).toBe(403);
      expect(r.body.error.message).toMatch(new RegExp(`role '${role}'.*needs 'maintainer'`));
      expect((await call("DELETE", url("DEPLOY_TOKEN"), { token: as(role) })).status).toBe(403);
    }
    expect((await call("GET", url(), { token: as("outsider") })).status).toBe(404);
    expect((await call("PUT", url("NOPE"), { token: as("outsider"), body: { value: "x-value" } })).status).toBe(404);
  });

  it("refuses names that are not environment variable names, empty and oversized values", async () => {
    const bad = await call("PUT", url("lower-case"), { token: as("owner"), body: { value: "x" } });
    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/environment variable name/);
    expect((await call("PUT", url("OK_NAME"), { token: as("owner"), body: { value: "" } })).status).toBe(422);
    const big = await call("PUT", url("BIG"), { token: as("owner"), body: { value: "x".repeat(48_001) } });
    expect(big.status).toBe(422);
    expect(big.text).toMatch(/at most 48,000 bytes/);
    // The largest value fits the column, also when multi-byte characters make it up.
    expect((await call("PUT", url("EXACTLY_48K"), { token: as("owner"), body: { value: "y".repeat(48_000) } })).status).toBe(201);
    expect((await call("PUT", url("MULTIBYTE"), { token: as("owner"), body: { value: "€".repeat(16_000) } })).status).toBe(201);
    expect((await call("PUT", url("MULTIBYTE"), { token: as("owner"), body: { value: "€".repeat(16_001) } })).status).toBe(422);
    expect((await call("PUT", url("NO_VALUE"), { token: as("owner"), body: { description: "d" } })).status).toBe(422);
  });

  it("deletes (204, then 404) and audits every change by name only", async () => {
    expect((await call("DELETE", url("EXACTLY_48K"), { token: as("maintainer") })).status).toBe(204);
    expect((await call("DELETE", url("EXACTLY_48K"), { token: as("maintainer") })).status).toBe(404);
    const a = await call("GET", `/api/v1/projects/${p.slug}/audit?targetType=secret`, { token: as("owner") });
    expect(a.status).toBe(200);
    const seen = a.body.items.map(
      (e: { action: string; target: { name: string }; actor: string }) => `${e.action} ${e.target.name} ${e.actor}`,
    );
    expect(seen).toEqual(
      expect.arrayContaining([
        `secret.create DEPLOY_TOKEN ${p.users.maintainer.username}`,
        `secret.update DEPLOY_TOKEN ${p.users.owner.username}`,
        `secret.delete EXACTLY_48K ${p.users.maintainer.username}`,
      ]),
    );
    expect(a.text).not.toContain(value);
  });
});

/** Any pipeline of the project, made through the API (needed to resolve project secrets directly). */
const pipelines = new Map<string, string>();
async function pipelineIn(slug: string) {
  if (!pipelines.has(slug)) {
    const r = await call("POST", `/api/v1/pipelines?project=${slug}`, {
      body: { name: uniqueName("holder"), stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }] },
    });
    expect(r.status, r.text).toBe(201);
    pipelines.set(slug, r.body.id);
  }
  return pipelines.get(slug)!;
}

describe("secrets in tasks", () => {
  const secret = `s3cr3t/${randomBytes(4).toString("hex")}+Zq=`;
  const param = `param-${randomBytes(5).toString("hex")}`;
  const script = [
    'echo "plain: $API_KEY"',
    'printf "%s" "$API_KEY" | base64',
    "echo \"url: $(printf '%s' \"$API_KEY\" | sed 's#/#%2F#g; s#+#%2B#g; s#=#%3D#g')\"",
    'echo "in a docker auth: $(printf "user:%s" "$API_KEY" | base64)"',
    // Split across writes with pauses: the log must never hold the first half alone.
    'printf "split: %s" "$(printf "%s" "$API_KEY" | cut -c1-6)"; sleep 0.3; printf "%s\\n" "$(printf "%s" "$API_KEY" | cut -c7-)"',
    'echo "err: $API_KEY" >&2',
    `echo "env matches: $([ \${#API_KEY} -eq ${secret.length} ] && echo yes)"`,
    'echo "param: $PASSWORD"',
  ].join("\n");

  it("refuses to save a pipeline naming a secret the project lacks, at the field's path", async () => {
    const r = await call("POST", `/api/v1/pipelines?project=${p.slug}`, {
      body: {
        name: uniqueName("missing"),
        stages: [
          { name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" }, secrets: ["DEPLOY_TOKEN", "NOT_THERE"] }] },
        ],
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.error.details.errors).toEqual([
      { path: "stages[0].tasks[0].secrets[1]", message: expect.stringMatching(/no secret named 'NOT_THERE'/) },
    ]);
  });

  it("refuses a secret whose name the task's template sets itself", async () => {
    const tpl = uniqueName("with-env");
    const t = await call("POST", `/api/v1/templates?project=${p.slug}`, {
      body: {
        name: tpl,
        title: "With env",
        description: "sets DEPLOY_TOKEN",
        category: "test",
        image: "alpine:3",
        command: ["sh", "-c", "true"],
        env: { DEPLOY_TOKEN: "from-template" },
        paramsSchema: { type: "object", properties: {} },
        local: { supported: true },
      },
    });
    expect(t.status, t.text).toBe(201);
    const r = await call("POST", `/api/v1/pipelines?project=${p.slug}`, {
      body: { name: uniqueName("clash"), stages: [{ name: "s", tasks: [{ name: "t", template: tpl, secrets: ["DEPLOY_TOKEN"] }] }] },
    });
    expect(r.status, r.text).toBe(422);
    expect(r.body.error.details.errors).toEqual([
      { path: "stages[0].tasks[0].secrets[0]", message: `template '${tpl}' sets 'DEPLOY_TOKEN' itself; give the secret another name` },
    ]);
  });

  it("gives the task its secrets as env, masks them in every form, and stores no clear text", async () => {
    expect((await call("PUT", url("API_KEY"), { token: as("maintainer"), body: { value: secret } })).status).toBe(201);
    const created = await call("POST", `/api/v1/pipelines?project=${p.slug}`, {
      token: as("developer"),
      body: {
        name: uniqueName("uses-secret"),
        params: [{ name: "PASSWORD", secret: true }],
        stages: [{ name: "s", tasks: [{ name: "leaky", template: "shell", params: { script }, secrets: ["API_KEY"] }] }],
      },
    });
    expect(created.status, created.text).toBe(201);
    // The spec keeps the field (what the YAML editor and the designer load again).
    const back = await call("GET", `/api/v1/pipelines/${created.body.id}`, { token: as("viewer") });
    expect(JSON.stringify(back.body)).toContain('"secrets":["API_KEY"]');

    const start = await call("POST", `/api/v1/pipelines/${created.body.id}/runs`, {
      token: as("developer"),
      body: { params: { PASSWORD: param } },
    });
    expect(start.status, start.text).toBe(201);
    const run = await waitForRun(start.body.id);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    const task = run.stages[0].tasks[0];
    const log = await call("GET", `/api/v1/task-runs/${task.id}/logs`, { token: as("viewer") });
    expect(log.status).toBe(200);
    const lines = log.text.split("\n");
    expect(lines).toContain("plain: ***");
    expect(lines).toContain("***");
    expect(lines).toContain("url: ***");
    expect(lines).toContain("split: ***");
    expect(lines).toContain("err: ***");
    expect(lines).toContain("env matches: yes");
    expect(lines).toContain("param: ***");
    const docker = lines.find((l) => l.startsWith("in a docker auth: "))!;
    expect(docker).toContain("***");
    const leftover = docker
      .slice(18)
      .split("***")
      .map((x) => Buffer.from(x, "base64").toString("latin1"))
      .join("");
    expect(leftover).not.toContain(secret.slice(0, 8));
    for (const form of [
      secret,
      Buffer.from(secret).toString("base64").replace(/=+$/, ""),
      encodeURIComponent(secret),
      secret.slice(0, 6) + "\n",
      param,
    ]) {
      expect(log.text).not.toContain(form);
    }

    // Nothing in clear in the database: not the run's params, not the plan, not the log.
    const [r] = await p.db.select().from(runs).where(eq(runs.id, start.body.id));
    expect(JSON.stringify(r.params)).not.toContain(param);
    expect(isSealed(r.params.PASSWORD)).toBe(true);
    expect(unseal(r.params.PASSWORD, runParamAad("PASSWORD"))).toBe(param);
    const [tr] = await p.db.select().from(taskRuns).where(eq(taskRuns.id, task.id));
    expect(tr.plan.secrets).toEqual(["API_KEY"]);
    expect(JSON.stringify(tr.plan)).not.toContain(secret);
    const [[chunks]] = (await p.pool.query("select group_concat(data separator '') as d from log_chunks where task_run_id = ?", [
      task.id,
    ])) as unknown as [[{ d: string | null }]];
    if (chunks.d !== null) {
      expect(chunks.d).not.toContain(secret);
      expect(chunks.d).not.toContain(param);
    }
    // The run's page shows the secret param masked, like the API.
    expect(run.params).toEqual({ PASSWORD: "***" });
  });

  it("fails the task, naming the secret, when it was deleted after the pipeline was saved", async () => {
    expect((await call("PUT", url("SHORT_LIVED"), { token: as("maintainer"), body: { value: "gone-soon-value" } })).status).toBe(201);
    const created = await call("POST", `/api/v1/pipelines?project=${p.slug}`, {
      body: {
        name: uniqueName("deleted"),
        stages: [
          { name: "s", tasks: [{ name: "t", template: "shell", params: { script: "echo should-not-run" }, secrets: ["SHORT_LIVED"] }] },
        ],
      },
    });
    expect(created.status, created.text).toBe(201);
    expect((await call("DELETE", url("SHORT_LIVED"), { token: as("maintainer") })).status).toBe(204);
    const start = await call("POST", `/api/v1/pipelines/${created.body.id}/runs`, { body: {} });
    const run = await waitForRun(start.body.id);
    expect(run.status).toBe("failed");
    expect(run.stages[0].tasks[0].message).toMatch(/SHORT_LIVED.*no longer exists in project/);
    const log = await call("GET", `/api/v1/task-runs/${run.stages[0].tasks[0].id}/logs`);
    expect(log.text).not.toContain("should-not-run");
  });
});

describe("key rotation", () => {
  it("re-encrypts secrets and secret params under the new key, seals params left in clear, and is idempotent", async () => {
    const t = await createTestDatabase("gantry_rotate");
    try {
      const old = keyring();
      const next = loadKeyring({
        GANTRY_SECRET_KEY: randomBytes(32).toString("hex"),
        GANTRY_SECRET_KEYS_PREVIOUS: process.env.GANTRY_SECRET_KEY,
      });
      const sealed = encrypt("rotate-me-value", secretAad(DEFAULT_PROJECT_ID, "ROT"), old);
      await t.db.insert(secretsTable).values({
        id: crypto.randomUUID(),
        projectId: DEFAULT_PROJECT_ID,
        name: "ROT",
        ciphertext: sealed.ciphertext,
        keyId: sealed.keyId,
      });
      const pipelineId = await createTestPipeline(
        t.db,
        [{ name: "s", tasks: [sh("t", "true", { secrets: ["ROT"] })] }],
        [{ name: "PW", secret: true }],
      );
      const run = await createRun(t.db, pipelineId, { params: { PW: "param-value-1" } });
      const legacy = await createRun(t.db, pipelineId, { params: { PW: "x" } });
      await t.db
        .update(runs)
        .set({ params: { PW: "legacy-clear-value" } })
        .where(eq(runs.id, legacy.id));

      const first = await rotateSecrets(t.db, next);
      expect(first).toEqual({ secrets: 1, runs: 2, sealedLegacy: 1 });
      expect(await rotateSecrets(t.db, next)).toEqual({ secrets: 0, runs: 0, sealedLegacy: 0 });

      // Only the new key is needed from now on.
      const only = loadKeyring({ GANTRY_SECRET_KEY: [...next.byId.values()][0].key.toString("base64") });
      const [row] = await t.db.select().from(secretsTable).where(eq(secretsTable.name, "ROT"));
      expect(row.keyId).toBe(only.current.id);
      const rows = await t.query<{ id: string; params: string | Record<string, string> }>("select id, params from runs");
      const params = Object.fromEntries(
        rows.map((r) => [r.id, (typeof r.params === "string" ? JSON.parse(r.params) : r.params) as Record<string, string>]),
      );
      expect(unseal(params[run.id].PW, runParamAad("PW"), only)).toBe("param-value-1");
      expect(unseal(params[legacy.id].PW, runParamAad("PW"), only)).toBe("legacy-clear-value");
      expect(JSON.stringify(params)).not.toContain("value");
    } finally {
      await t.close();
    }
  });
});
