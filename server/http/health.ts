import { sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { migrationsApplied } from "../db/migrate";

/** Readiness: the database answers and every migration is applied. Never throws. */
export async function readiness(timeoutMs = 2500): Promise<{ ready: boolean; reason?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const db = getDb();
    await Promise.race([db.execute(sql`select 1`), timeout]);
    const applied = await Promise.race([migrationsApplied(db), timeout]);
    return applied ? { ready: true } : { ready: false, reason: "database migrations are not applied" };
  } catch (e) {
    return { ready: false, reason: `database unreachable: ${(e as Error).message.split("\n")[0]}` };
  } finally {
    clearTimeout(timer);
  }
}
