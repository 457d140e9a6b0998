#!/usr/bin/env node
// Entry point of `npm start|dev|test|bench`. Plain JavaScript on purpose: it runs before the
// dependencies (tsx among them) are installed, installs them when missing or stale, then hands
// over to the TypeScript orchestrator.
import { spawnSync, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const cmd = process.argv[2] ?? "start";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 9)) {
  console.error(`Gantry needs Node.js 20.9 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

/** Installs the dependencies of the package in `dir` when they are missing or older than its lock file. */
function install(dir, what) {
  const marker = path.join(dir, "node_modules/.package-lock.json");
  const lock = path.join(dir, "package-lock.json");
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
  if (!stale) return;
  console.log(`▸ installing ${what} (first run only)…`);
  const r = spawnSync("npm", [existsSync(lock) ? "ci" : "install", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("✗ npm install failed; see the output above.");
    process.exit(r.status ?? 1);
  }
}
install(root, "npm dependencies");
// ESLint and Prettier live in a package of their own (tools/lint/package.json says why).
if (cmd === "test" || cmd === "lint") install(path.join(root, "tools/lint"), "the linters");

// tsx as a loader in this same node process rather than its CLI: the CLI relays Ctrl-C and kills
// its child if it doesn't exit at once, which would cut the orderly shutdown (database last) short.
// File descriptor 3 is a lifeline: the orchestrator reads it, we never write it, and the kernel
// closes it when we die, a SIGKILL included, so the orchestrator then stops everything it started.
const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/gantry.ts"), cmd, ...process.argv.slice(3)], {
  cwd: root,
  stdio: ["inherit", "inherit", "inherit", "pipe"],
  env: { ...process.env, GANTRY_PARENT_FD: "3" },
});
// The orchestrator handles Ctrl-C itself (it shares our process group); just wait for it.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
