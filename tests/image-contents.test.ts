import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { execFile } from "node:child_process";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { freePort } from "../scripts/lib/proc";
import { assembleImage, readDockerfile, type FinalStage } from "../scripts/lib/image";
import { ensureHelm } from "../scripts/lib/tools/helm";
import { adminUrl, ROOT, tempDir } from "./executor-helpers";

/**
 * The container image without a builder: no base image can be pulled here, so this assembles
 * exactly what the Dockerfile's final stage copies (parsed from it, scripts/lib/image.ts) from
 * this checkout's production build and a production-only `npm ci`, and runs the image's three
 * commands from it the way Kubernetes would run the chart's pods: with only the environment the
 * chart renders (its Secrets resolved), as uid 1000, with the image read-only at /app and the
 * chart's two volumes (/var/lib/gantry, /tmp) the only writable places (bubblewrap), against a
 * fresh database on the test MariaDB.
 */

let image: FinalStage;
let rootfs: string; // the image's /
let work: string;
let dbName: string;
const children: ChildProcess[] = [];

/** The production dependencies (the Dockerfile's `deps` stage), installed once per lock file. */
function productionDeps(): string {
  const lock = readFileSync(path.join(ROOT, "package-lock.json"));
  const dir = path.join(ROOT, ".gantry/image-deps", createHash("sha256").update(lock).digest("hex").slice(0, 16));
  if (existsSync(path.join(dir, "node_modules/.package-lock.json"))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) cpSync(path.join(ROOT, f), path.join(tmp, f));
  const r = spawnSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: tmp, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm ci --omit=dev failed:\n${r.stdout}\n${r.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Rendered {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template: { spec: { containers: { name: string; args: string[]; env?: EnvVar[]; envFrom?: { secretRef: { name: string } }[] }[] } };
  };
}

/**
 * Each container's environment as the chart renders it, Secrets resolved from the chart's own
 * (a pod's name for fieldRef metadata.name), and the image's ENV under it as a runtime does.
 */
async function chartEnvironments(flags: string[]): Promise<Record<string, Record<string, string>>> {
  const helm = await ensureHelm((m) => console.log(m));
  const { stdout } = await promisify(execFile)(
    helm,
    ["template", "gantry", path.join(ROOT, "deploy/helm/gantry"), "-n", "gantry", ...flags],
    {
      maxBuffer: 64 << 20,
    },
  );
  const objs = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Rendered | null)
    .filter((o): o is Rendered => !!o);
  const secret = (name: string) => {
    const s = objs.find((o) => o.kind === "Secret" && o.metadata.name === name);
    if (!s?.data) throw new Error(`the chart refers to Secret ${name}, which it does not render`);
    return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
  };
  const out: Record<string, Record<string, string>> = {};
  for (const o of objs) {
    for (const c of o.spec?.template?.spec?.containers ?? []) {
      if (!c.args?.length) continue;
      const env: Record<string, string> = { ...image.env };
      for (const f of c.envFrom ?? []) Object.assign(env, secret(f.secretRef.name));
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) env[e.name] = secret(ref.name)[ref.key];
        else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = `${o.metadata.name}-7d9f8-x2k4q`;
        else if (e.value !== undefined) env[e.name] = e.value;
        else throw new Error(`${o.metadata.name}: env ${e.name} has a source this test does not resolve`);
      }
      out[c.args[0]] = env;
    }
  }
  return out;
}

/**
 * Runs the image's entrypoint with `command` in a sandbox shaped like the chart's pod: read-only
 * root (the host's /usr for the base image's node), /app read-only, /var/lib/gantry and /tmp
 * writable, uid/gid 1000, a clean environment (PATH, HOME and HOSTNAME as a runtime sets them).
 */
