import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { logChunks, taskRuns } from "../db/schema";

export type LogStream = "out" | "err" | "sys";
export interface LogLine {
  /** 1-based, contiguous per task run. */
  seq: number;
  /** epoch milliseconds */
  ts: number;
  stream: LogStream;
  text: string;
  /**
   * The Kubernetes container that wrote the line (`main`, `clone`, a sidecar's name); unset for
   * the local executor and Gantry's own lines. Kept by the Elasticsearch store (its `container`
   * field); the MySQL store does not keep it (the text's `[name] ` prefix still shows it).
   */
  container?: string;
}

/**
 * Where log lines of task runs live. MySQL by default; Elasticsearch comes with the same
 * interface (issue 7). Appends are idempotent per batch (same first seq → ignored), so a writer
 * may retry a batch after an error without duplicating lines.
 */
export interface LogStore {
  append(taskRunId: string, lines: LogLine[]): Promise<void>;
  read(taskRunId: string, afterSeq: number, limit: number): Promise<LogLine[]>;
  lastSeq(taskRunId: string): Promise<number>;
}

type Tuple = [number, number, LogStream, string];

export class MySqlLogStore implements LogStore {
  constructor(private db: DbOrTx) {}

  async append(taskRunId: string, lines: LogLine[]) {
    if (lines.length === 0) return;
    const data = JSON.stringify(lines.map((l): Tuple => [l.seq, l.ts, l.stream, l.text]));
    const seqStart = lines[0].seq;
    const seqEnd = lines[lines.length - 1].seq;
    await this.db
      .insert(logChunks)
      .values({ taskRunId, seqStart, seqEnd, data })
      .onDuplicateKeyUpdate({ set: { seqStart: sql`${logChunks.seqStart}` } });
    await this.db
      .update(taskRuns)
      .set({ logSeq: sql`greatest(${taskRuns.logSeq}, ${seqEnd})` })
      .where(eq(taskRuns.id, taskRunId));
  }

  async read(taskRunId: string, afterSeq: number, limit: number): Promise<LogLine[]> {
    const out: LogLine[] = [];
    let cursor = afterSeq;
    while (out.length < limit) {
      const chunks = await this.db
        .select({ data: logChunks.data, seqEnd: logChunks.seqEnd })
        .from(logChunks)
        .where(and(eq(logChunks.taskRunId, taskRunId), gt(logChunks.seqEnd, cursor)))
        .orderBy(asc(logChunks.seqStart))
        .limit(16);
      if (chunks.length === 0) break;
      for (const c of chunks) {
        for (const [seq, ts, stream, text] of JSON.parse(c.data) as Tuple[]) {
          if (seq > cursor && out.length < limit) {
            out.push({ seq, ts, stream, text });
            cursor = seq;
          }
        }
        if (out.length >= limit) break;
      }
      if (chunks.length < 16) break;
    }
    return out;
  }

  async lastSeq(taskRunId: string): Promise<number> {
    const [r] = await this.db.select({ s: taskRuns.logSeq }).from(taskRuns).where(eq(taskRuns.id, taskRunId));
    return r?.s ?? 0;
  }
}
