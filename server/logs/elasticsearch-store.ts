import type { Client } from "@elastic/elasticsearch";
import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { pipelines, runs, taskRuns } from "../db/schema";
import { logger } from "../logger";
import { MySqlLogStore, type LogLine, type LogStore } from "./store";
import type { DiskBuffer } from "./disk-buffer";
import { BULK_DOCS, bulkPipe, type BulkPipe } from "./elasticsearch-bulk";
import { isNotFound, isUnavailable } from "./elasticsearch-client";
import {
  allIndices,
  applyRetention,
  DEFAULT_PREFIX,
  ensureTemplate,
  hitSource,
  indexFor,
  indicesFor,
  type LogDoc,
} from "./elasticsearch-index";
import { searchRequest, searchResult, type SearchParams, type SearchResult } from "./elasticsearch-query";

/**
 * Log lines in Elasticsearch: one document per line in daily indices (elasticsearch-index.ts), id
 * `<taskRunId>:<seq>`, so a batch sent twice (a retry, a replay from the disk buffer) overwrites
 * itself instead of duplicating. MySQL stays the source of truth for where a log ends
 * (`task_runs.log_seq`, bumped after a bulk is searchable), so the live view polls MySQL and reads
 * lines from here, and readers never see a gap: a read returns only lines that follow the cursor
 * without a hole (a line buffered on an operator's disk or not yet refreshed is waited for, not
 * skipped). Lines written to MySQL before the switch, and the operator's own notes written in a
 * transaction (a dead operator's task run), are read from `log_chunks` as well.
 */

const SEARCH_PAGE = 10_000;

export interface LineMeta {
  runId: string;
  pipelineId: string;
  projectId: string | null;
}

/** The task run row is gone (its pipeline was deleted): the writer drops its lines (writer.ts). */
class GoneError extends Error {
  code = "ER_NO_REFERENCED_ROW_2";
}

export interface ElasticsearchStoreOptions {
  prefix?: string;
  /** Operator: where lines go while Elasticsearch is unreachable (replayed in order later). */
  buffer?: DiskBuffer;
}

export class ElasticsearchLogStore implements LogStore {
  readonly prefix: string;
  private readonly pipe: BulkPipe;
  private readonly mysql: MySqlLogStore;
  private readonly meta = new Map<string, LineMeta>();

  constructor(
    readonly client: Client,
    private db: DbOrTx,
    private opts: ElasticsearchStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? DEFAULT_PREFIX;
    this.pipe = bulkPipe(client);
    this.mysql = new MySqlLogStore(db);
    opts.buffer?.attach((t, m, l) => this.index(t, m, l));
  }

  /** Installs the index template (see ensureTemplate in elasticsearch-index.ts). */
  ensureTemplate(): Promise<void> {
    return ensureTemplate(this.client, this.prefix);
  }

  private async lineMeta(taskRunId: string): Promise<LineMeta> {
    const hit = this.meta.get(taskRunId);
    if (hit) return hit;
    const [r] = await this.db
      .select({ runId: runs.id, pipelineId: runs.pipelineId, projectId: pipelines.projectId })
      .from(taskRuns)
      .innerJoin(runs, eq(runs.id, taskRuns.runId))
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(eq(taskRuns.id, taskRunId));
    if (!r) throw new GoneError(`task run ${taskRunId} does not exist`);
    const m: LineMeta = r;
    if (this.meta.size > 10_000) this.meta.clear();
    this.meta.set(taskRunId, m);
    return m;
  }

  async append(taskRunId: string, lines: LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const meta = await this.lineMeta(taskRunId);
    const buffer = this.opts.buffer;
    // Once anything is buffered, everything goes behind it, so lines reach the store in order.
    if (buffer) await buffer.waitGate();
    if (buffer && !buffer.empty) await buffer.add(taskRunId, meta, lines);
    else {
      try {
        await this.index(taskRunId, meta, lines);
      } catch (e) {
        if (!buffer || !isUnavailable(e)) throw e;
        logger.warn(
          { err: (e as Error).message, taskRunId, lines: lines.length },
          "Elasticsearch is unavailable; buffering log lines on disk",
        );
        await buffer.add(taskRunId, meta, lines);
      }
    }
    await this.bumpLogSeq(taskRunId, lines[lines.length - 1].seq);
  }

