import { createHash } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";
import { config, type Config } from "@/server/config";
import type { SandboxSettings } from "./executors/local/sandbox";

/** Settings only the operator reads; the shared ones (database, concurrency, poll) are in server/config. */
const OperatorEnvSchema = z.object({
  /** Health port (/healthz, /readyz); 0 or unset: no health server. */
  GANTRY_OPERATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** On SIGTERM, how long running tasks may go on before they are stopped. */
  GANTRY_DRAIN_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  /** An operator whose heartbeat is older than this is dead and its running tasks are failed. */
  GANTRY_OPERATOR_STALE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Where tasks run: child processes here (`local`), or BuildJobs in a cluster (`kubernetes`). */
  GANTRY_EXECUTOR: z.enum(["local", "kubernetes"]).default("local"),
  /**
   * Local executor: `required` runs every task in the bubblewrap sandbox and refuses to run any
   * where it cannot work; `off` runs tasks as the operator's own user (single-user machines only).
   */
  GANTRY_LOCAL_SANDBOX: z.enum(["required", "off"]).default("required"),
  /** The host uid and gid sandboxed tasks run as (when the operator is root): nobody/nogroup. */
  GANTRY_LOCAL_SANDBOX_UID: z.coerce.number().int().min(1).max(4294967294).default(65534),
  GANTRY_LOCAL_SANDBOX_GID: z.coerce.number().int().min(1).max(4294967294).default(65534),
  /**
   * `host`: the machine's network, so builds can clone and fetch their dependencies (the private
   * database has a password for this reason); `none`: a loopback of its own, nothing else.
   */
  GANTRY_LOCAL_SANDBOX_NETWORK: z.enum(["none", "host"]).default("host"),
  /** More absolute paths (comma-separated) the sandbox hides behind an empty directory. */
  GANTRY_LOCAL_SANDBOX_HIDE: z
    .string()
    .default("")
    .transform((v, ctx) => {
      const out = v
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean);
      for (const p of out)
        if (!path.isAbsolute(p) || p === "/") ctx.addIssue({ code: "custom", message: `'${p}' is not an absolute path below /` });
      return out;
    }),
  /**
   * Local executor: root of the pipelines' build caches (a directory per pipeline, given to tasks
   * whose template keeps a cache as $GANTRY_CACHE). Kubernetes mode has a volume per pipeline instead.
   */
  GANTRY_CACHE_DIR: z.string().min(1).default(".gantry/cache"),
  /** Kubernetes mode: the (default project's) namespace for BuildJobs, and where the leader Lease lives. */
  GANTRY_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(63)
    .default("gantry"),
  /** Kubernetes mode: `emptyDir` when the cluster has no volume provisioner (runs then share no workspace). */
  GANTRY_KUBE_WORKSPACE: z.enum(["pvc", "emptyDir"]).default("pvc"),
  GANTRY_KUBE_STORAGE_CLASS: z.string().optional(),
  /** Kubernetes mode: how long a task's pod may wait for its volumes to bind before the task fails saying why. */
  GANTRY_KUBE_VOLUME_BIND_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Kubernetes mode: how long finished BuildJobs stay (history stays in MySQL). */
  GANTRY_BUILDJOB_RETENTION_SECONDS: z.coerce.number().int().min(0).default(3600),
  /** Kubernetes mode: apply the BuildJob CRD on start (needs the permission; else it must be there). */
  GANTRY_APPLY_CRD: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  /** How often project namespaces (quota, container defaults) are applied from the settings; 0: never. */
  GANTRY_PROJECT_NAMESPACE_SYNC_SECONDS: z.coerce.number().int().min(0).default(60),
  /** Kubernetes mode: elect one reconciling replica through a Lease (off: this one always reconciles). */
  GANTRY_LEADER_ELECTION: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  /**
   * Kubernetes mode: `ENV=annotation,…`: a task whose env has ENV gets a pod annotation with its
   * value (scheduling hints; the test cluster's kwok stages read `gantry.dev/kwok-*` this way).
   */
  GANTRY_POD_ANNOTATIONS_FROM_ENV: z
    .string()
    .default("")
    .transform((v, ctx) => {
      const out: Record<string, string> = {};
      for (const pair of v
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z0-9./-]+)$/.exec(pair);
        if (!m) ctx.addIssue({ code: "custom", message: `'${pair}' is not ENV=annotation-key` });
        else out[m[1]] = m[2];
      }
      return out;
    }),
});

/** The local executor's sandbox from the operator's settings. */
export function sandboxSettings(
  cfg: Pick<
    OperatorConfig,
    | "GANTRY_LOCAL_SANDBOX"
    | "GANTRY_LOCAL_SANDBOX_UID"
    | "GANTRY_LOCAL_SANDBOX_GID"
    | "GANTRY_LOCAL_SANDBOX_NETWORK"
    | "GANTRY_LOCAL_SANDBOX_HIDE"
  >,
): SandboxSettings {
  return {
    mode: cfg.GANTRY_LOCAL_SANDBOX,
    uid: cfg.GANTRY_LOCAL_SANDBOX_UID,
    gid: cfg.GANTRY_LOCAL_SANDBOX_GID,
    network: cfg.GANTRY_LOCAL_SANDBOX_NETWORK,
    hide: cfg.GANTRY_LOCAL_SANDBOX_HIDE,
  };
}

export type OperatorConfig = Config &
  z.infer<typeof OperatorEnvSchema> & {
    operatorId: string;
    workspacesDir: string;
    cacheDir: string;
  };

export function operatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const base = config();
  const r = OperatorEnvSchema.safeParse(env);
  if (!r.success) throw new Error(`invalid environment: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const workspacesDir = path.resolve(base.GANTRY_WORKSPACES);
  return {
    ...base,
    ...r.data,
    workspacesDir,
    cacheDir: path.resolve(r.data.GANTRY_CACHE_DIR),
    operatorId: base.GANTRY_OPERATOR_ID ?? defaultOperatorId(workspacesDir),
  };
}

/**
 * Stable across restarts, so a restarted operator recognises the task runs its previous life
 * left running: the host name, plus a short hash of the workspace root so that two checkouts on
 * one machine sharing a database don't take each other for their previous life.
 */
export function defaultOperatorId(workspacesDir: string): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, "-")
      .slice(0, 80) || "host";
  return `${host}-${createHash("sha256").update(workspacesDir).digest("hex").slice(0, 8)}`;
}
