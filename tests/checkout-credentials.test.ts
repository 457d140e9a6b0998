import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { PipelineSpecSchema, type PipelineSpecInput } from "@/lib/pipeline-spec";
import { eq } from "drizzle-orm";
import { createMasker, MASK } from "@/lib/mask";
import { secrets as secretsTable, taskRuns } from "@/server/db/schema";
import { taskSecrets } from "@/server/secrets/run-secrets";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import { encrypt } from "@/server/secrets/crypto";
import { secretAad } from "@/server/secrets/secrets";
import { startGitHttpServer } from "./git-http-server";
import {
  createTestDatabase,
  gitEnv,
  logLines,
  sh,
  startInProcessOperator,
  taskOf,
  waitForRunEnd,
  type TestDatabase,
} from "./executor-helpers";

/**
 * A private repository in local mode, end to end: a real git server (git's own `http-backend`
 * CGI behind a small HTTPS server that wants Basic auth), the token a project secret named by the
 * spec's `repository.credentials`, the operator's scheduler in this process. The right token
 * clones; a wrong or missing one fails the task with git's reason; the token is in no stored log
 * line and not in the task's environment.
 */

let t: TestDatabase;
let op: ReturnType<typeof startInProcessOperator>;
let root: string;
let server: Server;
let url: string;
let head: string;
const savedCa = process.env.GIT_SSL_CAINFO;
const token = `tok-${randomBytes(12).toString("hex")}`;
/** Authorization headers the server was sent, to show what git used. */
const seenUsers: string[] = [];
/** Command lines of this machine's processes that held a credential while git was asking the server. */
const argvHits: string[] = [];

/** Every process's argv, looked at while the clone runs (git and its helpers are alive then). */
function scanArgv(values: string[]) {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (values.some((v) => cmd.includes(v))) argvHits.push(`${pid}: ${cmd}`);
  }
}

async function addSecret(name: string, value: string) {
  const { ciphertext, keyId } = encrypt(value, secretAad(DEFAULT_PROJECT_ID, name));
  await t.db.insert(secretsTable).values({ id: randomUUID(), projectId: DEFAULT_PROJECT_ID, name, ciphertext, keyId });
}

