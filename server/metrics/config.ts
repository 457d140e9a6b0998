import { timingSafeEqual } from "node:crypto";
import { z } from "zod";

/** Metrics settings (README.md configuration table); read by the web app and the operator. */
const MetricsEnvSchema = z.object({
  /** When set, /api/metrics and the operator's metrics port want `Authorization: Bearer <token>`. */
  GANTRY_METRICS_TOKEN: z.string().min(16).optional(),
  /** The operator's metrics port (Prometheus text at /metrics); 0: none. */
  GANTRY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Address the operator's metrics port listens on. */
  GANTRY_METRICS_ADDRESS: z.string().min(1).default("0.0.0.0"),
  /** Task-pushed metrics are exposed for this many most recent runs of each pipeline. */
  GANTRY_TASK_METRICS_RUNS: z.coerce.number().int().min(1).max(1000).default(5),
});

export type MetricsConfig = z.infer<typeof MetricsEnvSchema>;

export function metricsConfig(env: NodeJS.ProcessEnv = process.env): MetricsConfig {
  const r = MetricsEnvSchema.safeParse(env);
  if (!r.success) throw new Error(`invalid environment: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return r.data;
}

/** Constant-time check of `Authorization: Bearer <token>`; true when no token is configured. */
export function metricsAuthorized(authorization: string | null | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