function runInPod(command: string, env: Record<string, string>): ChildProcess & { output: () => string } {
  const data = path.join(work, `volume-data-${command}`);
  const tmp = path.join(work, `volume-tmp-${command}`);
  mkdirSync(data, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const podEnv = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/",
    HOSTNAME: `gantry-${command}-5c7d9-abcde`,
    ...env,
  };
  const args = [
    ...["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64"],
    ...["--symlink", "usr/sbin", "/sbin", "--ro-bind", "/etc", "/etc", "--dev", "/dev", "--proc", "/proc"],
    ...["--ro-bind", path.join(rootfs, "app"), "/app", "--bind", data, "/var/lib/gantry", "--bind", tmp, "/tmp"],
    ...["--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-pid", "--unshare-ipc", "--die-with-parent"],
    "--remount-ro",
    "/",
    "--chdir",
    "/",
    "--clearenv",
    ...Object.entries(podEnv).flatMap(([k, v]) => ["--setenv", k, v]),
    ...image.entrypoint,
    command,
  ];
  const child = spawn("bwrap", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  children.push(child);
  return Object.assign(child, { output: () => output });
}

const exitOf = (c: ChildProcess) =>
  new Promise<number | null>((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.on("exit", (code) => resolve(code))));

/** Polls `url` until it answers 200, failing with the process's output if it exits first. */
async function until200(url: string, proc: ChildProcess & { output: () => string }) {
  const deadline = Date.now() + 90_000;
  let last = "";
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode} before ${url} answered:\n${proc.output()}`);
    const r = await fetch(url).catch((e: Error) => e);
    if (r instanceof Response && r.status === 200) return r;
    last = r instanceof Response ? `${r.status} ${await r.text()}` : r.message;
    await new Promise((res) => setTimeout(res, 300));
  }
  throw new Error(`${url} did not answer 200 within 90 s (last: ${last}):\n${proc.output()}`);
}

let envs: Record<string, Record<string, string>>;
let ports: { web: number; health: number; metrics: number };

beforeAll(async () => {
  image = readDockerfile(ROOT);
  for (const f of [".next/standalone/server.js", ".gantry/build/operator.mjs", ".gantry/build/migrate.mjs"])
    if (!existsSync(path.join(ROOT, f)))
      throw new Error(`${f} is missing: the production build (npm run build; npm test makes it) comes first`);
  work = tempDir("image");
  rootfs = path.join(work, "root");
  assembleImage(image, ROOT, { build: ROOT, deps: productionDeps() }, rootfs);

  dbName = `gantry_image_${randomBytes(4).toString("hex")}`;
  const c = await mysql.createConnection(adminUrl());
  await c.query(`CREATE DATABASE \`${dbName}\``);
  await c.end();
  ports = { web: await freePort(), health: await freePort(), metrics: await freePort() };
  envs = await chartEnvironments([
    ...["--set", "mariadb.enabled=false", "--set", `database.url=${adminUrl()}${dbName}`],
    // Tasks would run in the operator's pod: none run here, and no cluster is needed to start it.
    ...["--set", "operator.executor=local"],
    ...["--set", `web.port=${ports.web}`, "--set", `operator.healthPort=${ports.health}`, "--set", `operator.metricsPort=${ports.metrics}`],
  ]);
}, 10 * 60_000);

afterAll(async () => {
  // bwrap's child dies with it (--die-with-parent).
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  if (!dbName) return;
  const c = await mysql.createConnection(adminUrl());
  await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await c.end();
  rmSync(work, { recursive: true, force: true });
});

describe("the container image (Dockerfile)", () => {
  it("is node:22-bookworm-slim running the entrypoint as uid 1000, with the web app as its default command", () => {
    expect(image.base).toBe("node:22-bookworm-slim");
    expect(image.user).toBe("1000:1000");
    expect(image.entrypoint).toEqual(["/app/entrypoint.sh"]);
    expect(image.cmd).toEqual(["web"]);
    expect(existsSync(path.join(rootfs, "app/server.js"))).toBe(true);
    // Production dependencies only: no test runner, no TypeScript loader.
    expect(existsSync(path.join(rootfs, "app/node_modules/vitest"))).toBe(false);
    expect(existsSync(path.join(rootfs, "app/node_modules/tsx"))).toBe(false);
    expect(existsSync(path.join(rootfs, "app/node_modules/@kubernetes/client-node"))).toBe(true);
  });

  it("refuses an unknown command, naming the three", async () => {
    const p = runInPod("serve", envs.web);
    expect(await exitOf(p)).toBe(64);
    expect(p.output()).toContain("unknown command 'serve'; use web, operator or migrate");
  });

  it("migrate creates the schema and the admin user, and a second run changes nothing", async () => {
    const first = runInPod("migrate", envs.migrate);
    expect(await exitOf(first), first.output()).toBe(0);
    expect(first.output()).toContain("created the admin user with this generated password");
    const c = await mysql.createConnection(adminUrl() + dbName);
    try {
      const [applied] = await c.query<mysql.RowDataPacket[]>("select count(*) as n from __drizzle_migrations");
      const journal = JSON.parse(readFileSync(path.join(ROOT, "server/db/migrations/meta/_journal.json"), "utf8")) as {
        entries: unknown[];
      };
      expect(Number(applied[0].n)).toBe(journal.entries.length);
      const [admins] = await c.query<mysql.RowDataPacket[]>("select username from users where role = 'admin'");
      expect(admins.map((r) => r.username)).toEqual(["admin"]);
      const [tpl] = await c.query<mysql.RowDataPacket[]>("select count(*) as n from templates");
      expect(Number(tpl[0].n)).toBeGreaterThan(5);
    } finally {
      await c.end();
    }
    const again = runInPod("migrate", envs.migrate);
    expect(await exitOf(again), again.output()).toBe(0);
    expect(again.output()).not.toContain("generated password");
  }, 120_000);

  it("web serves /api/readyz and its pages' static files from the read-only image", async () => {
    const web = runInPod("web", envs.web);
    const base = `http://127.0.0.1:${ports.web}`;
    await until200(`${base}/api/readyz`, web);
    const page = await fetch(`${base}/login`);
    expect(page.status).toBe(200);
    const asset = /\/_next\/static\/[^"']+\.js/.exec(await page.text())?.[0];
    expect(asset, "the sign-in page names a script under /_next/static").toBeTruthy();
    expect((await fetch(base + asset)).status).toBe(200);
    expect(web.output()).not.toMatch(/EROFS|EACCES/);
  }, 120_000);

  it("operator answers on its health port", async () => {
    const operator = runInPod("operator", envs.operator);
    await until200(`http://127.0.0.1:${ports.health}/readyz`, operator);
    expect(operator.output()).not.toMatch(/EROFS|EACCES/);
  }, 120_000);
});
