import { sql } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { migrationsApplied } from "../db/migrate";

/** Readiness: the database answers and every migration is applied. Never throws. */
export async function readiness(given?: Db, timeoutMs = 2500): Promise<{ ready: boolean; reason?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const db = given ?? getDb();
    await Promise.race([db.execute(sql`select 1`), timeout]);
    // A database that was never migrated has no journal table: not ready, but reachable.
    const applied = await Promise.race([migrationsApplied(db), timeout]).catch((e) => {
      if (hasCode(e, "ER_NO_SUCH_TABLE")) return false;
      throw e;
    });
    return applied ? { ready: true } : { ready: false, reason: "database migrations are not applied" };
  } catch (e) {
    return { ready: false, reason: `database unreachable: ${rootMessage(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

function hasCode(e: unknown, code: string): boolean {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if ((cur as { code?: string }).code === code) return true;
  }
  return false;
}

/** Drizzle wraps driver errors ("Failed query: …"); the cause says what actually went wrong. */
function rootMessage(e: unknown): string {
  let cur = e as { message?: string; cause?: unknown; code?: string };
  for (let i = 0; cur?.cause && i < 5; i++) cur = cur.cause as typeof cur;
  return (cur?.message || cur?.code || String(e)).split("\n")[0];
}
