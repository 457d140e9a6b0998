/**
 * A program of the test set-up built from the Go module proxy with `go install module/cmd@version`
 * into `~/.cache/gantry/tools/<name>-<version>/` (GANTRY_TOOLS_CACHE moves it), and reused from
 * there. Built into a temporary directory and moved into place when complete, so an interrupted
 * build leaves nothing half-done; a directory lock keeps two test runs from building it at once.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fmtDuration, goRun, quietLog, which, withLock, type Log } from "../go-build";

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
    log(`building ${t.name} ${t.version} from ${t.pkg} (go install; cached in ${dir})…`);
    const args = ["install", "-v", "-trimpath", "-ldflags", ["-s -w", t.ldflags ?? ""].join(" ").trim()];
    if (t.tags?.length) args.push("-tags", t.tags.join(","));
    args.push(`${t.pkg}@${t.version}`);
    await goRun(t.name, args, { cwd: os.tmpdir(), env: { GOBIN: out, GOFLAGS: "-buildvcs=false", CGO_ENABLED: t.cgo ? "1" : "0" }, log });
    mkdirSync(dir, { recursive: true });
    renameSync(path.join(out, t.name), bin);
    rmSync(out, { recursive: true, force: true });
    log(`  ${t.name} built in ${fmtDuration(Date.now() - t0)}`);
    return bin;
  });
}
