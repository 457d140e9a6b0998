import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { spawnSync, type ChildProcess } from "node:child_process";
import mysql from "mysql2/promise";
import { aptInstall, fail, guardProcess, portFree, startChild, step, stopChild, waitFor, which } from "./proc";

/**
 * A private MariaDB server whose data lives under `.gantry/`: no root daemon, no system config.
 * Reused across starts; a server left running by a killed session is detected by its pid file.
 * Its root account has a generated password, kept beside the data (`root-password`, mode 0600):
 * anything else on the machine that can open a TCP connection to 127.0.0.1, a local task with the
 * machine's network among them, must not be able to read or change Gantry's database.
 */
export interface MariaDb {
  url: (database: string) => string;
  adminUrl: string;
  stop: () => Promise<void>;
}

export async function ensureMariaDbInstalled() {
  if (which("mariadbd") || existsSync("/usr/sbin/mariadbd")) return;
  await aptInstall(["mariadb-server", "mariadb-client"], "the embedded database needs MariaDB");
}

const bin = (name: string) => which(name) ?? (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name);

/** The root password of the private server under `dir`, made on first use. */
export function rootPassword(dir: string): string {
  const f = path.join(path.resolve(dir), "root-password");
  if (!existsSync(f)) {
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, randomBytes(18).toString("base64url") + "\n", { mode: 0o600 });
  }
  return readFileSync(f, "utf8").trim();
}

/** The URL of the private server under `dir` on `port` (no database: append its name). */
export function privateServerUrl(dir: string, port: number | string): string {
  return `mysql://root:${encodeURIComponent(rootPassword(dir))}@127.0.0.1:${port}/`;
}

export async function startMariaDb(dir: string, port: number): Promise<MariaDb> {
  await ensureMariaDbInstalled();
  dir = path.resolve(dir);
  const password = rootPassword(dir);
  const data = path.join(dir, "data");
  const sock = path.join(dir, "mysqld.sock");
  const pidFile = path.join(dir, "mysqld.pid");
  mkdirSync(dir, { recursive: true });

  // A server from an earlier, killed session may still be running on our data: reuse it.
  const portFile = path.join(dir, "port");
  if (existsSync(pidFile) && existsSync(portFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    const oldUrl = privateServerUrl(dir, readFileSync(portFile, "utf8").trim());
    if (pid && alive(pid) && (await canConnect(oldUrl))) {
      guardProcess("mariadbd", pid, { signal: "SIGTERM", graceMs: 30_000 });
      return { url: (db) => oldUrl + db, adminUrl: oldUrl, stop: () => shutdown(sock, password, pid) };
    }
    rmSync(pidFile, { force: true });
  }
  const adminUrl = privateServerUrl(dir, port);

  if (!existsSync(path.join(data, "mysql"))) {
    step(`initialising a private MariaDB data directory in ${path.relative(process.cwd(), data)}…`);
    rmSync(data, { recursive: true, force: true });
    const r = spawnSync(
      bin("mariadb-install-db"),
      ["--no-defaults", `--datadir=${data}`, "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"],
      { encoding: "utf8" },
    );
    if (r.status !== 0) fail(`mariadb-install-db failed:\n${r.stdout}\n${r.stderr}`);
  }
  if (!(await portFree(port))) {
    fail(`port ${port} is taken by another program; set GANTRY_DB_PORT to a free port or DATABASE_URL to an existing server`);
  }
  const logFile = path.join(dir, "mariadb.log");
  const child: ChildProcess = startChild(
    "mariadbd",
    bin("mariadbd"),
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--socket=${sock}`,
      `--pid-file=${pidFile}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--user=root",
      `--log-error=${logFile}`,
      "--skip-name-resolve",
      "--max-allowed-packet=64M",
      "--innodb-buffer-pool-size=256M",
      "--innodb-flush-log-at-trx-commit=2",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
    ],
    // On SIGTERM mariadbd shuts down cleanly, as `mariadb-admin shutdown` would.
    { quiet: true, reap: { signal: "SIGTERM", graceMs: 30_000 } },
  );
  try {
    await waitFor(
      "MariaDB to accept connections",
      async () => (await canConnect(adminUrl)) || (await setRootPassword(port, password)),
      60_000,
    );
  } catch (e) {
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
    fail(`${(e as Error).message}\n${tail}`);
  }
  writeFileSync(portFile, String(port));
  return {
    url: (db) => adminUrl + db,
    adminUrl,
    stop: async () => {
      await shutdown(sock, password, child.pid);
      await stopChild(child, "SIGTERM", 30_000);
    },
  };
}

export async function ensureDatabase(adminUrl: string, name: string, fresh = false) {
  const c = await mysql.createConnection(adminUrl);
  try {
    if (fresh) await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await c.end();
  }
}

async function canConnect(url: string) {
  try {
    const c = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A data directory made before root had a password (or just now, by mariadb-install-db) lets root
 * in without one: give every root account the password and drop anonymous accounts. True once the
 * server takes the password.
 */
async function setRootPassword(port: number, password: string): Promise<boolean> {
  let c: mysql.Connection;
  try {
    c = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", password: "", connectTimeout: 1000 });
  } catch {
    return false;
  }
  try {
    const [rows] = await c.query("SELECT User AS user, Host AS host FROM mysql.user WHERE User IN ('root', '')");
    for (const { user, host } of rows as { user: string; host: string }[]) {
      if (user === "") await c.query("DROP USER ?@?", [user, host]);
      else await c.query("ALTER USER ?@? IDENTIFIED BY ?", [user, host, password]);
    }
    await c.query("FLUSH PRIVILEGES");
  } finally {
    await c.end();
  }
  return canConnect(`mysql://root:${encodeURIComponent(password)}@127.0.0.1:${port}/`);
}

async function shutdown(sock: string, password: string, pid?: number) {
  spawnSync(bin("mariadb-admin"), ["--no-defaults", `--socket=${sock}`, "-uroot", "shutdown"], {
    stdio: "ignore",
    timeout: 30_000,
    env: { ...process.env, MYSQL_PWD: password },
  });
  if (pid) await waitFor("MariaDB to stop", async () => !alive(pid), 30_000).catch(() => undefined);
}
