/**
 * A real git forge for the test set-up: Gitea built from its Go module (no web assets: its REST
 * API, git over HTTP and webhooks are what the tests use), on SQLite (its pure-Go driver, so no
 * cgo), configured by an app.ini written here, with an admin user and an API token made with its
 * own CLI before it starts.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startChild, stopChild, waitFor } from "../proc";
import { quietLog, type Log } from "../go-build";
import { fetchWithCa, type TestCa } from "../test-ca";
import { ensureGoTool, toolUnavailableReason, type GoTool } from "./go-tool";

/**
 * Its go.mod has `replace` directives, so it is built in its own tree; without the `bindata` tag
 * it reads its templates and options (locales, licences, .gitignore files) from the directory
 * named by STATIC_ROOT_PATH: the binary's, where they are kept.
 */
export const GITEA_TOOL: GoTool = {
  name: "gitea",
  pkg: "code.gitea.io/gitea",
  version: "v1.27.3",
  ldflags: '-X "main.Version=1.27.3"',
  fromSource: { keep: ["options", "templates", "public"] },
};

export const ensureGitea = (log: Log = quietLog) => ensureGoTool(GITEA_TOOL, log);
export const giteaUnavailableReason = () => toolUnavailableReason(GITEA_TOOL);

export interface Gitea {
  /** `https://127.0.0.1:PORT/`: ROOT_URL, the API under `api/v1/`, repositories under `<owner>/<name>.git`. */
  url: string;
  admin: { user: string; password: string; token: string };
  stop: () => Promise<void>;
}

const sh = promisify(execFile);

/**
 * app.ini: loopback only, https with the test CA's certificate (a repository URL must be https://,
 * as a real forge's is), SQLite, no mail, no SSH, no Actions or packages, webhooks allowed to loopback.
 */
export function giteaConfig(o: { dir: string; port: number; staticRoot: string; tls: Pick<TestCa, "certFile" | "keyFile"> }): string {
  const secret = () => randomBytes(32).toString("base64url");
  const sections: Record<string, Record<string, string | number | boolean>> = {
    "": {
      APP_NAME: "Gantry test forge",
      RUN_MODE: "prod",
      RUN_USER: os.userInfo().username,
      WORK_PATH: o.dir,
      // CI containers run as root; Gitea refuses that unless told it is meant.
      I_AM_BEING_UNSAFE_RUNNING_AS_ROOT: true,
    },
    server: {
      PROTOCOL: "https",
      CERT_FILE: o.tls.certFile,
      KEY_FILE: o.tls.keyFile,
      HTTP_ADDR: "127.0.0.1",
      HTTP_PORT: o.port,
      ROOT_URL: `https://127.0.0.1:${o.port}/`,
      DISABLE_SSH: true,
      START_SSH_SERVER: false,
      OFFLINE_MODE: true,
      LFS_START_SERVER: false,
      APP_DATA_PATH: path.join(o.dir, "data"),
      STATIC_ROOT_PATH: o.staticRoot,
    },
    database: { DB_TYPE: "sqlite3", PATH: path.join(o.dir, "data/gitea.db"), SQLITE_JOURNAL_MODE: "WAL" },
    repository: { ROOT: path.join(o.dir, "repos"), DEFAULT_BRANCH: "main" },
    security: {
      INSTALL_LOCK: true,
      SECRET_KEY: secret(),
      INTERNAL_TOKEN: secret(),
      // Cheaper than argon2 for the users the tests make; nothing here is worth protecting.
      PASSWORD_HASH_ALGO: "pbkdf2",
      // Gantry under test listens on loopback; Gitea refuses to deliver webhooks anywhere else here.
      ALLOWED_HOST_LIST: "loopback",
    },
    // Its OAuth2/OpenID Connect provider ("Sign in with Gitea", e2e/gitea-sso.spec.ts); ID tokens are
    // signed RS256 with a key it makes under APP_DATA_PATH, JWT_SECRET is for HS256 only.
    oauth2: { ENABLED: true, JWT_SECRET: secret() },
    service: { DISABLE_REGISTRATION: true, REQUIRE_SIGNIN_VIEW: false, ENABLE_NOTIFY_MAIL: false },
    mailer: { ENABLED: false },
    webhook: { DELIVER_TIMEOUT: 30, SKIP_TLS_VERIFY: true },
    log: { MODE: "file", LEVEL: "Warn", ROOT_PATH: path.join(o.dir, "log") },
    indexer: { ISSUE_INDEXER_TYPE: "db", REPO_INDEXER_ENABLED: false },
    session: { PROVIDER: "memory" },
    cache: { ADAPTER: "memory" },
    picture: { DISABLE_GRAVATAR: true, ENABLE_FEDERATED_AVATAR: false },
    actions: { ENABLED: false },
    packages: { ENABLED: false },
    "cron.update_checker": { ENABLED: false },
    api: { ENABLE_SWAGGER: false },
  };
  return (
    Object.entries(sections)
      .map(([name, keys]) => {
        const lines = Object.entries(keys).map(([k, v]) => `${k} = ${v}`);
        return (name ? [`[${name}]`, ...lines] : lines).join("\n");
      })
      .join("\n\n") + "\n"
  );
}

