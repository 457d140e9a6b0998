import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The groups of statuses (active, final, broken) are written down once, in lib/status.ts. This
 * reads the source tree and names every other file that spells one of them out as a list.
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const SCANNED = ["server", "operator", "app", "components", "lib", "cli", "scripts", "bench"];
const HOME = "lib/status.ts";
const GROUPS: Record<string, string[]> = {
  active: ["queued", "running", "waiting"],
  final: ["succeeded", "failed", "cancelled", "skipped"],
};

function sourceFiles(dir: string): string[] {
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

/** A list literal naming exactly these statuses, in any order and quoting. */
function spellsOut(text: string, statuses: string[]): boolean {
  for (const m of text.matchAll(/\[([^\[\]]{0,200})\]/g)) {
    const items = m[1].split(",").map((x) => x.trim().replace(/^["'`]|["'`]$/g, "")).filter(Boolean);
    if (items.length === statuses.length && [...items].sort().join() === [...statuses].sort().join()) return true;
  }
  return false;
}

describe("status groups", () => {
  it.each(Object.entries(GROUPS))("spell out the %s statuses only in lib/status.ts", (group, statuses) => {
    const offenders = SCANNED.flatMap(sourceFiles).filter((f) => f !== HOME && spellsOut(readFileSync(path.join(ROOT, f), "utf8"), statuses));
    expect(offenders, `use the ${group} group from ${HOME} instead of a list of its own`).toEqual([]);
    expect(spellsOut(readFileSync(path.join(ROOT, HOME), "utf8"), statuses), `${HOME} defines the ${group} group`).toBe(true);
  });
});
