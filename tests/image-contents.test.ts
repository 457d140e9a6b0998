import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../scripts/lib/proc";
import { adminUrl, ROOT } from "./executor-helpers";
import { assembleTestImage, chartEnvironments, exitOf, until200, type TestImage } from "./image-helpers";

/**
 * The container image's contents and its three commands (tests/image-helpers.ts says how the
 * image is assembled and run without a builder), against a fresh database on the test MariaDB,
 * with the environment the chart renders.
 */

let img: TestImage;
let dbName: string;
let envs: Record<string, Record<string, string>>;
let ports: { web: number; health: number; metrics: number };

beforeAll(async () => {
  img = assembleTestImage();
  dbName = `gantry_image_${randomBytes(4).toString("hex")}`;
  const c = await mysql.createConnection(adminUrl());
  await c.query(`CREATE DATABASE \`${dbName}\``);
  await c.end();
  ports = { web: await freePort(), health: await freePort(), metrics: await freePort() };
  envs = await chartEnvironments(img.image, [
    ...["--set", "mariadb.enabled=false", "--set", `database.url=${adminUrl()}${dbName}`],
    // Tasks would run in the operator's pod: none run here, and no cluster is needed to start it.
    ...["--set", "operator.executor=local"],
    ...["--set", `web.port=${ports.web}`, "--set", `operator.healthPort=${ports.health}`, "--set", `operator.metricsPort=${ports.metrics}`],
  ]);
}, 10 * 60_000);

afterAll(async () => {
  img?.remove();
  if (!dbName) return;
  const c = await mysql.createConnection(adminUrl());
  await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await c.end();
});

describe("the container image (Dockerfile)", () => {
  it("is node:22-bookworm-slim running the entrypoint as uid 1000, with the web app as its default command", () => {
    expect(img.image.base).toBe("node:22-bookworm-slim");
    expect(img.image.user).toBe("1000:1000");
    expect(img.image.entrypoint).toEqual(["/app/entrypoint.sh"]);
    expect(img.image.cmd).toEqual(["web"]);
    expect(existsSync(path.join(img.rootfs, "app/server.js"))).toBe(true);
    // Production dependencies only: no test runner, no TypeScript loader.
    expect(existsSync(path.join(img.rootfs, "app/node_modules/vitest"))).toBe(false);
    expect(existsSync(path.join(img.rootfs, "app/node_modules/tsx"))).toBe(false);
    expect(existsSync(path.join(img.rootfs, "app/node_modules/@kubernetes/client-node"))).toBe(true);
  });

  it("refuses an unknown command, naming the three", async () => {
    const p = img.run("serve", envs.web);
    expect(await exitOf(p)).toBe(64);
    expect(p.output()).toContain("unknown command 'serve'; use web, operator or migrate");
  });

  it("migrate creates the schema and the admin user, and a second run changes nothing", async () => {
    const first = img.run("migrate", envs.migrate);
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
    const again = img.run("migrate", envs.migrate);
    expect(await exitOf(again), again.output()).toBe(0);
    expect(again.output()).not.toContain("generated password");
  }, 120_000);

  it("web serves /api/readyz and its pages' static files from the read-only image", async () => {
    const web = img.run("web", envs.web);
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
    const operator = img.run("operator", envs.operator);
    await until200(`http://127.0.0.1:${ports.health}/readyz`, operator);
    expect(operator.output()).not.toMatch(/EROFS|EACCES/);
  }, 120_000);
});
