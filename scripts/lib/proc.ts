import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Small helpers for the orchestration scripts: step output, commands, ports, child processes. */

export function step(msg: string) {
  console.log(`\x1b[36m▸\x1b[0m ${msg}`);
}
export function ok(msg: string) {
  console.log(`\x1b[32m✓\x1b[0m ${msg}`);
}
export function fail(msg: string): never {
  console.error(`\x1b[31m✗\x1b[0m ${msg}`);
  process.exit(1);
}

export function which(bin: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: "inherit", ...opts });
    c.on("error", reject);
    c.on("exit", (code, sig) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code ?? sig}`))));
  });
}

export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

/** Apt install of Debian packages, only when we are root (or can sudo) and apt is there. */
export async function aptInstall(pkgs: string[], why: string) {
  if (!which("apt-get")) fail(`${why}: install ${pkgs.join(" ")} (no apt-get on this machine)`);
  const root = process.getuid?.() === 0;
  if (!root && !which("sudo")) fail(`${why}: run 'sudo apt-get install -y ${pkgs.join(" ")}' and try again`);
  step(`installing Debian packages ${pkgs.join(", ")} (${why})…`);
  const pre = root ? [] : ["sudo", "-n"];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const args = ["apt-get", "install", "-y", "--no-install-recommends", ...pkgs];
  try {
    await run(pre[0] ?? args[0], pre.length ? [...pre.slice(1), ...args] : args.slice(1), { env });
  } catch {
    await run(pre[0] ?? "apt-get", [...(pre.length ? [...pre.slice(1), "apt-get"] : []), "update"], { env });
    await run(pre[0] ?? args[0], pre.length ? [...pre.slice(1), ...args] : args.slice(1), { env });
  }
}

/** How the watchdog stops a child when we die without stopping it: this signal, then SIGKILL after the grace. */
export interface ReapAs {
  signal?: NodeJS.Signals;
  graceMs?: number;
}

/**
 * Children in their own process group, so that Ctrl-C reaches us first and we stop them in order.
 * Each is also handed to the watchdog (reaper.mjs), which stops it should we be killed first.
 */
export function startChild(name: string, cmd: string, args: string[], opts: SpawnOptions & { quiet?: boolean; reap?: ReapAs } = {}) {
  const { reap, quiet, ...spawnOpts } = opts;
  const child = spawn(cmd, args, { detached: true, stdio: quiet ? "ignore" : "inherit", ...spawnOpts });
  child.on("error", (e) => console.error(`${name}: ${e.message}`));
  if (child.pid) {
    const pid = child.pid;
    guardProcess(name, pid, { group: true, ...reap });
    child.once("exit", () => forgetProcess(pid));
  }
  return child;
}

let reaper: ChildProcess | null = null;

function tellReaper(message: object) {
  if (!reaper) {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "reaper.mjs");
    reaper = spawn(process.execPath, [script], { detached: true, stdio: ["pipe", "ignore", "ignore"], cwd: "/" });
    reaper.on("error", (e) => console.error(`the watchdog did not start: ${e.message}`));
    // Neither it nor its pipe keeps us alive: our exit, orderly or not, is what it waits for.
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    reaper.stdin?.on("error", () => undefined);
  }
  reaper.stdin?.write(JSON.stringify(message) + "\n");
}

/** The start time of a process (Linux /proc), so that the watchdog never signals a reused pid. */
function startTime(pid: number): string | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Has the watchdog stop `pid` (its process group with `group`) if this process dies before it does. */
export function guardProcess(name: string, pid: number, o: ReapAs & { group?: boolean } = {}) {
  tellReaper({
    op: "watch",
    pid,
    name,
    group: o.group ?? false,
    signal: o.signal ?? "SIGTERM",
    graceMs: o.graceMs ?? 15_000,
    start: startTime(pid),
  });
}

export function forgetProcess(pid: number) {
  if (reaper) tellReaper({ op: "forget", pid });
}

/**
 * Calls `onGone` when the process that started us dies, however it died (a SIGKILL too): it gives
 * us the read end of a pipe as file descriptor `fd` and keeps the write end, which the kernel
 * closes with it. (Node cannot ask for PR_SET_PDEATHSIG, and process.ppid is read once.)
 */
export function onParentGone(fd: number, onGone: () => void) {
  const s = new net.Socket({ fd, readable: true, writable: false });
  s.on("data", () => undefined);
  s.on("end", onGone);
  s.on("error", onGone);
  s.unref();
}

export function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<void> {
  const pid = child?.pid;
  if (!child || child.exitCode !== null || child.signalCode !== null || !pid) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // The group exited between the timeout and the kill: nothing left to stop.
      }
      resolve();
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    try {
      process.kill(-pid, signal);
    } catch {
      clearTimeout(t);
      resolve();
    }
  });
}
