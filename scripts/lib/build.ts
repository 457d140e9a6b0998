import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { run, step, ok } from "./proc";

/** Sources whose change makes the production build stale. */
const INPUTS = [
  "app",
  "components",
  "lib",
  "server",
  "operator",
  "next.config.ts",
  "postcss.config.mjs",
  "package-lock.json",
  "tsconfig.json",
];
const STAMP = ".gantry/build/stamp";

function fingerprint(root: string): string {
  const h = createHash("sha256");
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (!f.startsWith(".") && f !== "node_modules") walk(path.join(p, f));
    } else if (!/\.test\.tsx?$/.test(p)) {
      h.update(`${path.relative(root, p)}:${st.size}:${st.mtimeMs}\n`);
    }
  };
  for (const i of INPUTS) walk(path.join(root, i));
  return h.digest("hex");
}

export async function buildIfStale(root: string, force = false) {
  const fp = fingerprint(root);
  const stamp = path.join(root, STAMP);
  const have = existsSync(stamp) ? readFileSync(stamp, "utf8") : "";
  if (
    !force &&
    have === fp &&
    existsSync(path.join(root, ".next/standalone/server.js")) &&
    existsSync(path.join(root, ".gantry/build/migrate.mjs"))
  ) {
    ok("production build is up to date");
    return;
  }
  step("building the web app (next build; a minute or two on first run)…");
  await run(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  await buildOperator(root);
  mkdirSync(path.dirname(stamp), { recursive: true });
  writeFileSync(stamp, fp);
  ok("build finished");
}

/**
 * Bundles the operator and the container image's `migrate` command (server/seed/migrate-main.ts)
 * into one ESM file each; npm packages stay external and load from node_modules.
 */
export async function buildOperator(root: string) {
  step("bundling the operator and the migrate command…");
  await build({
    entryPoints: { operator: path.join(root, "operator/main.ts"), migrate: path.join(root, "server/seed/migrate-main.ts") },
    outdir: path.join(root, ".gantry/build"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
}
