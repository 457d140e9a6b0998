import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { startMariaDb, ensureDatabase, type MariaDb } from "./mariadb";
import { ok, startChild, step, stopChild } from "./proc";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

export interface Database {
  url: string;
  stop: () => Promise<void>;
}

/** `DATABASE_URL` when set, else the private MariaDB under `dir`. */
export async function provideDatabase(opts: { dir: string; port: number; name: string; fresh?: boolean }): Promise<Database> {
  if (process.env.DATABASE_URL && !opts.fresh) {
    step(`using the database at ${redact(process.env.DATABASE_URL)}`);
    return { url: process.env.DATABASE_URL, stop: async () => undefined };
  }
  step("starting the private MariaDB server…");
  const m: MariaDb = await startMariaDb(opts.dir, opts.port);
  await ensureDatabase(m.adminUrl, opts.name, opts.fresh);
  ok(`MariaDB is up on 127.0.0.1:${opts.port} (data in ${path.relative(ROOT, opts.dir)})`);
  return { url: m.url(opts.name), stop: m.stop };
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");

/**
 * A database of its own on the test MariaDB server for a second stack of the browser suite
 * (Kubernetes mode, Gitea sign-in), migrated and seeded with the admin's password and a token;
 * the main stack's DATABASE_URL is left as it was. Returns its URL and the admin token.
 */
export async function seedSecondDatabase(o: { adminUrl: string; name: string; password: string; tokenPrefix: string }) {
  await ensureDatabase(o.adminUrl, o.name, true);
  const url = o.adminUrl + o.name;
  const token = `${o.tokenPrefix}${randomBytes(16).toString("hex")}`;
  // migrateAndSeed points DATABASE_URL at what it seeds: keep the main stack's.
  const mainDb = process.env.DATABASE_URL;
  try {
    await migrateAndSeed(url, { adminPassword: o.password, adminToken: token });
  } finally {
    if (mainDb === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = mainDb;
  }
  return { url, token };
}

/** Migrations and seed run in this process (tsx), against the given database. */
export async function migrateAndSeed(url: string, opts: { adminPassword?: string; adminToken?: string }) {
  process.env.DATABASE_URL = url;
  const { migrateAndSeed: run } = await import("../../server/seed/migrate-and-seed");
  return run(url, opts, step);
}

/** A random next-auth secret kept in `.gantry/`, so sessions survive restarts. */
export function authSecret(): string {
  if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
  const f = path.join(ROOT, ".gantry/nextauth-secret");
  if (!existsSync(f)) {
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return readFileSync(f, "utf8").trim();
}

/**
 * The key project secrets are encrypted with (`GANTRY_SECRET_KEY`), or a random one kept in
 * `.gantry/secret-key` so that `npm start` works out of the box. Losing it loses every secret:
 * docs/operations.md says how to back it up and rotate it.
 */
export function secretKey(): string {
  if (process.env.GANTRY_SECRET_KEY) return process.env.GANTRY_SECRET_KEY;
  const f = path.join(ROOT, ".gantry/secret-key");
  if (!existsSync(f)) {
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  return readFileSync(f, "utf8").trim();
}

export interface Stack {
  url: string;
  web: ChildProcess;
  operator: ChildProcess;
  stop: () => Promise<void>;
}

/** Web app + operator as child processes in their own process groups. */
export async function startApp(opts: {
  databaseUrl: string;
  port: number;
  dev?: boolean;
  env?: Record<string, string>;
  quiet?: boolean;
}): Promise<Stack> {
  const url = `http://localhost:${opts.port}`;
  const env = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    PORT: String(opts.port),
    NEXTAUTH_URL: url,
    NEXTAUTH_SECRET: authSecret(),
    GANTRY_SECRET_KEY: secretKey(),
    NEXT_TELEMETRY_DISABLED: "1",
    ...opts.env,
  };
  const next = path.join(ROOT, "node_modules/next/dist/bin/next");
  const stdio = opts.quiet ? ("ignore" as const) : ("inherit" as const);
  const web = startChild("web", process.execPath, [next, opts.dev ? "dev" : "start", "-p", String(opts.port)], {
    cwd: ROOT,
    env: { ...env, GANTRY_PROCESS: "web" },
    stdio,
    reap: { graceMs: 10_000 },
  });
  const operator = opts.dev
    ? startChild("operator", path.join(ROOT, "node_modules/.bin/tsx"), ["watch", "--clear-screen=false", "operator/main.ts"], {
        cwd: ROOT,
        env: { ...env, GANTRY_PROCESS: "operator" },
        stdio,
        reap: { graceMs: 20_000 },
      })
    : startChild("operator", process.execPath, ["--enable-source-maps", path.join(ROOT, ".gantry/build/operator.mjs")], {
        cwd: ROOT,
        env: { ...env, GANTRY_PROCESS: "operator" },
        stdio,
        reap: { graceMs: 20_000 },
      });
  const stop = async () => {
    // Operator first: it drains its tasks while the database is still there.
    await stopChild(operator, "SIGTERM", 20_000);
    await stopChild(web, "SIGTERM", 10_000);
  };
  // Ready when /api/readyz says so; an exit ends the wait at once, and a timeout says what readyz last answered.
  const deadline = Date.now() + (opts.dev ? 180_000 : 120_000);
  let last = "no answer yet";
  try {
    for (;;) {
      if (web.exitCode !== null) throw new Error(`the web app on ${url} exited with ${web.exitCode} before it was ready`);
      if (operator.exitCode !== null) throw new Error(`the operator exited with ${operator.exitCode} before the web app was ready`);
      const r = await fetch(`${url}/api/readyz`).catch((e: Error) => e);
      if (r instanceof Response && r.ok) break;
      last = r instanceof Response ? `${r.status} ${(await r.text().catch(() => "")).slice(0, 300)}` : r.message;
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${Math.round((opts.dev ? 180_000 : 120_000) / 1000)}s waiting for the web app on ${url}; /api/readyz: ${last}`,
        );
      await new Promise((res) => setTimeout(res, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, web, operator, stop };
}
