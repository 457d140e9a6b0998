import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineVersions, pipelines, secrets as secretsTable, taskRuns } from "@/server/db/schema";
import { migrateSecretLiterals } from "@/server/pipelines/secret-literals";
import { resolveSecrets } from "@/server/secrets/secrets";
import { call, get, post, put, sandboxReadableDir, uniqueName, waitForRun } from "./api-helpers";
import { createTestProject, type TestProject } from "./project-helpers";

/**
 * Values through a pipeline on the running stack (local executor): a build task's result
 * reaches a deploy task, run values are data and never shell, `when` skips with its reason,
 * a secret template param reaches only the process's env, and references are checked on save
 * at their field and YAML line.
 */

let p: TestProject;
const tok = () => p.users.owner.token;
const api = (path: string) => `/api/v1/projects/${p.slug}${path}`;
const log = async (taskRunId: string) => (await get(`/api/v1/task-runs/${taskRunId}/logs`, { token: tok() })).text;
type TaskJson = { id: string; name: string; status: string; message: string | null; results: Record<string, string> };
const task = (run: { stages: { tasks: TaskJson[] }[] }, name: string): TaskJson => {
  const t = run.stages.flatMap((s) => s.tasks).find((x) => x.name === name);
  if (!t) throw new Error(`no task '${name}' in the run`);
  return t;
};
const runIt = async (pipelineId: string, body: object = {}) => {
  const r = await post(`/api/v1/pipelines/${pipelineId}/runs`, body, { token: tok() });
  expect(r.status, r.text).toBe(201);
  return waitForRun(r.body.id);
};

