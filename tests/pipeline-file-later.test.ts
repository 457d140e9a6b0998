import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { runs } from "@/server/db/schema";
import { createPipeline } from "@/server/pipelines/pipelines";
import { claimPendingRun, RESOLVE_LEASE_MS } from "@/server/runs/pending-runs";
import { getRunView } from "@/server/runs/queries";
import { startRun } from "@/server/runs/start-run";
import { get, post, postGithubPush, put, testEnv, uniqueName, waitForRun } from "./api-helpers";
import {
  createTestDatabase,
  logText,
  startOperatorProcess,
  tempDir,
  waitFor,
  waitForOperator,
  waitForRunEnd,
  type OperatorProcess,
  type TestDatabase,
} from "./executor-helpers";
import { createRepo, createUser, giteaEnv, putFile, type GiteaEnv, type GiteaRepo } from "./gitea-helpers";
import { startHeldProxy, type HeldProxy } from "./held-proxy";
import { shellFile } from "./pipeline-repo";

/**
 * The file of a pipeline kept in its repository is read by the operator, after the run is queued:
 * a webhook is answered with the run at once, however slow the forge (here a real Gitea behind a
 * proxy that holds every connection until the test lets it through), and an operator that dies
 * while reading a file leaves a run that the restarted operator reads again and runs.
 */

const gitea = giteaEnv();
let repo: GiteaRepo;
let head: string;
const proxies: HeldProxy[] = [];

async function heldGitea(env: GiteaEnv): Promise<{ proxy: HeldProxy; url: string }> {
  const u = new URL(env.url);
  const proxy = await startHeldProxy({ host: u.hostname, port: Number(u.port) });
  proxies.push(proxy);
  // The certificate names 127.0.0.1, whatever the port: the proxy passes TLS through.
  return { proxy, url: `https://127.0.0.1:${proxy.port}/${repo.full_name}.git` };
}

beforeAll(async () => {
  if (!gitea) return;
  const dev = await createUser(gitea);
  repo = await createRepo(gitea, dev, uniqueName("file-later"));
  head = await putFile(gitea, repo, dev, ".gantry.yaml", shellFile("read by the operator"), "Add the pipeline");
}, 60_000);
afterAll(async () => {
  for (const p of proxies) await p.close();
});

describe.skipIf(!gitea)("the pipeline file is read after the webhook is answered", () => {
  const env = gitea as GiteaEnv;

  it("answers a push with the queued run while the forge has not answered the fetch, then runs the file", async () => {
    testEnv();
    const { proxy, url } = await heldGitea(env);
    const secret = `hook-${randomUUID()}`;
    const secretName = `LATER_${randomUUID().slice(0, 8).toUpperCase()}`;
    expect((await put(`/api/v1/projects/default/secrets/${secretName}`, { value: secret })).status).toBeLessThan(300);
    const created = await post("/api/v1/pipelines", {
      name: uniqueName("file-later"),
      repository: { url },
      triggers: [{ provider: "github", secret: secretName }],
      source: { from: "repository" },
      stages: [],
    });
    expect(created.status, created.text).toBe(201);
    const hook = await postGithubPush(created.body.id, secret, { sha: head, message: "Add the pipeline", cloneUrl: url });
    expect(hook.status, hook.text).toBe(201);
    expect(hook.body.message).toMatch(/^started run #1 for push of refs\/heads\/main/);

    // The operator is fetching the file now, through the proxy that holds it.
    await waitFor("the operator to fetch the pipeline file", async () => proxy.connections() > 0, 30_000);
    const waiting = (await get(`/api/v1/runs/${hook.body.runId}`)).body;
    expect(waiting).toMatchObject({ status: "queued", stages: [], message: "reading .gantry.yaml before the first task" });

    proxy.release();
    const run = await waitForRun(hook.body.runId, 90_000);
    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.message).toBeNull();
    const log = await get(`/api/v1/task-runs/${run.stages[0].tasks[0].id}/logs`, { headers: { accept: "text/plain" } });
    expect(log.text).toContain("read by the operator");
  }, 120_000);
});

describe.skipIf(!gitea)("an operator that dies while reading a pipeline file", () => {
  const env = gitea as GiteaEnv;
  let t: TestDatabase;
  let workspaces: string;
  const started: OperatorProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("gantry_file_later");
    workspaces = tempDir("file-later-ws");
  });
  afterEach(async () => {
    for (const op of started.splice(0)) {
      op.kill9();
      await op.exited;
    }
  });
  afterAll(async () => {
    await t?.close();
    rmSync(workspaces, { recursive: true, force: true });
  });

  const operator = (id: string) => {
    const op = startOperatorProcess({
      DATABASE_URL: t.url,
      GANTRY_OPERATOR_ID: id,
      GANTRY_WORKSPACES: workspaces,
      // The test forge: its CA for git, and its loopback address allowed (server/net/outbound.ts).
      GIT_SSL_CAINFO: env.ca,
      GANTRY_OUTBOUND_ALLOW: "127.0.0.1",
    });
    started.push(op);
    return op;
  };

  async function pendingRun(url: string): Promise<string> {
    const spec = PipelineSpecSchema.parse({ name: uniqueName("restart"), repository: { url }, source: { from: "repository" }, stages: [] });
    const p = await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID });
    return (await startRun(t.db, p.id, { trigger: "manual" })).id;
  }

  it("leaves the run to the restarted operator, which reads the file and runs it", async () => {
    const { proxy, url } = await heldGitea(env);
    const runId = await pendingRun(url);
    const first = operator("op-file-reader");
    await waitForOperator(first);
    await waitFor("the operator to claim the run and fetch its file", async () => {
      const [r] = await t.db.select({ by: runs.resolvingBy }).from(runs).where(eq(runs.id, runId));
      return r.by === "op-file-reader" && proxy.connections() > 0;
    });
    first.kill9();
    await first.exited;
    started.splice(started.indexOf(first), 1);
    const [left] = await t.db.select().from(runs).where(eq(runs.id, runId));
    expect(left).toMatchObject({ status: "queued", resolvingBy: "op-file-reader" });
    expect(left.pendingStart).not.toBeNull();

    // Its own claim, not yet lapsed, is taken back by the same operator after the restart.
    const seen = proxy.connections();
    const second = operator("op-file-reader");
    await waitForOperator(second);
    await waitFor("the restarted operator to fetch the file again", async () => proxy.connections() > seen, 30_000);
    proxy.release();
    const run = await waitForRunEnd(t.db, runId, 90_000);
    expect(run.status, run.message ?? "").toBe("succeeded");
    expect(await logText(t.db, run.stages[0].tasks[0].id)).toContain("read by the operator");
    const [after] = await t.db.select().from(runs).where(eq(runs.id, runId));
    expect(after).toMatchObject({ pendingStart: null, resolvingBy: null });
  }, 150_000);

  it("is taken over by another operator only once its claim has lapsed", async () => {
    const { url } = await heldGitea(env);
    const runId = await pendingRun(url);
    const at = new Date();
    expect(await claimPendingRun(t.db, runId, "op-dead", at)).toBe(true);
    expect(await claimPendingRun(t.db, runId, "op-other", new Date(at.getTime() + RESOLVE_LEASE_MS - 1000))).toBe(false);
    expect(await claimPendingRun(t.db, runId, "op-other", new Date(at.getTime() + RESOLVE_LEASE_MS + 1000))).toBe(true);
    expect((await getRunView(t.db, runId)).status).toBe("queued");
  });
});
