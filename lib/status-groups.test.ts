import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, sourceFiles } from "../tests/source-files";

/**
 * The groups of statuses (active, final, broken) are written down once, in lib/status.ts. This
 * reads the source tree and names every other file that spells one of them out as a list.
 */

const SCANNED = ["server", "operator", "app", "components", "lib", "cli", "scripts", "bench"];
const HOME = "lib/status.ts";
const GROUPS: Record<string, string[]> = {
  active: ["queued", "running", "waiting"],
  final: ["succeeded", "failed", "cancelled", "skipped"],
};

/** A list literal naming exactly these statuses, in any order and quoting. */
function spellsOut(text: string, statuses: string[]): boolean {
  for (const m of text.matchAll(/\[([^[\]]{0,200})\]/g)) {
    const items = m[1]
      .split(",")
      .map((x) => x.trim().replace(/^["'`]|["'`]$/g, ""))
      .filter(Boolean);
    if (items.length === statuses.length && [...items].sort().join() === [...statuses].sort().join()) return true;
  }
  return false;
}

describe("status groups", () => {
  it.each(Object.entries(GROUPS))("spell out the %s statuses only in lib/status.ts", (group, statuses) => {
    const offenders = SCANNED.flatMap(sourceFiles).filter(
      (f) => f !== HOME && spellsOut(readFileSync(path.join(ROOT, f), "utf8"), statuses),
    );
    expect(offenders, `use the ${group} group from ${HOME} instead of a list of its own`).toEqual([]);
    expect(spellsOut(readFileSync(path.join(ROOT, HOME), "utf8"), statuses), `${HOME} defines the ${group} group`).toBe(true);
  });
});
