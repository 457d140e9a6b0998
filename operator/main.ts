/**
 * The operator worker: claims queued work from MySQL and runs it on the local executor, or as
 * BuildJobs in a cluster with GANTRY_EXECUTOR=kubernetes. Drains on
 * SIGTERM/SIGINT: claims nothing more, lets running tasks finish up to GANTRY_DRAIN_SECONDS,
 * stops the rest (failed, "operator shut down while the task was running"), and exits 0.
 */
import "./process-name";
import type { Server } from "node:http";
import { artifactStore } from "@/server/artifacts/store";
import { createDb } from "@/server/db/client";
import { logger } from "@/server/logger";
import { operatorLogStore } from "@/server/logs/select";
import { metricsConfig } from "@/server/metrics/config";
import { metricsPortOf, startMetricsServer } from "@/server/metrics/operator";
import { operatorConfig, sandboxSettings } from "./config";
import { startKubernetesMode, type KubernetesMode } from "./executors/kubernetes/setup";
import { LocalExecutor } from "./executors/local/local-executor";
import { tokenRequestAccess } from "./executors/local/cluster-access";
import { KubeApi, loadKubeConfig } from "./executors/kubernetes/kube-api";
import { ProjectExecutors } from "./executors/project-executors";
import type { Executor } from "./executors/types";
import { executorOf } from "@/lib/projects";
import { runProject } from "@/server/runs/kubernetes-task-details";
import { portOf, startHealthServer } from "./health";
import { Scheduler } from "./scheduler/scheduler";

const cfg = operatorConfig();
const log = logger.child({ operatorId: cfg.operatorId });
const { db, pool } = createDb(cfg.DATABASE_URL);
let kube: KubernetesMode | null = null;
// Each project's tasks run on its executor (its setting, else GANTRY_EXECUTOR); Kubernetes mode
// starts at once when it is the default, else when a project first needs it.
const kubernetes = ProjectExecutors.lazy(async () => {
  kube = await startKubernetesMode({
    db,
    namespace: cfg.GANTRY_NAMESPACE,
    defaultExecutor: cfg.GANTRY_EXECUTOR,
    operatorId: cfg.operatorId,
    workspace: cfg.GANTRY_KUBE_WORKSPACE,
    storageClassName: cfg.GANTRY_KUBE_STORAGE_CLASS,
    volumeBindMs: cfg.GANTRY_KUBE_VOLUME_BIND_SECONDS * 1000,
    retentionSeconds: cfg.GANTRY_BUILDJOB_RETENTION_SECONDS,
    applyCrd: cfg.GANTRY_APPLY_CRD,
    projectNamespaceSyncMs: cfg.GANTRY_PROJECT_NAMESPACE_SYNC_SECONDS * 1000,
    leaderElection: cfg.GANTRY_LEADER_ELECTION,
    podAnnotationsFromEnv: cfg.GANTRY_POD_ANNOTATIONS_FROM_ENV,
    log,
  });
  return kube.executor;
});
if (cfg.GANTRY_EXECUTOR === "kubernetes") await kubernetes.get();
const executor: Executor = new ProjectExecutors({
  defaultKind: cfg.GANTRY_EXECUTOR,
  local: new LocalExecutor({
    workspacesDir: cfg.workspacesDir,
    cacheDir: cfg.cacheDir,
    killGraceMs: cfg.GANTRY_KILL_GRACE_MS,
    sandbox: sandboxSettings(cfg),
    clusterAccess: localClusterAccess(),
  }),
  kubernetes,
  kindOfRun: async (runId) => executorOf((await runProject(db, runId))?.settings ?? {}, cfg.GANTRY_EXECUTOR),
});
/** Local deploy tasks get tokens of their project's deploy account through the operator's kubeconfig, when it has one. */
function localClusterAccess() {
  const kc = loadKubeConfig();
  return kc ? tokenRequestAccess({ db, api: new KubeApi(kc), kc, home: cfg.GANTRY_NAMESPACE }) : undefined;
}
if (cfg.GANTRY_LOCAL_SANDBOX === "off")
  log.warn(
    "GANTRY_LOCAL_SANDBOX=off: local tasks run unconfined as the operator's user, able to read its secrets and database (single-user machines only)",
  );
else
  log.info({ uid: cfg.GANTRY_LOCAL_SANDBOX_UID, network: cfg.GANTRY_LOCAL_SANDBOX_NETWORK }, "local tasks run in the bubblewrap sandbox");
// Log lines: MySQL, or Elasticsearch with a disk buffer for when it is down (ELASTICSEARCH_URL).
const logs = operatorLogStore(db, { workspacesDir: cfg.workspacesDir, operatorId: cfg.operatorId });
const scheduler = new Scheduler({
  db,
  executor,
  store: logs.store,
  operatorId: cfg.operatorId,
  concurrency: cfg.GANTRY_CONCURRENCY,
  pollMs: cfg.GANTRY_POLL_MS,
  staleSeconds: cfg.GANTRY_OPERATOR_STALE_SECONDS,
  log: logger,
  retention: { days: cfg.GANTRY_RUN_RETENTION_DAYS, store: artifactStore },
});

// A broken promise somewhere must not take running tasks down with the process.
process.on("unhandledRejection", (e) => log.error({ err: e }, "unhandled rejection"));

let health: Server | null = null;
let metrics: Server | null = null;
let shuttingDownAt = 0;
async function shutdown(signal: string) {
  if (shuttingDownAt) {
    // One signal often arrives twice (to the process group, and relayed by `tsx watch`): only a
    // deliberate second one cuts the drain short.
    if (Date.now() - shuttingDownAt < 1000) return;
    log.warn({ signal }, "second signal: stopping running tasks now");
    scheduler.hurry();
    return;
  }
  shuttingDownAt = Date.now();
  const drainMs = cfg.GANTRY_DRAIN_SECONDS * 1000;
  log.info({ signal, drainMs, tasks: scheduler.inFlight }, "shutting down");
  // Past this, give up on a database that doesn't answer: what's lost is recovered at the next start.
  const hardStop = setTimeout(
    () => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    },
    drainMs + cfg.GANTRY_KILL_GRACE_MS + 15_000,
  );
  hardStop.unref();
  await scheduler.stop(drainMs);
  await logs.close().catch(() => undefined);
  await kube?.stop().catch(() => undefined);
  health?.close();
  metrics?.close();
  await pool.end().catch(() => undefined);
  log.flush();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

health = cfg.GANTRY_OPERATOR_PORT ? await startHealthServer(cfg.GANTRY_OPERATOR_PORT, () => scheduler.readiness()) : null;
const mcfg = metricsConfig();
metrics = await startMetricsServer({
  port: mcfg.GANTRY_METRICS_PORT,
  address: mcfg.GANTRY_METRICS_ADDRESS,
  token: mcfg.GANTRY_METRICS_TOKEN,
  log,
});
scheduler.start();
log.info(
  {
    executor: executor.kind,
    ...(cfg.GANTRY_EXECUTOR === "kubernetes" ? { namespace: cfg.GANTRY_NAMESPACE } : {}),
    concurrency: cfg.GANTRY_CONCURRENCY,
    pollMs: cfg.GANTRY_POLL_MS,
    workspaces: cfg.workspacesDir,
    healthPort: health ? portOf(health) : null,
    metricsPort: metrics ? metricsPortOf(metrics) : null,
  },
  "operator started",
);
