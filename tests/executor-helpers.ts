import { DEFAULT_PROJECT_ID } from "@/lib/projects";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import pino from "pino";
import { eq } from "drizzle-orm";
import { PipelineSpecSchema, type PipelineSpecInput } from "@/lib/pipeline-spec";
import type { TaskPlan } from "@/lib/plan";
import { isFinal, type RunStatus } from "@/lib/status";
import { createDb, type Db } from "@/server/db/client";
import { applyMigrations } from "@/server/db/migrate";
import { runs, taskRuns } from "@/server/db/schema";
import { MySqlLogStore, type LogLine } from "@/server/logs/store";
import { createPipeline } from "@/server/pipelines/pipelines";
import { createRun } from "@/server/runs/create-run";
import { getRunView, type RunView, type TaskRunView } from "@/server/runs/queries";
import { seed } from "@/server/seed/seed";
import { LocalExecutor } from "@/operator/executors/local/local-executor";
import { SANDBOX_OFF, type SandboxSettings } from "@/operator/executors/local/sandbox";
import { Scheduler, type SchedulerOptions } from "@/operator/scheduler/scheduler";

/**
 * Helpers for the executor integration tests: a private database per test file on the test
 * MariaDB server (not DATABASE_URL's, where the stack's own operator runs), pipelines and runs,
 * and operators in process or as child processes.
 */

export const ROOT = path.resolve(import.meta.dirname, "..");

export function adminUrl(): string {
  const u = process.env.GANTRY_TEST_DB_ADMIN_URL;
  if (!u) throw new Error("GANTRY_TEST_DB_ADMIN_URL must name a MariaDB server to create test databases on; `npm test` sets it");
  return u.endsWith("/") ? u : `${u}/`;
}

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  /** Plain SQL for checks Drizzle has no reason to express (raw stored chunks). */
  query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
}

