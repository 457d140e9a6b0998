import { readdirSync } from "node:fs";
import path from "node:path";

/** The repository's root, for tests that read the source tree. */
export const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * The TypeScript sources under `dir` (relative to the repository root, posix separators), tests
 * and dot-directories left out: what the architecture tests read.
 */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && !e.name.startsWith(".")) out.push(...sourceFiles(rel));
    } else if (/\.(ts|tsx|mts)$/.test(e.name) && !/\.(test|spec)\.tsx?$/.test(e.name)) {
      out.push(rel);
    }
  }
  return out;
}
