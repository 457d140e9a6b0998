/**
 * `npm run bench:chaos`: faults under load, on the kwok test cluster with real operator processes
 * in Kubernetes mode and a private MariaDB server (docs/benchmarks.md, "Faults under load").
 *
 * - operator: BENCH_CHAOS_RUNS (1,000) single-task runs queued at once for two operator
 *   replicas; every BENCH_CHAOS_KILL_EVERY seconds (30) the Lease holder gets SIGKILL and is
 *   started again under the same id, as its Deployment would. Per kill: the time until the next
 *   Job is created (the survivor took the Lease over) and until the next run ends.
 * - mariadb: the same burst, and MariaDB SIGKILLed once it is a quarter done and started again on
 *   its data directory BENCH_CHAOS_DB_DOWN seconds (5) later: the time from its return to the
 *   next run ending.
 * - start: `npm start` SIGKILLed (see npmStartKilled); needs no cluster.
 * The cluster cases check what must hold whatever the timing: every run ends succeeded, no task run has a
 * second Job (counted by uid from a watch) or a second attempt. BENCH_CHAOS=start,operator,mariadb (all by default) picks cases.
 *
 * Uses the cluster in KUBECONFIG, else starts (and stops) its own.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inArray, sql } from "drizzle-orm";
import { KubeConfig } from "@kubernetes/client-node";
import { ACTIVE_STATUSES } from "@/lib/status";
import { createDb } from "@/server/db/client";
import { runs, taskRuns } from "@/server/db/schema";
import { createRun } from "@/server/runs/create-run";
import { KubeApi, paths } from "@/operator/executors/kubernetes/kube-api";
import { LABEL } from "@/operator/executors/kubernetes/names";
import { startCluster, type Cluster } from "../scripts/lib/cluster/lifecycle";
import { ensureDatabase, startMariaDb, type MariaDb } from "../scripts/lib/mariadb";
import { freePort, step } from "../scripts/lib/proc";
import { migrateAndSeed, ROOT } from "../scripts/lib/stack";
import { createTestPipeline } from "../tests/executor-helpers";
import { pct, runBench, startOperator, untilNoNamespaceTerminates, watch, type CleanUps, type Operator } from "./lib/kube-bench";

const RUNS = Number(process.env.BENCH_CHAOS_RUNS ?? 1000);
const KILL_EVERY = Number(process.env.BENCH_CHAOS_KILL_EVERY ?? 30);
const DB_DOWN = Number(process.env.BENCH_CHAOS_DB_DOWN ?? 5);
const CASES = (process.env.BENCH_CHAOS ?? "start,operator,mariadb").split(",");
const KWOK_ANNOTATIONS = "KWOK_DURATION=gantry.dev/kwok-duration,KWOK_EXIT_CODE=gantry.dev/kwok-exit-code";

const cleanups: CleanUps = [];
const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "n/a");

async function main() {
  const t0 = Date.now();
  const report: string[] = [];
  if (CASES.includes("start")) report.push(...(await npmStartKilled()));
  if (!CASES.some((c) => c === "operator" || c === "mariadb")) return print(t0, report, false);
  let kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) {
    const cluster: Cluster = await startCluster({ name: "gantry-chaos", log: (m) => (m.startsWith("  ") ? console.log(m) : step(m)) });
    cleanups.push(() => cluster.stop());
    kubeconfig = cluster.kubeconfig;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = new KubeApi(kc);
  await untilNoNamespaceTerminates(api);

  // A private server of our own: the mariadb case kills it.
  const dbDir = path.join(ROOT, ".gantry/bench-chaos-db");
  const dbPort = await freePort();
  step("starting a private MariaDB server…");
  let server: MariaDb = await startMariaDb(dbDir, dbPort);
  cleanups.push(() => server.stop());
  for (const c of CASES.filter((x) => x === "operator" || x === "mariadb")) {
    const name = `gantry_chaos_${randomBytes(3).toString("hex")}`;
    await ensureDatabase(server.adminUrl, name, true);
    const url = server.adminUrl + name;
    await migrateAndSeed(url, { adminPassword: "bench-chaos-admin-password" });
    const { db, pool } = createDb(url);
    const ns = `chaos-${randomBytes(3).toString("hex")}`;
    const ops = new Map<string, Operator>();
    const start = (id: string) => {
      const op = startOperator({
        DATABASE_URL: url,
        KUBECONFIG: kubeconfig,
        GANTRY_EXECUTOR: "kubernetes",
        GANTRY_NAMESPACE: ns,
        GANTRY_KUBE_WORKSPACE: "emptyDir",
        GANTRY_POD_ANNOTATIONS_FROM_ENV: KWOK_ANNOTATIONS,
        GANTRY_OPERATOR_ID: id,
        GANTRY_CONCURRENCY: "128",
        GANTRY_OPERATOR_STALE_SECONDS: "10",
        GANTRY_WORKSPACES: path.join(ROOT, ".gantry/bench-chaos-workspaces"),
        ...(process.env.GANTRY_SECRET_KEY ? { GANTRY_SECRET_KEY: process.env.GANTRY_SECRET_KEY } : {}),
      });
      ops.set(id, op);
      return op;
    };
    const ac = new AbortController();
    try {
      step(`${c}: two operators in namespace ${ns}, ${RUNS} runs…`);
      await Promise.all(["chaos-a", "chaos-b"].map((id) => start(id).registered));
      const jobs = new Map<string, Set<string>>();
      let lastJobAt = 0;
      void watch(api, paths.jobs(ns), ac.signal, (type, o) => {
        const tr = o.metadata?.labels?.[LABEL.taskRun];
        const uid = (o.metadata as { uid?: string } | undefined)?.uid;
        if (type !== "ADDED" || !tr || !uid) return;
        jobs.set(tr, (jobs.get(tr) ?? new Set()).add(uid));
        lastJobAt = Date.now();
      });
      const pipelineId = await createTestPipeline(db, [
        { name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" }, env: { KWOK_DURATION: "2s" } }] },
      ]);
      const burstStart = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) ids.push((await createRun(db, pipelineId)).id);
      const active = async () => {
        const [{ n }] = await db
          .select({ n: sql<number>`count(*)` })
          .from(runs)
          .where(sql`${inArray(runs.id, ids)} and ${inArray(runs.status, [...ACTIVE_STATUSES])}`);
        return Number(n);
      };
      const ended = async () => RUNS - (await active());
      const nextRunEnd = async (after: number) => {
        for (;;) {
          const n = await ended().catch(() => after);
          if (n > after) return Date.now();
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      const resumes: { jobMs: number; runMs: number; at: number }[] = [];
      let dbResume = NaN;
      if (c === "operator") {
        let nextKill = Date.now() + KILL_EVERY * 1000;
        while ((await active()) > 0) {
          if (Date.now() < nextKill) {
            await new Promise((r) => setTimeout(r, 500));
            continue;
          }
          const lease = await api.get<{ spec?: { holderIdentity?: string } }>(`${paths.leases(ns)}/gantry-operator`);
          const id = [...ops.keys()].find((k) => lease.spec?.holderIdentity?.startsWith(`${k}-`));
          if (!id) throw new Error(`no operator holds the Lease (${lease.spec?.holderIdentity})`);
          const endedBefore = await ended();
          const killedAt = Date.now();
          ops.get(id)!.child.kill("SIGKILL");
          const jobsBefore = lastJobAt;
          const again = start(id);
          const runEnd = nextRunEnd(endedBefore);
          // No next Job at all when every remaining task run already had one when the leader died.
          for (;;) {
            if (lastJobAt !== jobsBefore && lastJobAt > killedAt) break;
            if ((await active()) === 0 || Date.now() - killedAt > 60_000) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          const jobAt = lastJobAt > killedAt ? lastJobAt : NaN;
          const runAt = await Promise.race([runEnd, new Promise<number>((r) => setTimeout(() => r(NaN), 120_000))]);
          resumes.push({ jobMs: jobAt - killedAt, runMs: runAt - killedAt, at: endedBefore });
          await again.registered;
          nextKill = killedAt + KILL_EVERY * 1000;
        }
      } else {
        while ((await ended()) < RUNS / 4) await new Promise((r) => setTimeout(r, 200));
        const endedBefore = await ended();
        const pid = Number(readFileSync(path.join(dbDir, "mysqld.pid"), "utf8").trim());
        process.kill(pid, "SIGKILL");
        await new Promise((r) => setTimeout(r, DB_DOWN * 1000));
        server = await startMariaDb(dbDir, dbPort);
        const backAt = Date.now();
        dbResume = (await nextRunEnd(endedBefore)) - backAt;
        while ((await active()) > 0) await new Promise((r) => setTimeout(r, 1000));
      }
      const burstSeconds = (Date.now() - burstStart) / 1000;
      await new Promise((r) => setTimeout(r, 2000));
      const byStatus = await db
        .select({ status: runs.status, n: sql<number>`count(*)` })
        .from(runs)
        .where(inArray(runs.id, ids))
        .groupBy(runs.status);
      const trs = await db.select({ id: taskRuns.id, attempt: taskRuns.attempt }).from(taskRuns).where(inArray(taskRuns.runId, ids));
      const twice = [...jobs.values()].filter((u) => u.size > 1).length;
      const noJob = trs.filter((t) => !jobs.has(t.id)).length;
      const reattempted = trs.filter((t) => t.attempt !== 1).length;
      report.push(
        `${c}: ${RUNS} runs in ${burstSeconds.toFixed(0)} s; runs ${byStatus.map((b) => `${b.status} ${b.n}`).join(", ")}; ` +
          `task runs with 2+ Jobs ${twice}, without a Job ${noJob}, re-attempted ${reattempted}`,
      );
      if (c === "operator") {
        report.push(`  ${resumes.length} kills of the leader; time to resume (kill → next Job created / → next run ended):`);
        resumes.forEach((r, i) => report.push(`    kill ${i + 1} (after ${r.at} runs ended): ${s(r.jobMs)} / ${s(r.runMs)}`));
        const js = resumes.map((r) => r.jobMs);
        report.push(`  next Job after a kill: p50 ${s(pct(js, 50))}, max ${s(pct(js, 100))}`);
      } else {
        report.push(`  MariaDB SIGKILLed after ${RUNS / 4} runs, down ${DB_DOWN} s; back → next run ended: ${s(dbResume)}`);
      }
    } finally {
      ac.abort();
      for (const op of ops.values()) await op.stop();
      await api.delete(paths.namespace(ns)).catch(() => undefined);
      await pool.end();
    }
  }
  print(t0, report, true);
}

function print(t0: number, report: string[], cluster: boolean) {
  console.log(
    `\nGantry faults under load (${new Date().toISOString()}, node ${process.versions.node}, ${cluster ? "kwok test cluster, " : ""}` +
      `load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}, ${((Date.now() - t0) / 1000).toFixed(0)} s in all)\n`,
  );
  for (const l of report) console.log(l);
  console.log("");
}

/**
 * `npm start` on a private data directory and free ports, SIGKILLed (the bootstrap alone, then
 * the bootstrap with its orchestrator), BENCH_CHAOS_STARTS (3) times each: the time until none of
 * its processes (found by a marker in their environment) is left, and the next start's time to ready.
 */