/** A fresh, migrated and seeded database; dropped by `close`. */
export async function createTestDatabase(prefix = "gantry_exec"): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = await mysql.createConnection(adminUrl());
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const url = adminUrl() + name;
  const { db, pool } = createDb(url);
  await applyMigrations(db);
  await seed(db, { adminPassword: "executor-test-password", demo: false });
  return {
    name,
    url,
    db,
    query: async <T>(q: string, params: unknown[] = []) => (await pool.query(q, params))[0] as T[],
    close: async () => {
      await pool.end();
      const c = await mysql.createConnection(adminUrl());
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export { gitEnv } from "./git-env";

export const tempDir = (label: string) => mkdtempSync(path.join(tmpdir(), `gantry-${label}-`));

type StageInput = PipelineSpecInput["stages"][number];
type ParamInput = NonNullable<PipelineSpecInput["params"]>[number];

/** A shell task of a stage. */
export const sh = (name: string, script: string, extra: Partial<StageInput["tasks"][number]> = {}) => ({
  name,
  template: "shell",
  params: { script },
  ...extra,
});

export async function createTestPipeline(
  db: Db,
  stages: StageInput[],
  params: ParamInput[] = [],
  projectId = DEFAULT_PROJECT_ID,
): Promise<string> {
  const spec = PipelineSpecSchema.parse({ name: `p-${randomBytes(5).toString("hex")}`, params, stages });
  return (await createPipeline(db, { spec, projectId })).id;
}

/** Creates a pipeline with these stages (in the default project unless told) and queues a run of it. */
export async function startRun(
  db: Db,
  stages: StageInput[],
  opts: { params?: ParamInput[]; values?: Record<string, string>; projectId?: string } = {},
): Promise<string> {
  const pipelineId = await createTestPipeline(db, stages, opts.params, opts.projectId);
  return (await createRun(db, pipelineId, { params: opts.values })).id;
}

/**
 * Queues a run whose task plans are given as is, for what the catalog can't express (a program
 * that doesn't exist, a template that can't run locally).
 */
export async function startRunWithPlans(db: Db, tasks: { name: string; plan: Partial<TaskPlan> }[]): Promise<string> {
  const pipelineId = await createTestPipeline(db, [{ name: "only", tasks: [sh("placeholder", "true")] }]);
  const runId = randomUUID();
  await db.transaction(async (tx) => {
    await tx.insert(runs).values({ id: runId, pipelineId, number: 2, version: 1, status: "queued", params: {}, secretNames: [] });
    await tx.insert(taskRuns).values(
      tasks.map((t, i) => ({
        id: randomUUID(),
        runId,
        stageIndex: 0,
        stageName: "only",
        stageMode: "sequential" as const,
        taskIndex: i,
        name: t.name,
        status: "queued" as const,
        plan: {
          template: "custom",
          templateVersion: 1,
          image: "none",
          command: ["true"],
          localCommand: ["true"],
          env: {},
          timeoutSeconds: 60,
          retries: 0,
          ...t.plan,
        },
      })),
    );
  });
  return runId;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

/** Waits until the run has ended and returns it. */
export async function waitForRunEnd(db: Db, runId: string, timeoutMs = 20_000): Promise<RunView> {
  return waitFor(
    `run ${runId} to end`,
    async () => {
      const v = await getRunView(db, runId);
      return isFinal(v.status) ? v : null;
    },
    timeoutMs,
  );
}

export async function waitForTask(db: Db, runId: string, name: string, status: RunStatus, timeoutMs = 20_000): Promise<TaskRunView> {
  return waitFor(
    `task '${name}' to be ${status}`,
    async () => {
      const t = taskOf(await getRunView(db, runId), name);
      return t.status === status ? t : null;
    },
    timeoutMs,
  );
}

export function taskOf(run: RunView, name: string): TaskRunView {
  const t = run.stages.flatMap((s) => s.tasks).find((x) => x.name === name);
  if (!t) throw new Error(`run has no task '${name}'`);
  return t;
}

export async function logLines(db: Db, taskRunId: string): Promise<LogLine[]> {
  return new MySqlLogStore(db).read(taskRunId, 0, 1_000_000);
}

export async function logText(db: Db, taskRunId: string, stream?: LogLine["stream"]): Promise<string[]> {
  return (await logLines(db, taskRunId)).filter((l) => !stream || l.stream === stream).map((l) => l.text);
}

/** True while a process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return !existsSync(`/proc/${pid}`);
  }
}

/** Reads a pid a task wrote into its workspace, once it is there. */
export async function pidFile(workspaces: string, runId: string, file: string): Promise<number> {
  return waitFor(`${file} in the workspace`, async () => {
    const p = path.join(workspaces, runId, file);
    if (!existsSync(p)) return null;
    const n = Number(readFileSync(p, "utf8").trim());
    return n > 0 ? n : null;
  });
}

export const quietLogger = () => pino({ level: process.env.GANTRY_TEST_VERBOSE ? "debug" : "silent" });

/**
 * An operator scheduler in this process, on its own workspace root. Unsandboxed unless told: these
 * suites check process semantics through host pids a task writes, which its PID namespace would
 * hide; executor-sandbox.test.ts runs the same semantics in the sandbox.
 */
export function startInProcessOperator(
  db: Db,
  opts: {
    concurrency?: number;
    killGraceMs?: number;
    operatorId?: string;
    sweepMs?: number;
    sandbox?: SandboxSettings;
    /** Root of the pipelines' build caches (none: tasks get no $GANTRY_CACHE). */
    cacheDir?: string;
    /** Run retention, as operator/main.ts sets it up (none: off). */
    retention?: SchedulerOptions["retention"];
  } = {},
) {
  const workspaces = tempDir("ws");
  // mkdtemp's 0700 would keep the sandbox's uid out of its workspaces.
  if (opts.sandbox && opts.sandbox.mode !== "off") chmodSync(workspaces, 0o755);
  const scheduler = new Scheduler({
    db,
    executor: new LocalExecutor({
      workspacesDir: workspaces,
      cacheDir: opts.cacheDir,
      killGraceMs: opts.killGraceMs ?? 500,
      sandbox: opts.sandbox ?? SANDBOX_OFF,
    }),
    operatorId: opts.operatorId ?? `test-inproc-${randomBytes(3).toString("hex")}`,
    concurrency: opts.concurrency ?? 8,
    pollMs: 50,
    sweepMs: opts.sweepMs,
    retention: opts.retention,
    log: quietLogger(),
  });
  scheduler.start();
  return {
    scheduler,
    workspaces,
    stop: async () => {
      await scheduler.stop(0);
      rmSync(workspaces, { recursive: true, force: true });
    },
  };
}

export interface OperatorProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the operator, as a process supervisor sends it. */
  term: () => void;
  /** SIGKILL to tsx and the operator: no drain, no clean-up, as in a crash. */
  kill9: () => void;
}

/** The real operator entrypoint (operator/main.ts) as a child process via tsx. */
export function startOperatorProcess(env: Record<string, string>): OperatorProcess {
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["operator/main.ts"], {
    cwd: ROOT,
    detached: true, // its own group, so SIGKILL reaches tsx and the node process it starts
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      LOG_LEVEL: "info",
      // Crash and restart suites follow the task by the host pid it writes (see startInProcessOperator).
      GANTRY_LOCAL_SANDBOX: "off",
      GANTRY_POLL_MS: "50",
      GANTRY_KILL_GRACE_MS: "500",
      // The key secrets are sealed with (`npm test` sets it), as every operator has in production.
      ...(process.env.GANTRY_SECRET_KEY ? { GANTRY_SECRET_KEY: process.env.GANTRY_SECRET_KEY } : {}),
      ...env,
    } as unknown as NodeJS.ProcessEnv,
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    // To the node process running main.ts, not to tsx: tsx relays a signal only if the child
    // confirms it within 30 ms, else it SIGKILLs the child, which would make the drain flaky.
    term: () => {
      const main = childPids(child.pid!)[0];
      if (main) process.kill(main, "SIGTERM");
      else child.kill("SIGTERM");
    },
    kill9: () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Waits until the operator process has registered itself (its log says so). */
export async function waitForOperator(op: OperatorProcess) {
  await waitFor(
    "the operator to register",
    async () => {
      if (op.child.exitCode !== null) throw new Error(`operator exited early:\n${op.output()}`);
      return op.output().includes('"operator registered"');
    },
    30_000,
  );
}

export const runRow = async (db: Db, runId: string) => (await db.select().from(runs).where(eq(runs.id, runId)))[0];
