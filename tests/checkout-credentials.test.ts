import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
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
const savedHome = process.env.HOME;
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

/** git http-backend as a CGI: the request's body on stdin, headers and body on stdout. */
function startGitServer(projectRoot: string, cert: { key: Buffer; cert: Buffer }): Promise<Server> {
  const s = createServer(cert, (req, res) => {
    scanArgv([token, "not-the-token"]);
    const auth = req.headers.authorization ?? "";
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ""), "base64")
      .toString()
      .split(":");
    if (auth) seenUsers.push(user);
    if (!auth.startsWith("Basic ") || user !== "x-access-token" || pass !== token) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("unauthorised");
      return;
    }
    const u = new URL(req.url ?? "/", "https://x");
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        REQUEST_METHOD: req.method,
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_USER: user,
        REMOTE_ADDR: "127.0.0.1",
        ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      } as unknown as NodeJS.ProcessEnv,
    });
    req.pipe(cgi.stdin);
    let buf = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (d: Buffer) => {
      if (headersDone) return void res.write(d);
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of buf.subarray(0, end).toString().split("\r\n")) {
        const i = line.indexOf(":");
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(buf.subarray(end + 4));
    });
    cgi.on("close", () => res.end());
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
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

  // A certificate of its own, trusted by the operator user's git config: in local mode the clone
  // runs with the operator's HOME, as docs/repository.md says.
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
  const home = path.join(root, "home");
  mkdirSync(home);
  writeFileSync(path.join(home, ".gitconfig"), `[http]\n\tsslCAInfo = ${path.join(root, "cert.pem")}\n`);
  process.env.HOME = home;

  server = await startGitServer(repos, { key: readFileSync(path.join(root, "key.pem")), cert: readFileSync(path.join(root, "cert.pem")) });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/web.git`;
  t = await createTestDatabase("gantry_private");
  await addSecret("GIT_TOKEN", token);
  await addSecret("WRONG_TOKEN", "not-the-token");
  op = startInProcessOperator(t.db, { concurrency: 2 });
}, 60_000);

afterAll(async () => {
  process.env.HOME = savedHome;
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
