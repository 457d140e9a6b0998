import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, get, post, put, sandboxReadableDir, testEnv, uniqueName, waitForRun } from "../api-helpers";

/**
 * Issue 16, item 3: a local task must not own the instance. Through the running stack (local
 * executor, sandbox required by default), a task tries what the attack review did: Gantry's
 * secrets in .gantry/, the operator's and another project's running task's environment through
 * /proc, another run's workspace, writing outside its own, the database over TCP and its socket.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const GANTRY_DIR = path.join(ROOT, ".gantry");
const WORKSPACES = path.join(GANTRY_DIR, "test-workspaces");
const tag = randomBytes(4).toString("hex");
const created: string[] = [];

/** Processes on this machine whose environment has `needle` (the test runs as root and sees all). */
function pidsWithEnv(needle: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/environ`, "utf8").split("\0").includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The stack's operator: started by `npm test` from this checkout, running the built operator. */
function operatorPid(): number {
  for (const e of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8");
      if (cmd.includes("operator.mjs") && readlinkSync(`/proc/${e}/cwd`) === ROOT) return Number(e);
    } catch {
      // gone, or a kernel thread
    }
  }
  throw new Error(`no operator process of the stack under test (cwd ${ROOT}) found`);
}

async function logOf(run: { stages: { tasks: { id: string; name: string }[] }[] }, task: string): Promise<string> {
  const t = run.stages.flatMap((s) => s.tasks).find((x) => x.name === task);
  if (!t) throw new Error(`no task ${task}`);
  return (await get(`/api/v1/task-runs/${t.id}/logs`, { headers: { accept: "text/plain" } })).text;
}

async function runPipeline(spec: unknown, project = "default", timeoutMs = 60_000) {
  const p = await post(`/api/v1/pipelines?project=${project}`, spec);
  expect(p.status, p.text).toBe(201);
  const r = await post(`/api/v1/pipelines/${p.body.id}/runs`, {});
  expect(r.status, r.text).toBe(201);
  return { runId: r.body.id as string, done: () => waitForRun(r.body.id, timeoutMs) };
}

/** The database URL's port, to attack it from inside. */
const dbPort = () => new URL(process.env.DATABASE_URL!).port;

let secretFiles: Record<string, string>;
let victimSecret: string;
let victim: { runId: string; taskPid: number };

beforeAll(async () => {
  testEnv();
  // The secrets the review read. `npm test` writes the first two; the third only `npm start`, so a canary stands in.
  secretFiles = {};
  for (const name of ["secret-key", "nextauth-secret", "initial-admin-password", "test-db/root-password"]) {
    const f = path.join(GANTRY_DIR, name);
    if (!existsSync(f)) {
      writeFileSync(f, `canary-${name}-${tag}\n`, { mode: 0o600 });
      created.push(f);
    }
    secretFiles[f] = readFileSync(f, "utf8").trim();
  }
  // The test CA's private key sits beside the bundle tasks may read.
  const caKey = path.join(GANTRY_DIR, "test-ca/ca-key.pem");
  if (existsSync(caKey)) secretFiles[caKey] = readFileSync(caKey, "utf8").trim();
  // Another project's task, running, with a secret in its environment and a file in its workspace.
  const slug = uniqueName("victim");
  expect((await post("/api/v1/projects", { slug, name: `Victim ${slug}` })).status).toBe(201);
  victimSecret = `victim-${randomBytes(12).toString("hex")}`;
  expect((await put(`/api/v1/projects/${slug}/secrets/VICTIM_SECRET`, { value: victimSecret })).status).toBeLessThan(300);
  const spec = {
    name: uniqueName("victim"),
    stages: [
      {
        name: "s",
        tasks: [
          {
            name: "sleeper",
            template: "shell",
            secrets: ["VICTIM_SECRET"],
            params: { script: 'printf %s "$VICTIM_SECRET" > victim.txt; echo ready; sleep 120' },
          },
        ],
      },
    ],
  };
  const { runId } = await runPipeline(spec, slug);
  const taskPid = await (async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const pids = pidsWithEnv(`VICTIM_SECRET=${victimSecret}`);
      const run = (await get(`/api/v1/runs/${runId}`)).body;
      if (pids.length && run.status === "running" && existsSync(path.join(WORKSPACES, runId, "victim.txt"))) return Math.max(...pids);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the victim task did not start");
  })();
  victim = { runId, taskPid };
}, 60_000);

afterAll(async () => {
  if (victim) await call("POST", `/api/v1/runs/${victim.runId}/cancel`, { body: {} });
  for (const f of created) rmSync(f, { force: true });
});

describe("a local task in the sandbox", () => {
  it("reads none of Gantry's secrets, environments, workspaces or database, and writes nothing outside its workspace", async () => {
    const op = operatorPid();
    const outside = [
      path.join(ROOT, `pwned-${tag}`),
      `/var/tmp/pwned-${tag}`,
      path.join(WORKSPACES, `pwned-${tag}`),
      path.join(WORKSPACES, victim.runId, `pwned-${tag}`),
    ];
    const sock = path.join(GANTRY_DIR, "test-db/mysqld.sock");
    expect(existsSync(sock), "the test database's socket is where the attack looks").toBe(true);
    // Every probe's output, and reversed (a log mask must not be what hides a leak).
    const script = [
      // Every probe is expected to fail: go on after each.
      "set +e; set +o pipefail 2>/dev/null",
      'probe() { label=$1; shift; out=$("$@" 2>&1 | head -c 20000); echo "$label: $out"; echo "$label (reversed): $(printf %s "$out" | rev)"; }',
      'echo "uid=$(id -u) gid=$(id -g)"',
      ...Object.keys(secretFiles).map((f) => `probe "read ${path.basename(f)}" cat ${f}`),
      `probe "list .gantry" sh -c 'ls -A ${GANTRY_DIR} | tr "\\n" " "'`,
      `probe "operator environ" cat /proc/${op}/environ`,
      `probe "victim environ" cat /proc/${victim.taskPid}/environ`,
      "probe \"every environ\" sh -c 'cat /proc/[0-9]*/environ'",
      `probe "victim workspace" cat ${path.join(WORKSPACES, victim.runId, "victim.txt")}`,
      `probe "list workspaces" sh -c 'ls -A ${WORKSPACES} | tr "\\n" " "'`,
      ...outside.map((f) => `touch ${f} 2>/dev/null && echo "wrote ${f}"`),
      `probe "database over TCP" mariadb --no-defaults --connect-timeout=3 -h 127.0.0.1 -P ${dbPort()} -uroot -e "show databases"`,
      `probe "database socket" mariadb --no-defaults -S ${sock} -uroot -e "show databases"`,
      "echo attack-done",
    ].join("\n");
    const { done } = await runPipeline({
      name: uniqueName("attacker"),
      stages: [{ name: "s", tasks: [{ name: "attack", template: "shell", params: { script } }] }],
    });
    const run = await done();
    const log = await logOf(run, "attack");
    expect(log, "the attack script ran to its end").toContain("attack-done");

    expect(log).toMatch(/uid=(\d+) gid=\d+/);
    expect(Number(/uid=(\d+)/.exec(log)![1]), "the task is not root").not.toBe(0);
    const rev = (s: string) => [...s].reverse().join("");
    const secrets: Record<string, string> = {
      ...Object.fromEntries(Object.entries(secretFiles).map(([f, v]) => [path.basename(f), v])),
      GANTRY_SECRET_KEY: process.env.GANTRY_SECRET_KEY!,
      "the victim's secret": victimSecret,
    };
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThan(8);
      expect(log.includes(value) || log.includes(rev(value)), `${what} leaked into the attacker's log`).toBe(false);
    }
    // The operator's environment has the database URL; its databases' names must not show.
    expect(log).not.toContain("DATABASE_URL=");
    expect(log).not.toMatch(/gantry_test|information_schema/);
    // Tasks have the machine's network (to clone and fetch dependencies): the database answers,
    // and refuses them, since only Gantry knows its password.
    expect(log).toMatch(/database over TCP: .*Access denied for user 'root'/);
    // Judged on the host, not by the task's word: when the checkout itself lies under /tmp (a CI
    // clone), those paths are inside the task's private /tmp, where a write lands nowhere.
    for (const f of outside) expect(existsSync(f), `${f} was written from inside the sandbox`).toBe(false);
    // Hidden, not merely unreadable: the names of Gantry's files and of other runs do not show either.
    // (Only the way down to its own workspace, which it knows from GANTRY_WORKSPACE, shows.)
    const gantryListing = (log.split("\n").find((l) => l.startsWith("list .gantry:")) ?? "")
      .slice("list .gantry:".length)
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    // The test CA's bundle (the stack's GIT_SSL_CAINFO, npm test's https Gitea) is shown to tasks
    // read-only, so its directory shows too; its key does not (read above, as a secret).
    const shown = [path.basename(WORKSPACES), "test-ca"];
    expect(
      gantryListing.filter((n) => !shown.includes(n)),
      "what the task sees of .gantry/",
    ).toEqual([]);
    const listed = log.split("\n").find((l) => l.startsWith("list workspaces:")) ?? "";
    expect(listed, "the workspaces listing").not.toContain(victim.runId);
  }, 90_000);

  it("the same database attack works from outside the sandbox with the password Gantry keeps (so the test can fail)", () => {
    const password = decodeURIComponent(new URL(process.env.DATABASE_URL!).password);
    expect(password.length, "the private database has a password").toBeGreaterThan(8);
    const out = execFileSync("mariadb", ["--no-defaults", "-h", "127.0.0.1", "-P", dbPort(), "-uroot", "-e", "show databases"], {
      encoding: "utf8",
      env: { ...process.env, MYSQL_PWD: password },
    });
    expect(out).toContain("information_schema");
    expect(readFileSync(`/proc/${victim.taskPid}/environ`, "utf8")).toContain(victimSecret);
  });

  it("still builds: clones, writes its workspace for the next stage, gets the env and secrets it is given, has a writable HOME and /tmp", async () => {
    const repo = sandboxReadableDir("gantry-sandbox-repo-");
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", repo, ...args], {
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "Dev",
          GIT_AUTHOR_EMAIL: "d@example.test",
          GIT_COMMITTER_NAME: "Dev",
          GIT_COMMITTER_EMAIL: "d@example.test",
        },
      }).trim();
    git("init", "-q", "-b", "main");
    writeFileSync(path.join(repo, "hello.txt"), "hello from the repo\n");
    git("add", ".");
    git("commit", "-q", "-m", "first");
    const sha = git("rev-parse", "HEAD");
    expect((await put(`/api/v1/projects/default/secrets/SANDBOX_TOKEN_${tag.toUpperCase()}`, { value: `tok-${tag}` })).status).toBeLessThan(
      300,
    );
    try {
      const { done } = await runPipeline({
        name: uniqueName("sandbox-build"),
        repository: { url: `file://${repo}`, revision: "main" },
        stages: [
          {
            name: "build",
            tasks: [
              {
                name: "make",
                template: "shell",
                env: { GREETING: "bonjour" },
                secrets: [`SANDBOX_TOKEN_${tag.toUpperCase()}`],
                params: {
                  script: `cat src/hello.txt > built.txt; echo "$GREETING" >> built.txt; [ "$SANDBOX_TOKEN_${tag.toUpperCase()}" = tok-${tag} ] && echo token-ok; echo home > "$HOME/h" && echo tmp > /tmp/t && echo home-and-tmp-ok; git -C src rev-parse HEAD`,
                },
              },
            ],
          },
          { name: "check", tasks: [{ name: "read", template: "shell", params: { script: "cat built.txt; id -u" } }] },
        ],
      });
      const run = await done();
      const make = await logOf(run, "make");
      expect(run.status, make).toBe("succeeded");
      expect(make).toContain("token-ok");
      expect(make).toContain("home-and-tmp-ok");
      expect(make).toContain(sha);
      const read = await logOf(run, "read");
      expect(read).toContain("hello from the repo\nbonjour");
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 90_000);
});
