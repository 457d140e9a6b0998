/**
 * A program of the test set-up built from the Go module proxy with `go install module/cmd@version`
 * into `~/.cache/gantry/tools/<name>-<version>/` (GANTRY_TOOLS_CACHE moves it), and reused from
 * there. Built into a temporary directory and moved into place when complete, so an interrupted
 * build leaves nothing half-done; a directory lock keeps two test runs from building it at once.
 * A module whose go.mod has `replace` directives (which `go install …@version` refuses) is built
 * with `go build` in a copy of its downloaded tree instead (`fromSource`).
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { execFile } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fmtDuration, goRun, quietLog, which, withLock, type Log } from "../go-build";
import { run } from "../proc";

const execFileP = promisify(execFile);

export interface GoTool {
  /** The binary's file name, e.g. `helm`. */
  name: string;
  /** The package to install, e.g. `helm.sh/helm/v4/cmd/helm`. */
  pkg: string;
  /** The exact version (`v4.3.2`). */
  version: string;
  /** Extra `-ldflags` (e.g. `-X` version stamps); `-s -w` is always there. */
  ldflags?: string;
  /** Extra build tags. */
  tags?: string[];
  /** Build with cgo (off by default: static binaries, no C toolchain needed). */
  cgo?: boolean;
  /**
   * Build `pkg` (the module path) with `go build` in a writable copy of the module's tree, as its
   * own main module; `keep` are directories of that tree the program reads at run time, copied
   * next to the binary; `dir` is the main package's directory in that tree (default: its root).
   */
  fromSource?: { keep: string[]; dir?: string };
}

export function toolsCache(): string {
  return process.env.GANTRY_TOOLS_CACHE || path.join(os.homedir(), ".cache/gantry/tools");
}

/** Where the tool's binary is (or will be) cached. */
export function toolPath(t: GoTool): string {
  return path.join(toolsCache(), `${t.name}-${t.version}`, t.name);
}

/** Why the tool cannot be had here (not cached and no Go to build it), or null. */
export function toolUnavailableReason(t: GoTool): string | null {
  if (existsSync(toolPath(t)) || which("go")) return null;
  return `Go is not installed and ${toolPath(t)} is not cached: ${t.name} is built from ${t.pkg}@${t.version} with Go`;
}

/** The tool's binary, built first when it is not in the cache. */
export async function ensureGoTool(t: GoTool, log: Log = quietLog): Promise<string> {
  const bin = toolPath(t);
  if (existsSync(bin)) return bin;
  if (!which("go")) throw new Error(toolUnavailableReason(t) ?? `Go is not installed`);
  const dir = path.dirname(bin);
  mkdirSync(path.dirname(dir), { recursive: true });
  return withLock(path.join(path.dirname(dir), `.${t.name}.lock`), log, async () => {
    if (existsSync(bin)) return bin; // built by whoever held the lock
    const out = path.join(path.dirname(dir), `.tmp-${t.name}-${process.pid}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const t0 = Date.now();
    log(`building ${t.name} ${t.version} from ${t.pkg} (go ${t.fromSource ? "build" : "install"}; cached in ${dir})…`);
    const flags = ["-v", "-trimpath", "-ldflags", ["-s -w", t.ldflags ?? ""].join(" ").trim()];
    if (t.tags?.length) flags.push("-tags", t.tags.join(","));
    const env = { GOBIN: out, GOFLAGS: "-buildvcs=false", CGO_ENABLED: t.cgo ? "1" : "0" };
    if (t.fromSource) {
      const src = `${out}-src`;
      try {
        const tree = await moduleTree(t, log);
        cpSync(tree, src, { recursive: true });
        // The module cache's files are read-only; the copy must be writable to be built in and removed.
        await run("chmod", ["-R", "u+w", src]);
        const main = t.fromSource.dir ? `./${t.fromSource.dir}` : ".";
        await goRun(t.name, ["build", ...flags, "-o", path.join(out, t.name), main], { cwd: src, env, log });
        for (const d of t.fromSource.keep) cpSync(path.join(src, d), path.join(out, d), { recursive: true });
      } finally {
        rmSync(src, { recursive: true, force: true });
      }
    } else {
      await goRun(t.name, ["install", ...flags, `${t.pkg}@${t.version}`], { cwd: os.tmpdir(), env, log });
    }
    // The whole directory moves into place at once: binary and kept data together or nothing.
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
    log(`  ${t.name} built in ${fmtDuration(Date.now() - t0)}`);
    return bin;
  });
}

/** The module's tree in Go's module cache (read-only there), downloaded first if needed. */
async function moduleTree(t: GoTool, log: Log): Promise<string> {
  log(`  downloading ${t.pkg}@${t.version} from the Go module proxy…`);
  const { stdout } = await execFileP("go", ["mod", "download", "-json", `${t.pkg}@${t.version}`], {
    cwd: os.tmpdir(),
    maxBuffer: 1 << 20,
  }).catch((e: Error & { stdout?: string }) => {
    throw new Error(`go mod download ${t.pkg}@${t.version} failed: ${e.stdout || e.message}`);
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${t.pkg}@${t.version} named no directory: ${stdout}`);
  return dir;
}
