import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, sourceFiles } from "../../tests/source-files";

/**
 * Run and task-run statuses change only in the state module (server/runs/state.ts), through the
 * checked transitions of lib/status.ts. This reads the source tree and names every other place
 * that writes a `status` on `runs` or `task_runs`, with Drizzle (`.update(taskRuns).set({ status
 * … })`) or raw SQL (`UPDATE task_runs SET status = …`). Inserts (a new run starts `queued`) are
 * not status changes.
 */

const SCANNED = ["server", "operator", "app", "scripts", "lib", "cli", "bench"];
const STATE_MODULE = "server/runs/state.ts";

/** The status writes in one file's text, as "line N: excerpt". */
function statusWrites(text: string): string[] {
  const found: { at: number; excerpt: string }[] = [];
  // Drizzle: `.update(runs)` / `.update(taskRuns)` (or `schema.x`) up to its `.where(` or the end of the statement.
  for (const m of text.matchAll(/\.update\(\s*(?:\w+\.)?(runs|taskRuns)\s*\)/g)) {
    const rest = text.slice(m.index + m[0].length);
    const end = rest.search(/\.where\(|;/);
    const stmt = rest.slice(0, end === -1 ? 2000 : end);
    if (/\.set\(\s*\{[\s\S]*?\bstatus\b\s*[:,}]/.test(stmt))
      found.push({ at: m.index, excerpt: `.update(${m[1]})${stmt}`.replace(/\s+/g, " ").slice(0, 120) });
  }
  // Raw SQL: UPDATE [`]runs|task_runs[`] SET … status = (before its WHERE).
  for (const m of text.matchAll(/update\s+`?(task_runs|runs)`?\s+set\b(?:(?!\bwhere\b)[^;]){0,400}?\bstatus`?\s*=/gi)) {
    found.push({ at: m.index, excerpt: m[0].replace(/\s+/g, " ").slice(0, 120) });
  }
  return found.map((f) => `line ${text.slice(0, f.at).split("\n").length}: ${f.excerpt}`);
}

describe("status writes", () => {
  it("happen only in the state module", () => {
    const offenders: string[] = [];
    for (const file of SCANNED.flatMap(sourceFiles)) {
      if (file === STATE_MODULE) continue;
      for (const w of statusWrites(readFileSync(path.join(ROOT, file), "utf8"))) offenders.push(`${file} ${w}`);
    }
    expect(
      offenders,
      `only ${STATE_MODULE} may change a run's or task run's status (transitionRun / transitionTaskRun(s)); found:\n${offenders.join("\n")}`,
    ).toEqual([]);
  });

  it("are still found in the state module itself (the scan sees what it looks for)", () => {
    expect(statusWrites(readFileSync(path.join(ROOT, STATE_MODULE), "utf8")).length).toBeGreaterThan(0);
  });

  it.each([
    ['await db.update(taskRuns).set({ status: "skipped" }).where(eq(taskRuns.id, id));', 1],
    ["await tx\n  .update(runs)\n  .set({\n    rev: sql`${runs.rev} + 1`,\n    status,\n  })\n  .where(eq(runs.id, id));", 1],
    ["await db.execute(sql`UPDATE task_runs SET message = 'x', status = 'failed' WHERE id = ${id}`);", 1],
    ["await db.execute(sql`update `runs` set `status` = 'failed'`);", 1],
    ['await db.update(taskRuns).set({ executorRef: ref }).where(eq(taskRuns.status, "running"));', 0],
    ['await db.update(notificationOutbox).set({ status: "sent" }).where(eq(notificationOutbox.id, id));', 0],
    ["await db.execute(sql`UPDATE runs SET message = 'x' WHERE status = 'running'`);", 0],
  ] as const)("are recognised in %j", (code, n) => {
    expect(statusWrites(code)).toHaveLength(n);
  });
});