/**
 * Starts a fresh Gitea (its data under `dir` is emptied first) on 127.0.0.1:`port`: migrates its
 * database, creates the admin user and its API token with `gitea admin user create`, then serves
 * and waits until the API answers with that token.
 */
export async function startGitea(o: { dir: string; port: number; tls: TestCa; log?: Log }): Promise<Gitea> {
  const log = o.log ?? quietLog;
  const bin = await ensureGitea(log);
  const dir = path.resolve(o.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "data"), { recursive: true });
  const config = path.join(dir, "app.ini");
  writeFileSync(config, giteaConfig({ dir, port: o.port, staticRoot: path.dirname(bin), tls: o.tls }), { mode: 0o600 });
  const args = ["--config", config, "--work-path", dir];
  const cli = async (...rest: string[]) => {
    try {
      return (await sh(bin, [...rest, ...args], { cwd: dir, maxBuffer: 4 << 20 })).stdout;
    } catch (e) {
      const err = e as Error & { stdout?: string; stderr?: string };
      throw new Error(`gitea ${rest.slice(0, 3).join(" ")} failed: ${err.stderr || err.stdout || err.message}`);
    }
  };
  await cli("migrate");
  const admin = { user: "gantry-admin", password: randomBytes(18).toString("base64url"), token: "" };
  const created = await cli(
    "admin",
    "user",
    "create",
    "--username",
    admin.user,
    "--password",
    admin.password,
    "--email",
    "gantry-admin@example.test",
    "--admin",
    "--must-change-password=false",
    "--access-token",
    "--access-token-name",
    "gantry-tests",
    "--access-token-scopes",
    "all",
  );
  admin.token = /Access token was successfully created\.\.\. ([0-9a-f]{40})/.exec(created)?.[1] ?? "";
  if (!admin.token) throw new Error(`gitea admin user create printed no access token:\n${created}`);

  const child: ChildProcess = startChild("gitea", bin, ["web", ...args], { cwd: dir, quiet: !process.env.GANTRY_TEST_VERBOSE });
  const url = `https://127.0.0.1:${o.port}/`;
  const stop = () => stopChild(child, "SIGTERM", 15_000);
  try {
    await waitFor(
      `Gitea on ${url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`gitea exited with ${child.exitCode}; see ${path.join(dir, "log")}`);
        const r = await fetchWithCa(o.tls.caFile, `${url}api/v1/user`, { headers: { authorization: `token ${admin.token}` } }).catch(
          () => null,
        );
        return r?.ok ?? false;
      },
      60_000,
      250,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  log(`Gitea ${GITEA_TOOL.version} is up on ${url} (admin ${admin.user})`);
  return { url, admin, stop };
}
