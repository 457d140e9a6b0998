import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/scripts/lib/proc";

/**
 * `npm start` killed outright (SIGKILL: `kill -9`, the OOM killer, a CI runner's timeout) must
 * leave no web app, operator or MariaDB behind, and the next `npm start` must come up on the same
 * data directory and ports. Each start here is the real `node scripts/bootstrap.mjs start` on a
 * private data directory and free ports; its processes are found through a marker in their
 * environment, which every process it starts inherits.
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const home = mkdtempSync(path.join(tmpdir(), "gantry-kill-"));
const marks: string[] = [];

interface Proc {
  pid: number;
  cmd: string;
}

/** Live processes (zombies are dead: nobody may reap them here) whose environment has the marker. */
function marked(mark: string): Proc[] {
  const found: Proc[] = [];
  const needle = `GANTRY_KILL_TEST_MARK=${mark}`;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/environ`, "latin1").split("\0").includes(needle)) continue;
      const st = readFileSync(`/proc/${d}/stat`, "utf8");
      if (st.slice(st.lastIndexOf(")") + 2).startsWith("Z")) continue;
      found.push({ pid: Number(d), cmd: readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").join(" ").trim() });
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ports = { web: 0, db: 0 };

/** `npm start` as a user runs it, in a process group of its own (as a shell would give it). */
function npmStart(mark: string): { child: ChildProcess; output: () => string } {
  // The test stack's database and log store are not this one's.
  const skip = new Set([
    "DATABASE_URL",
    "ELASTICSEARCH_URL",
    "GANTRY_EXECUTOR",
    "NODE_OPTIONS",
    "VITEST",
    "VITEST_POOL_ID",
    "VITEST_WORKER_ID",
  ]);
  const env: Record<string, string | undefined> = Object.fromEntries(Object.entries(process.env).filter(([k]) => !skip.has(k)));
  Object.assign(env, {
    GANTRY_KILL_TEST_MARK: mark,
    PORT: String(ports.web),
    GANTRY_DB_PORT: String(ports.db),
    GANTRY_DB_DIR: path.join(home, "db"),
    GANTRY_ADMIN_PASSWORD: "kill-test-admin-password",
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    GANTRY_SECRET_KEY: randomBytes(32).toString("base64"),
    GANTRY_WORKSPACES: path.join(home, "workspaces"),
    GANTRY_CACHE_DIR: path.join(home, "cache"),
    GANTRY_ARTIFACTS_DIR: path.join(home, "artifacts"),
    GANTRY_METRICS_PORT: "0",
    LOG_LEVEL: "warn",
  });
  marks.push(mark);
  let out = "";
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/bootstrap.mjs"), "start"], {
    cwd: ROOT,
    env: env as unknown as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
  child.stderr?.on("data", (b: Buffer) => (out = (out + b.toString()).slice(-8000)));
  return { child, output: () => out };
}

async function ready(start: { child: ChildProcess; output: () => string }) {
  await until(
    "/api/readyz of the started Gantry",
    async () => {
      if (start.child.exitCode !== null) throw new Error(`npm start exited with ${start.child.exitCode}:\n${start.output()}`);
      const r = await fetch(`http://127.0.0.1:${ports.web}/api/readyz`);
      return r.ok ? true : undefined;
    },
    180_000,
  );
}

function describeAll(ps: Proc[]) {
  return ps.map((p) => `${p.pid} ${p.cmd.slice(0, 160)}`).join("\n");
}

/** Starts Gantry, checks its three servers run, kills what `kill` names with SIGKILL, and waits for everything to be gone. */
async function startThenKill(kill: (bootstrapPid: number) => void) {
  const mark = randomBytes(8).toString("hex");
  const start = npmStart(mark);
  await ready(start);
  const before = marked(mark);
  const has = (re: RegExp) => before.some((p) => re.test(p.cmd));
  expect(has(/mariadbd .*--datadir=/), `no MariaDB among the started processes:\n${describeAll(before)}`).toBe(true);
  expect(has(/next-server|next\/dist\/bin\/next start/), `no web app among the started processes:\n${describeAll(before)}`).toBe(true);
  expect(has(/operator\.mjs/), `no operator among the started processes:\n${describeAll(before)}`).toBe(true);

  kill(start.child.pid!);
  try {
    await until("every process of the killed npm start to stop", () => (marked(mark).length === 0 ? true : undefined), 90_000);
  } catch {
    throw new Error(`still running after npm start was killed:\n${describeAll(marked(mark))}\noutput:\n${start.output()}`);
  }
  // The web port and the database port are free again.
  await expect(fetch(`http://127.0.0.1:${ports.web}/api/readyz`)).rejects.toThrow();
}

beforeAll(async () => {
  ports.web = await freePort();
  ports.db = await freePort();
});

afterAll(() => {
  // Whatever a failed case left behind: only the processes this file started (they carry its marks).
  for (const m of marks) for (const p of marked(m)) process.kill(p.pid, "SIGKILL");
  rmSync(home, { recursive: true, force: true });
});

describe("npm start killed with SIGKILL", () => {
  it("stops the web app, the operator and MariaDB when npm start itself is killed", async () => {
    await startThenKill((pid) => process.kill(pid, "SIGKILL"));
  }, 300_000);

  it("stops them too when npm start and its orchestrator are killed together, and the next npm start comes up", async () => {
    // The whole process group: `kill -9 -<pgid>`, a terminal's or a supervisor's way.
    await startThenKill((pid) => process.kill(-pid, "SIGKILL"));
    const mark = randomBytes(8).toString("hex");
    const again = npmStart(mark);
    await ready(again);
    // An orderly stop (Ctrl-C) of this one; nothing of it remains either.
    process.kill(-again.child.pid!, "SIGINT");
    await until("the restarted Gantry to stop on Ctrl-C", () => (marked(mark).length === 0 ? true : undefined), 90_000);
  }, 300_000);
});
