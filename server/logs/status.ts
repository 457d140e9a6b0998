import type { LogStatusJson } from "@/lib/api-schemas";
import type { DbOrTx } from "../db/client";
import { logEngine, logStore, elasticsearchStore } from "./select";

/**
 * A task run's log end (`task_runs.log_seq`: every line an operator accepted, stored or buffered)
 * against what the store can serve. With MySQL both are the same; with Elasticsearch the archive
 * is behind while an operator replays lines it buffered during an outage.
 */
export async function logStatus(db: DbOrTx, taskRunId: string): Promise<LogStatusJson> {
  const lastSeq = await logStore(db).lastSeq(taskRunId);
  const es = elasticsearchStore(db);
  if (!es) return { lastSeq, archivedSeq: lastSeq, behind: 0, engine: logEngine() };
  let archivedSeq = lastSeq;
  // The last line readable (from the index, or MySQL's older lines and notes): nothing is behind.
  if (lastSeq > 0 && (await es.read(taskRunId, lastSeq - 1, 1)).length === 0)
    archivedSeq = Math.min(lastSeq, await es.indexedSeq(taskRunId));
  return { lastSeq, archivedSeq, behind: Math.max(0, lastSeq - archivedSeq), engine: "elasticsearch" };
}
