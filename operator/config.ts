import { createHash } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";
import { config, type Config } from "@/server/config";

/** Settings only the operator reads; the shared ones (database, concurrency, poll) are in server/config. */
const OperatorEnvSchema = z.object({
  /** Health port (/healthz, /readyz); 0 or unset: no health server. */
  GANTRY_OPERATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** On SIGTERM, how long running tasks may go on before they are stopped. */
  GANTRY_DRAIN_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  /** An operator whose heartbeat is older than this is dead and its running tasks are failed. */
  GANTRY_OPERATOR_STALE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
});

export type OperatorConfig = Config &
  z.infer<typeof OperatorEnvSchema> & {
    operatorId: string;
    workspacesDir: string;
  };

export function operatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const base = config();
  const r = OperatorEnvSchema.safeParse(env);
  if (!r.success) throw new Error(`invalid environment: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const workspacesDir = path.resolve(base.GANTRY_WORKSPACES);
  return { ...base, ...r.data, workspacesDir, operatorId: base.GANTRY_OPERATOR_ID ?? defaultOperatorId(workspacesDir) };
}

/**
 * Stable across restarts, so a restarted operator recognises the task runs its previous life
 * left running: the host name, plus a short hash of the workspace root so that two checkouts on
 * one machine sharing a database don't take each other for their previous life.
 */
export function defaultOperatorId(workspacesDir: string): string {
  const host = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, "-").slice(0, 80) || "host";
  return `${host}-${createHash("sha256").update(workspacesDir).digest("hex").slice(0, 8)}`;
}
