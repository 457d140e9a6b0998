import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import net from "node:net";

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

/** Children in their own process group, so that Ctrl-C reaches us first and we stop them in order. */
export function startChild(name: string, cmd: string, args: string[], opts: SpawnOptions & { quiet?: boolean } = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: opts.quiet ? "ignore" : "inherit", ...opts });
  child.on("error", (e) => console.error(`${name}: ${e.message}`));
  return child;
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