async function pipeline(repository: PipelineSpecInput["repository"], script: string): Promise<string> {
  const spec = PipelineSpecSchema.parse({
    name: `priv-${randomBytes(4).toString("hex")}`,
    repository,
    stages: [{ name: "build", tasks: [sh("build", script)] }],
  });
  return (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id;
}

/** Everything stored about a task run that anyone could read: its log lines and its message. */
async function storedText(taskRunId: string, message: string | null): Promise<string> {
  return [...(await logLines(t.db, taskRunId)).map((l) => l.text), message ?? ""].join("\n");
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "gantry-private-"));
  const repos = path.join(root, "repos");
  const repo = path.join(repos, "web.git");
  const work = path.join(root, "work");
  execFileSync("git", ["init", "-q", "-b", "main", work], { env: gitEnv });
  writeFileSync(path.join(work, "VERSION"), "7\n");
  execFileSync("git", ["-C", work, "add", "VERSION"], { env: gitEnv });
  execFileSync("git", ["-C", work, "commit", "-q", "-m", "private"], { env: gitEnv });
  head = execFileSync("git", ["-C", work, "rev-parse", "HEAD"], { env: gitEnv, encoding: "utf8" }).trim();
  execFileSync("git", ["clone", "-q", "--bare", work, repo], { env: gitEnv });

  // A certificate of its own, trusted as docs/repository.md tells an administrator to trust a
  // private CA: GIT_SSL_CAINFO in the operator's environment, which local clones get.
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    {
      cwd: root,
      stdio: "ignore",
    },
  );
  process.env.GIT_SSL_CAINFO = path.join(root, "cert.pem");

  server = await startGitHttpServer({
    projectRoot: repos,
    tls: { key: readFileSync(path.join(root, "key.pem")), cert: readFileSync(path.join(root, "cert.pem")) },
    user: "x-access-token",
    password: token,
    onRequest: (user) => {
      scanArgv([token, "not-the-token"]);
      if (user !== undefined) seenUsers.push(user);
    },
  });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/web.git`;
  t = await createTestDatabase("gantry_private");
  await addSecret("GIT_TOKEN", token);
  await addSecret("WRONG_TOKEN", "not-the-token");
  op = startInProcessOperator(t.db, { concurrency: 2 });
}, 60_000);

afterAll(async () => {
  if (savedCa === undefined) delete process.env.GIT_SSL_CAINFO;
  else process.env.GIT_SSL_CAINFO = savedCa;
  await op?.stop();
  await t?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("checkout of a private repository over HTTPS (local executor)", () => {
  it("clones with the token of the secret the spec names; the task gets neither the token nor the clone's variables, and no stored line holds it", async () => {
    const id = await pipeline(
      { url, credentials: { secret: "GIT_TOKEN" } },
      'echo "version $(cat src/VERSION)"; echo "pw=${GANTRY_GIT_PASSWORD-unset}"; env | grep -c GANTRY_GIT || true',
    );
    const view = await waitForRunEnd(t.db, (await createRun(t.db, id)).id, 60_000);
    const task = taskOf(view, "build");
    expect(view.status, task.message ?? "").toBe("succeeded");
    const text = await storedText(task.id, task.message);
    expect(text).toContain(`checked out ${head} (private)`);
    expect(text).toContain("version 7");
    expect(text).toContain("pw=unset");
    // `grep -c` counted no GANTRY_GIT_* variable in the task's environment.
    expect(text).toMatch(/^0$/m);
    expect(text).not.toContain(token);
    expect(seenUsers).toContain("x-access-token");
    // The operator masks the clone's credential like the task's own secrets, which it does not get.
    const [row] = await t.db.select().from(taskRuns).where(eq(taskRuns.id, task.id));
    const sec = await taskSecrets(t.db, { id: view.id, pipelineId: id, params: {}, secretNames: [] }, row.plan);
    expect(sec).toMatchObject({ secrets: {}, clone: { GIT_TOKEN: token } });
    expect(createMasker(sec.values)(`x ${token} y`)).toBe(`x ${MASK} y`);
    expect(JSON.stringify(row.plan)).not.toContain(token);
    expect(argvHits, "no process's command line may hold the token").toEqual([]);
  }, 90_000);

  it("fails the task with git's reason when the token is wrong, before the task runs, without writing the token anywhere", async () => {
    const id = await pipeline({ url, credentials: { secret: "WRONG_TOKEN" } }, "echo task ran");
    const view = await waitForRunEnd(t.db, (await createRun(t.db, id)).id, 60_000);
    const task = taskOf(view, "build");
    expect(view.status).toBe("failed");
    expect(task.message).toMatch(
      /^clone failed with exit code 128: fatal: Authentication failed for 'https:\/\/127\.0\.0\.1:\d+\/web\.git\/'$/,
    );
    const text = await storedText(task.id, task.message);
    expect(text).not.toContain("task ran");
    expect(text).not.toContain("not-the-token");
    expect(argvHits).toEqual([]);
  }, 90_000);

  it("fails the task saying git could not ask for a user name when the spec gives no credentials", async () => {
    const id = await pipeline({ url }, "echo task ran");
    const view = await waitForRunEnd(t.db, (await createRun(t.db, id)).id, 60_000);
    const task = taskOf(view, "build");
    expect(view.status).toBe("failed");
    expect(task.message).toMatch(
      /^clone failed with exit code 128: fatal: could not read Username for 'https:\/\/127\.0\.0\.1:\d+': terminal prompts disabled$/,
    );
  }, 90_000);

  it("refuses to save a pipeline whose credentials name a secret the project does not have", async () => {
    await expect(pipeline({ url, credentials: { secret: "NO_SUCH_TOKEN" } }, "true")).rejects.toMatchObject({
      details: { errors: [{ path: "repository.credentials.secret", message: expect.stringContaining("no secret named 'NO_SUCH_TOKEN'") }] },
    });
  });
});

describe("the git-clone template on a private repository (local executor)", () => {
  async function clonePipeline(secret: string): Promise<string> {
    const spec = PipelineSpecSchema.parse({
      name: `tpl-${randomBytes(4).toString("hex")}`,
      stages: [
        { name: "src", tasks: [{ name: "clone", template: "git-clone", params: { url, dir: "code", token: `{{ secrets.${secret} }}` } }] },
        { name: "use", tasks: [sh("show", 'echo "built {{ tasks.clone.results.commit }} of version $(cat code/VERSION)"')] },
      ],
    });
    return (await createPipeline(t.db, { spec, projectId: DEFAULT_PROJECT_ID })).id;
  }

  it("clones with the token secret param at the commit asked, gives result commit to the next task, and keeps the token out of logs and command lines", async () => {
    seenUsers.length = 0;
    const view = await waitForRunEnd(t.db, (await createRun(t.db, await clonePipeline("GIT_TOKEN"))).id, 60_000);
    const clone = taskOf(view, "clone");
    expect(view.status, clone.message ?? "").toBe("succeeded");
    const [row] = await t.db.select().from(taskRuns).where(eq(taskRuns.id, clone.id));
    expect(row.results).toEqual({ commit: head });
    expect(await storedText(clone.id, clone.message)).toContain(`checked out ${head} (private)`);
    const show = taskOf(view, "show");
    expect(await storedText(show.id, show.message)).toContain(`built ${head} of version 7`);
    expect(seenUsers).toContain("x-access-token");
    for (const task of [clone, show]) expect(await storedText(task.id, task.message)).not.toContain(token);
    expect(JSON.stringify(row.plan)).not.toContain(token);
    expect(argvHits, "no process's command line may hold the token").toEqual([]);
  }, 90_000);

  it("fails the clone task with git's authentication error when the token is wrong", async () => {
    const view = await waitForRunEnd(t.db, (await createRun(t.db, await clonePipeline("WRONG_TOKEN"))).id, 60_000);
    const clone = taskOf(view, "clone");
    expect(view.status).toBe("failed");
    expect(clone.status).toBe("failed");
    expect(await storedText(clone.id, clone.message)).toMatch(/fatal: Authentication failed for 'https:\/\/127\.0\.0\.1:\d+\/web\.git\/'/);
    expect(taskOf(view, "show").status).not.toBe("succeeded");
  }, 90_000);
});