  /** Sends lines (already numbered) and waits until they are searchable. Idempotent. */
  async index(taskRunId: string, meta: LineMeta, lines: LogLine[]): Promise<void> {
    await this.ensureTemplate();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < lines.length; i += BULK_DOCS) {
      const ops: unknown[] = [];
      const part = lines.slice(i, i + BULK_DOCS);
      for (const l of part) {
        ops.push({ index: { _index: indexFor(this.prefix, l.ts), _id: `${taskRunId}:${l.seq}` } });
        ops.push({
          taskRunId,
          ...meta,
          container: l.container ?? null,
          stream: l.stream,
          seq: l.seq,
          ts: l.ts,
          message: l.text,
        } satisfies LogDoc);
      }
      sends.push(this.pipe.send(ops, part.length));
    }
    await Promise.all(sends);
  }

  private async bumpLogSeq(taskRunId: string, seqEnd: number) {
    await this.db
      .update(taskRuns)
      .set({ logSeq: sql`greatest(${taskRuns.logSeq}, ${seqEnd})` })
      .where(eq(taskRuns.id, taskRunId));
  }

  async read(taskRunId: string, afterSeq: number, limit: number): Promise<LogLine[]> {
    const [es, chunks, buffered] = await Promise.all([
      this.readIndexed(taskRunId, afterSeq, limit),
      this.mysql.read(taskRunId, afterSeq, limit),
      this.opts.buffer ? this.opts.buffer.read(taskRunId, afterSeq, limit) : Promise.resolve([]),
    ]);
    let merged = es;
    if (chunks.length || buffered.length) {
      const bySeq = new Map<number, LogLine>();
      for (const l of [...es, ...chunks, ...buffered]) bySeq.set(l.seq, l);
      merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    }
    // Only the part that follows the cursor without a hole: a missing line is still on its way.
    const out: LogLine[] = [];
    let next = afterSeq + 1;
    for (const l of merged) {
      if (l.seq !== next || out.length >= limit) break;
      out.push(l);
      next++;
    }
    return out;
  }

  private async readIndexed(taskRunId: string, afterSeq: number, limit: number): Promise<LogLine[]> {
    const out: LogLine[] = [];
    let after = afterSeq;
    while (out.length < limit) {
      const size = Math.min(SEARCH_PAGE, limit - out.length);
      let r;
      try {
        r = await this.client.search<LogDoc>({
          index: allIndices(this.prefix),
          size,
          ignore_unavailable: true,
          allow_no_indices: true,
          track_total_hits: false,
          query: { bool: { filter: [{ term: { taskRunId } }, { range: { seq: { gt: after, lte: after + size } } }] } },
          sort: [{ seq: "asc" }],
          _source: ["seq", "ts", "stream", "message"],
        });
      } catch (e) {
        if (isNotFound(e)) break;
        throw e;
      }
      const hits = r.hits.hits;
      for (const h of hits) {
        const s = hitSource(h);
        out.push({ seq: s.seq, ts: s.ts, stream: s.stream, text: s.message });
      }
      if (hits.length < size) break;
      after = out[out.length - 1].seq;
    }
    return out;
  }

  async lastSeq(taskRunId: string): Promise<number> {
    return this.mysql.lastSeq(taskRunId);
  }

  /** Highest line of a task run that is in the index (≤ lastSeq; lower while lines are buffered). */
  async indexedSeq(taskRunId: string): Promise<number> {
    const r = await this.client.search<LogDoc>({
      index: allIndices(this.prefix),
      size: 1,
      ignore_unavailable: true,
      allow_no_indices: true,
      track_total_hits: false,
      query: { term: { taskRunId } },
      sort: [{ seq: "desc" }],
      _source: ["seq"],
    });
    return r.hits.hits[0]?._source?.seq ?? 0;
  }

  /** Full-text search over all lines (the query language: elasticsearch-query.ts). */
  async search(p: SearchParams): Promise<SearchResult> {
    const r = await this.client.search<LogDoc>({
      index: indicesFor(this.prefix, p.since, p.until),
      size: p.limit,
      ignore_unavailable: true,
      allow_no_indices: true,
      track_total_hits: 10_000,
      ...searchRequest(p),
    });
    return searchResult(r);
  }

  /** Deletes the daily indices past retention (see applyRetention in elasticsearch-index.ts). */
  applyRetention(days: number, now = Date.now()): Promise<string[]> {
    return applyRetention(this.client, this.prefix, days, now);
  }
}