async function npmStartKilled(): Promise<string[]> {
  const n = Number(process.env.BENCH_CHAOS_STARTS ?? 3);
  const home = mkdtempSync(path.join(tmpdir(), "gantry-chaos-start-"));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const ports = { web: await freePort(), db: await freePort() };
  const keys = { NEXTAUTH_SECRET: randomBytes(32).toString("base64url"), GANTRY_SECRET_KEY: randomBytes(32).toString("base64") };
  const marked = (mark: string) =>
    readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          const st = readFileSync(`/proc/${d}/stat`, "utf8");
          return (
            !st.slice(st.lastIndexOf(")") + 2).startsWith("Z") &&
            readFileSync(`/proc/${d}/environ`, "latin1").split("\0").includes(`GANTRY_CHAOS_MARK=${mark}`)
          );
        } catch {
          return false;
        }
      })
      .map(Number);
  const start = async () => {
    const mark = randomBytes(6).toString("hex");
    const skip = new Set(["DATABASE_URL", "ELASTICSEARCH_URL", "GANTRY_EXECUTOR", "NODE_OPTIONS", "KUBECONFIG"]);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !skip.has(k)));
    const t = Date.now();
    const child = spawn(process.execPath, [path.join(ROOT, "scripts/bootstrap.mjs"), "start"], {
      cwd: ROOT,
      detached: true,
      stdio: "ignore",
      env: {
        ...env,
        ...keys,
        GANTRY_CHAOS_MARK: mark,
        PORT: String(ports.web),
        GANTRY_DB_PORT: String(ports.db),
        GANTRY_DB_DIR: path.join(home, "db"),
        GANTRY_ADMIN_PASSWORD: "bench-chaos-admin-password",
        GANTRY_WORKSPACES: path.join(home, "workspaces"),
        GANTRY_CACHE_DIR: path.join(home, "cache"),
        GANTRY_ARTIFACTS_DIR: path.join(home, "artifacts"),
        GANTRY_METRICS_PORT: "0",
        LOG_LEVEL: "warn",
      } as unknown as NodeJS.ProcessEnv,
    });
    cleanups.push(() => marked(mark).forEach((pid) => process.kill(pid, "SIGKILL")));
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      const r = await fetch(`http://127.0.0.1:${ports.web}/api/readyz`).catch(() => null);
      if (r?.ok) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    return { child, mark, readyMs: Date.now() - t };
  };
  const rows: string[] = [];
  for (const how of ["npm start alone", "npm start and its orchestrator"]) {
    const gone: number[] = [];
    const ready: number[] = [];
    for (let i = 0; i < n; i++) {
      step(`npm start: SIGKILL of ${how} (${i + 1}/${n})…`);
      const started = await start();
      ready.push(started.readyMs);
      const t = Date.now();
      process.kill(how === "npm start alone" ? started.child.pid! : -started.child.pid!, "SIGKILL");
      while (marked(started.mark).length) await new Promise((r) => setTimeout(r, 50));
      gone.push(Date.now() - t);
    }
    rows.push(
      `start: SIGKILL of ${how}, ${n} times: every process gone after p50 ${s(pct(gone, 50))}, max ${s(pct(gone, 100))}; ` +
        `start to ready (on the data left by the killed one after the first) p50 ${s(pct(ready, 50))}`,
    );
  }
  return rows;
}

runBench("bench:chaos", main, cleanups);