async function create(spec: object) {
  const r = await post(`/api/v1/pipelines?project=${p.slug}`, spec, { token: tok() });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

/** A local template whose `token` param is secret and reaches the process only as $API_TOKEN. */
const secretTemplate = (name: string) => ({
  name,
  title: "Uses a token",
  category: "test",
  image: "alpine:3",
  command: ["sh", "-c", 'echo "token length ${#API_TOKEN}"; echo "token is $API_TOKEN"; echo "target $1"', "tpl", "{{ params.target }}"],
  env: { API_TOKEN: "{{ params.token }}" },
  paramsSchema: {
    type: "object",
    required: ["token"],
    properties: { token: { type: "string", secret: true }, target: { type: "string", default: "{{ git.branch }}" } },
  },
  local: { supported: true, requires: ["sh"] },
});

beforeAll(async () => {
  p = await createTestProject("values");
});
afterAll(async () => {
  await p?.pool.end();
});

describe("values in a pipeline", () => {
  it("hands a build's result to a deploy task, and shows it on the run", async () => {
    const id = await create({
      name: uniqueName("build-deploy"),
      params: [{ name: "TARGET", default: "staging" }],
      stages: [
        {
          name: "build",
          tasks: [
            {
              name: "image",
              template: "shell",
              results: [{ name: "digest" }, { name: "notes" }],
              params: {
                script:
                  'echo "sha256:$(echo build | sha256sum | cut -c1-12)" > "$GANTRY_RESULTS/digest"; printf "a\\nb" > "$GANTRY_RESULTS/notes"; echo x > "$GANTRY_RESULTS/undeclared"',
              },
            },
          ],
        },
        {
          name: "deploy",
          tasks: [
            {
              name: "rollout",
              template: "shell",
              params: {
                script: 'echo "deploying {{ tasks.image.results.digest }} to $TARGET as run {{ run.number }} of {{ pipeline.name }}"',
              },
              env: { TARGET: "{{ params.TARGET }}", STATUS: "{{ tasks.image.status }}" },
            },
          ],
        },
      ],
    });
    const run = await runIt(id);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    const image = task(run, "image");
    expect(image.results).toEqual({ digest: expect.stringMatching(/^sha256:[0-9a-f]{12}$/), notes: "a\nb" });
    expect(await log(image.id)).toContain("results not declared by the task or its template were ignored: undeclared");
    expect(await log(task(run, "rollout").id)).toContain(
      `deploying ${image.results.digest} to staging as run ${run.number} of ${run.pipelineName}`,
    );
  });

  it("gives the commit git-clone checked out to a later task, as the template declares", async () => {
    const repo = sandboxReadableDir("gantry-values-repo-");
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", repo, ...args], {
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_AUTHOR_NAME: "Dev",
          GIT_AUTHOR_EMAIL: "d@x.test",
          GIT_COMMITTER_NAME: "Dev",
          GIT_COMMITTER_EMAIL: "d@x.test",
        },
      }).trim();
    git("init", "-q", "-b", "main");
    writeFileSync(path.join(repo, "README"), "hello\n");
    git("add", "README");
    git("commit", "-q", "-m", "first");
    const sha = git("rev-parse", "HEAD");
    const id = await create({
      name: uniqueName("clone-result"),
      stages: [
        { name: "src", tasks: [{ name: "clone", template: "git-clone", params: { url: `file://${repo}`, dir: "code" } }] },
        { name: "use", tasks: [{ name: "show", template: "shell", params: { script: "echo built {{ tasks.clone.results.commit }}" } }] },
      ],
    });
    const run = await runIt(id);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(task(run, "clone").results).toEqual({ commit: sha });
    expect(await log(task(run, "show").id)).toContain(`built ${sha}`);
  });

  it("substitutes values as data: a param with shell syntax stays a literal string", async () => {
    const evil = "$(touch /tmp/pwned-values);a`id`|b {{ secrets.X }}";
    const id = await create({
      name: uniqueName("inject"),
      params: [{ name: "BRANCH" }],
      stages: [
        {
          name: "s",
          tasks: [{ name: "t", template: "shell", params: { script: "printf '%s\\n' \"$B\"" }, env: { B: "{{ params.BRANCH }}" } }],
        },
      ],
    });
    const run = await runIt(id, { params: { BRANCH: evil } });
    expect(run.status).toBe("succeeded");
    expect(await log(task(run, "t").id)).toContain(evil);
  });

  it("skips a task whose condition is false, with the condition as the reason, and runs the one whose condition holds", async () => {
    const id = await create({
      name: uniqueName("when"),
      params: [{ name: "ENV", default: "dev" }],
      stages: [
        { name: "test", tasks: [{ name: "unit", template: "shell", params: { script: "echo ok" } }] },
        {
          name: "ship",
          tasks: [
            { name: "prod", template: "shell", when: 'params.ENV == "prod"', params: { script: "echo prod" } },
            {
              name: "after-unit",
              template: "shell",
              when: 'tasks.unit.status == "succeeded" && run.number >= 1',
              params: { script: "echo yes" },
            },
            { name: "uses-skipped", template: "shell", params: { script: "echo {{ tasks.prod.status }}" } },
          ],
        },
      ],
    });
    const run = await runIt(id);
    expect(run.status).toBe("succeeded");
    expect(task(run, "prod")).toMatchObject({
      status: "skipped",
      message: 'skipped: the task\'s condition `params.ENV == "prod"` is false',
    });
    expect(task(run, "after-unit").status).toBe("succeeded");
    expect(await log(task(run, "uses-skipped").id)).toContain("skipped");
  });

  it("refuses unknown references and bad conditions on save, at the field and its YAML line", async () => {
    const yaml = [
      `name: ${uniqueName("bad-refs")}`,
      "stages:",
      "  - name: a",
      "    tasks:",
      "      - name: one",
      "        template: shell",
      '        params: { script: "echo {{ tasks.two.results.x }} {{ params.NOPE }}" }',
      "      - name: two",
      "        template: shell",
      "        when: git.branch == 1",
      "        params: { script: echo }",
    ].join("\n");
    const r = await call("POST", `/api/v1/pipelines?project=${p.slug}`, { raw: yaml, contentType: "application/yaml", token: tok() });
    expect(r.status).toBe(422);
    expect(r.body.error.details.errors).toEqual([
      { path: "stages[0].tasks[1].when", message: expect.stringContaining("type error"), line: 10 },
    ]);
    const fixed = yaml.replace("git.branch == 1", 'git.branch == "main"');
    const r2 = await call("POST", `/api/v1/pipelines?project=${p.slug}`, { raw: fixed, contentType: "application/yaml", token: tok() });
    expect(r2.status).toBe(422);
    expect(r2.body.error.details.errors).toEqual([
      { path: "stages[0].tasks[0].params.script", message: expect.stringContaining("task 'two' does not end before this one"), line: 7 },
      { path: "stages[0].tasks[0].params.script", message: expect.stringContaining("unknown param 'NOPE'"), line: 7 },
    ]);
  });

  it("gives a secret param to the process as env only: never in the spec, plan, command line or log", async () => {
    const tpl = uniqueName("token-user");
    const t = await call("POST", "/api/v1/templates", { raw: stringify(secretTemplate(tpl)), contentType: "application/yaml" });
    expect(t.status, t.text).toBe(201);
    // A template that puts a secret param on the command line is refused.
    const bad = secretTemplate(uniqueName("leaky"));
    bad.command.push("{{ params.token }}");
    const b = await call("POST", "/api/v1/templates", { raw: stringify(bad), contentType: "application/yaml" });
    expect(b.status).toBe(422);
    expect(JSON.stringify(b.body)).toContain("param 'token' is secret");

    const value = `tok-${randomBytes(8).toString("hex")}`;
    expect((await put(api("/secrets/DEPLOY_TOKEN"), { value }, { token: tok() })).status).toBe(201);
    const literal = await post(
      `/api/v1/pipelines?project=${p.slug}`,
      { name: uniqueName("literal"), stages: [{ name: "s", tasks: [{ name: "t", template: tpl, params: { token: "hunter2" } }] }] },
      { token: tok() },
    );
    expect(literal.status).toBe(422);
    expect(literal.body.error.details.errors[0]).toMatchObject({
      path: "stages[0].tasks[0].params.token",
      message: expect.stringContaining("{{ secrets.NAME }}"),
    });

    const id = await create({
      name: uniqueName("secret-ref"),
      stages: [{ name: "s", tasks: [{ name: "t", template: tpl, params: { token: "{{ secrets.DEPLOY_TOKEN }}" } }] }],
    });
    const run = await runIt(id);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    const text = await log(task(run, "t").id);
    // The schema default `{{ git.branch }}` is filled like a given value (no repository: empty).
    expect(text).toContain("target \n");
    expect(text).toContain(`token length ${value.length}`);
    expect(text).toContain("token is ***");
    expect(text).not.toContain(value);
    const [row] = await p.db.select({ plan: taskRuns.plan }).from(taskRuns).where(eq(taskRuns.runId, run.id));
    expect(JSON.stringify(row.plan)).not.toContain(value);
    expect(row.plan.secretEnv).toEqual({ API_TOKEN: { secret: "DEPLOY_TOKEN" } });
    const [v] = await p.db.select({ spec: pipelineVersions.spec }).from(pipelineVersions).where(eq(pipelineVersions.pipelineId, id));
    expect(JSON.stringify(v.spec)).not.toContain(value);
  });

  it("moves a secret value saved before secret references into a project secret, as a new audited version", async () => {
    const tpl = uniqueName("old-token");
    expect((await call("POST", "/api/v1/templates", { raw: stringify(secretTemplate(tpl)), contentType: "application/yaml" })).status).toBe(
      201,
    );
    const id = await create({
      name: uniqueName("legacy"),
      stages: [{ name: "s", tasks: [{ name: "notify-team", template: tpl, params: { token: "{{ secrets.DEPLOY_TOKEN }}" } }] }],
    });
    // As it was stored before: the value in the spec itself.
    const [cur] = await p.db.select().from(pipelineVersions).where(eq(pipelineVersions.pipelineId, id));
    const legacy = structuredClone(cur.spec);
    legacy.stages[0].tasks[0].params.token = "plain-old-token";
    await p.db.update(pipelineVersions).set({ spec: legacy }).where(eq(pipelineVersions.pipelineId, id));

    expect(await migrateSecretLiterals(p.db)).toBeGreaterThanOrEqual(1);
    const [pl] = await p.db.select({ version: pipelines.currentVersion }).from(pipelines).where(eq(pipelines.id, id));
    expect(pl.version).toBe(2);
    const v2 = (await get(`/api/v1/pipelines/${id}/versions/2`, { token: tok() })).body;
    expect(v2.spec.stages[0].tasks[0].params.token).toBe("{{ secrets.NOTIFY_TEAM_TOKEN }}");
    expect(await resolveSecrets(p.db, id, ["NOTIFY_TEAM_TOKEN"])).toEqual({ NOTIFY_TEAM_TOKEN: "plain-old-token" });
    const audit = (await get(`/api/v1/audit?action=pipeline.migrate-secrets&project=${p.slug}`, { token: p.users.owner.token })).body;
    expect(JSON.stringify(audit)).toContain("NOTIFY_TEAM_TOKEN");
    expect(JSON.stringify(audit)).not.toContain("plain-old-token");
    // Idempotent: nothing left to move.
    await migrateSecretLiterals(p.db);
    const [again] = await p.db.select({ version: pipelines.currentVersion }).from(pipelines).where(eq(pipelines.id, id));
    expect(again.version).toBe(2);
    expect((await p.db.select().from(secretsTable).where(eq(secretsTable.name, "NOTIFY_TEAM_TOKEN_2"))).length).toBe(0);
  });
});
