import { asc, inArray } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { approvals } from "../db/schema";

/** The stored decisions of these gates, oldest first. */
export async function decisionsOf(db: DbOrTx, taskRunIds: string[]) {
  if (taskRunIds.length === 0) return [];
  return db.select().from(approvals).where(inArray(approvals.taskRunId, taskRunIds)).orderBy(asc(approvals.createdAt), asc(approvals.id));
}
