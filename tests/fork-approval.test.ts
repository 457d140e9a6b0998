import { createHmac, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { call, get, put, testEnv, uniqueName, waitForRun } from "./api-helpers";
import { decide } from "./approval-helpers";
import { FORK_REPO, githubPullRequest } from "./fixtures/forge-payloads";
import { createTestProject, type TestProject } from "./project-helpers";

/**
 * Pull requests from forks, with real signed GitHub deliveries on the running stack: the run of a
 * fork's pull request waits at an automatic approval gate before any task, so nothing of the
 * fork's runs with the project's secrets until a maintainer approves; each new push asks again,
 * a denial ends the run with no task run, a developer cannot approve, and a re-run from a later
 * stage still asks. A pull request from the repository itself runs at once.
 */

const HOOK = `hook-${randomUUID()}`;
const SECRET_VALUE = `s3cret-${randomUUID()}`;
let p: TestProject;
let pipelineId: string;

const sign = (body: string) => `sha256=${createHmac("sha256", HOOK).update(body).digest("hex")}`;

async function deliver(payload: object): Promise<string> {
  const body = JSON.stringify(payload);
  const r = await call("POST", `/api/v1/hooks/github/${pipelineId}`, {
    raw: body,
    token: null,
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": sign(body),
    },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.runId as string;
}

type Task = { id: string; name: string; status: string; message: string | null; approval?: { instructions: string; approvers: string[] } };
type Run = { id: string; status: string; message: string | null; stages: { name: string; tasks: Task[] }[] };
const tasks = (run: Run) => run.stages.flatMap((s) => s.tasks);
const task = (run: Run, name: string) => tasks(run).find((t) => t.name === name)!;

/** The run once its fork gate waits for a decision. */
async function waitingAtGate(runId: string): Promise<Run> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const run = (await get(`/api/v1/runs/${runId}`, { token: p.users.owner.token })).body as Run;
    if (run.status === "waiting" && task(run, "approve-fork-run")?.status === "waiting") return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} never waited at its fork gate: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const logOf = async (taskRunId: string) =>
  (await get(`/api/v1/task-runs/${taskRunId}/logs`, { token: p.users.owner.token, headers: { accept: "text/plain" } })).text;

beforeAll(async () => {
  testEnv();
  p = await createTestProject("forks");
  const owner = p.users.owner.token;
  for (const [name, value] of [
    ["HOOK", HOOK],
    ["DEPLOY_KEY", SECRET_VALUE],
  ])
    expect((await put(`/api/v1/projects/${p.slug}/secrets/${name}`, { value }, { token: owner })).status).toBeLessThan(300);
  const r = await call("POST", `/api/v1/pipelines?project=${p.slug}`, {
    token: owner,
    body: {
      name: uniqueName("forks"),
      triggers: [{ provider: "github", secret: "HOOK" }],
      stages: [
        {
          name: "build",
          tasks: [
            {
              name: "uses-secret",
              template: "shell",
              secrets: ["DEPLOY_KEY"],
              env: { FORK: "{{ event.fork }}" },
              params: { script: 'echo "fork=$FORK key of ${#DEPLOY_KEY} characters"' },
            },
          ],
        },
        { name: "test", tasks: [{ name: "unit", template: "shell", params: { script: "echo tested" } }] },
      ],
    },
  });
  expect(r.status, r.text).toBe(201);
  pipelineId = r.body.id;
});

describe("pull requests from forks", () => {
  let approvedRun: string;

  it("waits for a maintainer before any task; approved, the tasks run with the secrets", async () => {
    const runId = await deliver(githubPullRequest({ action: "opened", headRepo: FORK_REPO, number: 7, title: "Fix typo" }));
    const run = await waitingAtGate(runId);
    expect(run.stages.map((s) => s.name)).toEqual(["fork-approval", "build", "test"]);
    const gate = task(run, "approve-fork-run");
    expect(gate.approval?.approvers).toEqual(["role:maintainer"]);
    expect(gate.approval?.instructions).toMatch(/^Pull request #7 \("Fix typo"\) by Codertocat comes from a fork/);
    expect(task(run, "uses-secret").status, "nothing of the fork has run").toBe("queued");

    // A developer may not let a fork's code at the secrets; a maintainer may.
    const refused = await decide(gate.id, p.users.developer.token, "approve");
    expect(refused.status, refused.text).toBe(403);
    expect(refused.text).toContain("role:maintainer");
    const ok = await decide(gate.id, p.users.maintainer.token, "approve", "read the diff");
    expect(ok.status, ok.text).toBe(200);

    const done = (await waitForRun(runId, 60_000)) as Run;
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    expect(await logOf(task(done, "uses-secret").id)).toContain(`fork=true key of ${SECRET_VALUE.length} characters`);
    approvedRun = runId;
  });

  it("asks again for every new push to the fork; denied, the run fails and no task runs", async () => {
    const runId = await deliver(githubPullRequest({ action: "synchronize", headRepo: FORK_REPO, number: 7, sha: "b".repeat(40) }));
    const run = await waitingAtGate(runId);
    const denied = await decide(task(run, "approve-fork-run").id, p.users.maintainer.token, "deny", "mines bitcoin");
    expect(denied.status, denied.text).toBe(200);
    const done = (await waitForRun(runId, 60_000)) as Run;
    expect(done.status).toBe("failed");
    for (const name of ["uses-secret", "unit"]) {
      expect(task(done, name).status, name).toBe("skipped");
      expect(await logOf(task(done, name).id), `${name} wrote nothing`).not.toContain("key of");
    }
  });

  it("asks again when a fork's run is re-run from a later stage", async () => {
    expect(approvedRun, "the approved run of the first test").toBeDefined();
    const r = await call("POST", `/api/v1/runs/${approvedRun}/rerun`, {
      token: p.users.owner.token,
      body: { mode: "from-stage", stage: "test" },
    });
    expect(r.status, r.text).toBe(201);
    const run = await waitingAtGate(r.body.id);
    expect(task(run, "uses-secret").status).toBe("skipped");
    expect(task(run, "unit").status).toBe("queued");
    await decide(task(run, "approve-fork-run").id, p.users.maintainer.token, "deny");
    await waitForRun(r.body.id, 60_000);
  });

  it("runs a pull request from the repository itself at once", async () => {
    const runId = await deliver(githubPullRequest({ action: "opened", number: 8 }));
    const done = (await waitForRun(runId, 60_000)) as Run;
    expect(done.status).toBe("succeeded");
    expect(done.stages.map((s) => s.name)).toEqual(["build", "test"]);
    expect(await logOf(task(done, "uses-secret").id)).toContain("fork=false");
  });
});
