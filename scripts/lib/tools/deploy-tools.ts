/**
 * helm and kubectl for the deploy templates in the test set-up: one directory, put first on the
 * PATH of the stack under test and of the tests, holding links to helm (built from source) and
 * to the test cluster's kubectl. It sits in the repository's node_modules/.cache, readable by the
 * sandbox's `nobody` (the home may not be); the sandbox shows it to tasks as a directory of the
 * operator's PATH, wherever the checkout lies (under /tmp too).
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Log } from "../go-build";
import { ensureHelm, helmTool } from "./helm";
import { toolUnavailableReason } from "./go-tool";

export function deployToolsDir(root: string): string {
  return path.join(root, "node_modules/.cache/gantry/bin");
}

/** Puts `bin` into the directory as `name` (a hard link, else a copy), replacing what was there. */
export function provideTool(dir: string, name: string, bin: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const dest = path.join(dir, name);
  rmSync(dest, { force: true });
  try {
    linkSync(bin, dest);
  } catch {
    copyFileSync(bin, dest); // another file system
  }
}

/** Builds helm when needed and links it in; the reason when it cannot be had here (no Go, nothing cached). */
export async function provideHelm(root: string, log: Log): Promise<string | null> {
  const why = toolUnavailableReason(helmTool);
  if (why) return why;
  provideTool(deployToolsDir(root), "helm", await ensureHelm(log));
  return null;
}

/** Links the test cluster's kubectl in, once the cluster's binaries exist. */
export function provideKubectl(root: string, kubectl: string): void {
  if (existsSync(kubectl)) provideTool(deployToolsDir(root), "kubectl", kubectl);
}

/**
 * For `npm test`: helm provided (built the first time), and the PATH that finds it and the
 * cluster's kubectl first. Without Go and a cache, the deploy suites say why they cannot run.
 */
export async function deployToolsPath(root: string, log: Log): Promise<{ PATH: string }> {
  const why = await provideHelm(root, log);
  if (why) log(`helm is not available, the deploy template suites will fail: ${why}`);
  return { PATH: `${deployToolsDir(root)}:${process.env.PATH ?? "/usr/bin:/bin"}` };
}
