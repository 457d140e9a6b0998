import { z } from "zod";

/** Environment configuration, validated once. Documented in README.md's configuration table. */
const EnvSchema = z.object({
  DATABASE_URL: z.string().url().default("mysql://root@127.0.0.1:3307/gantry"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  GANTRY_ADMIN_TOKEN: z.string().min(16).optional(),
  GANTRY_ADMIN_PASSWORD: z.string().min(8).optional(),
  GANTRY_WORKSPACES: z.string().default(".gantry/workspaces"),
  GANTRY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  GANTRY_POLL_MS: z.coerce.number().int().min(10).max(10_000).default(100),
  GANTRY_KILL_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  GANTRY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  GANTRY_OPERATOR_ID: z.string().optional(),
  /** Where tasks run; the web app needs it too, to accept cluster-only templates in Kubernetes mode. */
  GANTRY_EXECUTOR: z.enum(["local", "kubernetes"]).default("local"),
  /** The operator's namespace, also the default project's (shown on its settings page). */
  GANTRY_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .max(63)
    .default("gantry"),
  /** Log lines go to Elasticsearch (v8) instead of MySQL when set; see docs/operations.md. */
  ELASTICSEARCH_URL: z.string().url().optional(),
  ELASTICSEARCH_USERNAME: z.string().optional(),
  ELASTICSEARCH_PASSWORD: z.string().optional(),
  /** Base64 `id:key` API key; wins over username/password. */
  ELASTICSEARCH_API_KEY: z.string().optional(),
  /** PEM file of the CA that signed the cluster's certificate. */
  ELASTICSEARCH_CA_FILE: z.string().optional(),
  /** `false` skips certificate checks (test clusters with self-signed certificates only). */
  ELASTICSEARCH_TLS_VERIFY: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  /** Daily indices are `<prefix>-YYYY.MM.DD`. */
  ELASTICSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("gantry-logs"),
  /** Elasticsearch: days of logs kept (whole daily indices are deleted after); 0 keeps all. */
  GANTRY_LOG_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  /**
   * Operator: finished runs older than this many days are deleted with their task runs, logs and
   * artifacts (server/runs/retention.ts; a pipeline's `retention` overrides it); 0 keeps them forever.
   */
  GANTRY_RUN_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** Operator: where log lines wait while Elasticsearch is unreachable (default: <workspaces>/.log-buffer). */
  GANTRY_LOG_BUFFER_DIR: z.string().optional(),
  /** Operator: Gantry's URL as tasks reach it (given to them as GANTRY_URL); default NEXTAUTH_URL. */
  GANTRY_URL: z.string().url().optional(),
  /** Web: the artifact store (docs/operations.md#artifact-store): a directory unless an S3 bucket is set. */
  GANTRY_ARTIFACTS_DIR: z.string().default(".gantry/artifacts"),
  GANTRY_ARTIFACTS_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 ** 3),
  GANTRY_ARTIFACTS_S3_BUCKET: z.string().min(3).optional(),
  GANTRY_ARTIFACTS_S3_PREFIX: z
    .string()
    .default("")
    .transform((p) => (p && !p.endsWith("/") ? `${p}/` : p)),
  GANTRY_ARTIFACTS_S3_ENDPOINT: z.string().url().optional(),
  GANTRY_ARTIFACTS_S3_REGION: z.string().default("us-east-1"),
  GANTRY_ARTIFACTS_S3_ACCESS_KEY: z.string().optional(),
  GANTRY_ARTIFACTS_S3_SECRET_KEY: z.string().optional(),
  /** Path-style URLs (`endpoint/bucket/key`), what S3-compatible stores want; default on with an endpoint. */
  GANTRY_ARTIFACTS_S3_PATH_STYLE: z.enum(["true", "false"]).optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type Config = z.infer<typeof EnvSchema>;
let cached: Config | undefined;

export function config(): Config {
  if (!cached) {
    const r = EnvSchema.safeParse(process.env);
    if (!r.success) {
      const msg = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`invalid environment: ${msg}`);
    }
    cached = r.data;
  }
  return cached;
}
