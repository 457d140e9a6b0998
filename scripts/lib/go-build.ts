/**
 * Building Go programs from the Go module proxy for the test set-up (the cluster, helm, the
 * registry, the object store), niced, with progress, under a directory lock.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export type Log = (msg: string) => void;
export const quietLog: Log = () => {};

export function which(bin: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * Runs `go <args>` niced (other work shares this machine), counting the packages that `-v`
 * reports and telling progress every 30 s. Output is kept and shown only on failure.
 */
export function goRun(
  what: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; log: Log },
): Promise<void> {
  const useNice = which("nice") !== null;
  const cmd = useNice ? "nice" : "go";
  const argv = useNice ? ["-n", "10", "go", ...args] : args;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let packages = 0;
    const tail: string[] = [];
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split("\n")) {
        if (!line) continue;
        if (!line.includes(" ")) packages++; // `-v` prints one import path per package built
        tail.push(line);
        if (tail.length > 60) tail.shift();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const tick = setInterval(() => opts.log(`  ${what}: ${packages} packages compiled, ${fmtDuration(Date.now() - started)}…`), 30_000);
    child.on("error", (e) => {
      clearInterval(tick);
      reject(e);
    });
    child.on("exit", (code, sig) => {
      clearInterval(tick);
      if (code === 0) return resolve();
      reject(
        new Error(`${what}: go ${args.join(" ")} failed (${code ?? sig}) after ${fmtDuration(Date.now() - started)}:\n${tail.join("\n")}`),
      );
    });
  });
}

/** A directory lock, so that two `cluster:up` (or a test and a developer) do not build the same thing at once. */
export async function withLock<T>(dir: string, log: Log, fn: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(dir), { recursive: true });
  const pidFile = path.join(dir, "pid");
  let told = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(pidFile, String(process.pid));
      break;
    } catch {
      let pid = 0;
      try {
        pid = Number(readFileSync(pidFile, "utf8"));
      } catch {
        // No pid file yet: the lock is being taken right now, or its holder died before writing it.
      }
      let alive = false;
      if (pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {
          // No such process: the lock's holder is gone and the lock is stale.
        }
      }
      // A lock without a pid file may be one being taken right now; give it a moment.
      const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (!alive && (pid > 0 || age > 10_000)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`  waiting for another build (pid ${pid || "?"}, lock ${dir})…`);
      told = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
