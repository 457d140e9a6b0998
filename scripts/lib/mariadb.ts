import { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { spawnSync, type ChildProcess } from "node:child_process";
import mysql from "mysql2/promise";
import { aptInstall, fail, portFree, startChild, step, stopChild, waitFor, which } from "./proc";

/**
 * A private MariaDB server whose data lives under `.gantry/`: no root daemon, no system config.
 * Reused across starts; a server left running by a killed session is detected by its pid file.
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

const bin = (name: string) => (which(name) ?? (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name));

export async function startMariaDb(dir: string, port: number): Promise<MariaDb> {
  await ensureMariaDbInstalled();
  dir = path.resolve(dir);
  const data = path.join(dir, "data");
  const sock = path.join(dir, "mysqld.sock");
  const pidFile = path.join(dir, "mysqld.pid");
  mkdirSync(dir, { recursive: true });

  // A server from an earlier, killed session may still be running on our data: reuse it.
  const portFile = path.join(dir, "port");
  if (existsSync(pidFile) && existsSync(portFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    const oldUrl = `mysql://root@127.0.0.1:${readFileSync(portFile, "utf8").trim()}/`;
    if (pid && alive(pid) && (await canConnect(oldUrl))) {
      return { url: (db) => oldUrl + db, adminUrl: oldUrl, stop: () => shutdown(sock, pid) };
    }
    rmSync(pidFile, { force: true });
  }
  const adminUrl = `mysql://root@127.0.0.1:${port}/`;

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
    { quiet: true },
  );
  try {
    await waitFor("MariaDB to accept connections", () => canConnect(adminUrl), 60_000);
  } catch (e) {
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
    fail(`${(e as Error).message}\n${tail}`);
  }
  writeFileSync(portFile, String(port));
  return {
    url: (db) => adminUrl + db,
    adminUrl,
    stop: async () => {
      await shutdown(sock, child.pid);
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

async function shutdown(sock: string, pid?: number) {
  spawnSync(bin("mariadb-admin"), ["--no-defaults", `--socket=${sock}`, "-uroot", "shutdown"], { stdio: "ignore", timeout: 30_000 });
  if (pid) await waitFor("MariaDB to stop", async () => !alive(pid), 30_000).catch(() => undefined);
}
