import { z } from "zod";

/**
 * Sign-in settings from the environment (README.md's configuration table, docs/operations.md):
 * session lifetime, the login throttle and the single sign-on providers. Validated once.
 */
const positive = (d: number) => z.coerce.number().int().min(1).default(d);
const EnvSchema = z.object({
  /** Seconds a session lives without being used (it is renewed while the user is active). */
  GANTRY_SESSION_MAX_AGE: positive(12 * 3600),
  /** Failed sign-ins per (user name, address) before each further one doubles that pair's wait (2 s, 4 s …). */
  GANTRY_LOGIN_MAX_FAILURES: positive(5),
  /** Failed sign-ins per client address, whatever the names, within the window. */
  GANTRY_LOGIN_MAX_FAILURES_PER_ADDRESS: positive(20),
  /** Failed sign-ins per user name from all addresses together: the ceiling that locks the name for everyone. */
  GANTRY_LOGIN_MAX_FAILURES_PER_USER: positive(100),
  GANTRY_LOGIN_WINDOW_MINUTES: positive(15),
  /** How long an address or a user name stays locked once over its limit; also the longest wait of a pair. */
  GANTRY_LOGIN_LOCK_MINUTES: positive(15),
  /** `false`: a first SSO sign-in without a matching local user is refused instead of creating one. */
  GANTRY_SSO_AUTO_CREATE: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  GANTRY_OIDC_ISSUER: z.string().url().optional(),
  GANTRY_OIDC_CLIENT_ID: z.string().optional(),
  GANTRY_OIDC_CLIENT_SECRET: z.string().optional(),
  /** The button says "Sign in with <name>". */
  GANTRY_OIDC_NAME: z.string().default("OpenID Connect"),
  /** Base URL of a self-managed GitLab; default gitlab.com. */
  GANTRY_GITLAB_URL: z.string().url().default("https://gitlab.com"),
  GANTRY_GITLAB_CLIENT_ID: z.string().optional(),
  GANTRY_GITLAB_CLIENT_SECRET: z.string().optional(),
  GANTRY_GITHUB_CLIENT_ID: z.string().optional(),
  GANTRY_GITHUB_CLIENT_SECRET: z.string().optional(),
});

export type AuthConfig = z.infer<typeof EnvSchema>;
let cached: AuthConfig | undefined;

export function authConfig(): AuthConfig {
  if (!cached) {
    const r = EnvSchema.safeParse(process.env);
    if (!r.success) throw new Error(`invalid environment: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    cached = r.data;
  }
  return cached;
}

/** The sign-in throttle's limits (server/auth/login-throttle.ts) from the GANTRY_LOGIN_* settings. */
export function throttleLimits() {
  const c = authConfig();
  return {
    perPair: c.GANTRY_LOGIN_MAX_FAILURES,
    perAddress: c.GANTRY_LOGIN_MAX_FAILURES_PER_ADDRESS,
    perUser: c.GANTRY_LOGIN_MAX_FAILURES_PER_USER,
    windowMs: c.GANTRY_LOGIN_WINDOW_MINUTES * 60_000,
    lockMs: c.GANTRY_LOGIN_LOCK_MINUTES * 60_000,
    maxDelayMs: c.GANTRY_LOGIN_LOCK_MINUTES * 60_000,
  };
}
