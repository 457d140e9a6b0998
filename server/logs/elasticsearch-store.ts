import { readFileSync } from "node:fs";
import { Client, errors, type ClientOptions } from "@elastic/elasticsearch";
import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { pipelines, runs, taskRuns } from "../db/schema";
import { logger } from "../logger";
import type { Config } from "../config";
import { MySqlLogStore, type LogLine, type LogStore, type LogStream } from "./store";
import type { DiskBuffer } from "./disk-buffer";

/**
 * Log lines in Elasticsearch: one document per line in daily indices (`<prefix>-YYYY.MM.DD`, by
 * the line's time), id `<taskRunId>:<seq>`, so a batch sent twice (a retry, a replay from the
 * disk buffer) overwrites itself instead of duplicating. Retention deletes whole indices.
 *
 * The mapping uses only what a bare server has (no analysis-common, mapper-extras or painless):
 * `text` with the standard analyzer for the message, keywords for ids. MySQL stays the source
 * of truth for where a log ends (`task_runs.log_seq`, bumped after a bulk is searchable), so the
 * live view polls MySQL and reads lines from here, and readers never see a gap: a read returns
 * only lines that follow the cursor without a hole (a line buffered on an operator's disk or not
 * yet refreshed is waited for, not skipped). Lines written to MySQL before the switch, and the
 * operator's own notes written in a transaction (a dead operator's task run), are read from
 * `log_chunks` as well.
 */

export const DEFAULT_PREFIX = "gantry-logs";
/** Largest bulk request (documents); a bigger append is split. */
const BULK_DOCS = 10_000;
const BULK_BYTES = 8 * 1024 * 1024;
/** Bulk requests in flight at once per process: beyond that, appends wait (back-pressure). */
const BULK_CONCURRENCY = 2;
const SEARCH_PAGE = 10_000;

export interface LineMeta {
  runId: string;
  pipelineId: string;
  projectId: string | null;
}

interface LogDoc {
  taskRunId: string;
  runId: string;
  pipelineId: string;
  projectId: string | null;
  container: string | null;
  stream: LogStream;
  seq: number;
  ts: number;
  message: string;
}

export function indexTemplate(prefix: string) {
  return {
    name: prefix,
    index_patterns: [`${prefix}-*`],
    priority: 100,
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        // Appends wait for a refresh before log_seq moves: this bounds the live view's delay.
        refresh_interval: "500ms",
      },
      mappings: {
        dynamic: "strict" as const,
        _source: { enabled: true },
        properties: {
          taskRunId: { type: "keyword" as const },
          runId: { type: "keyword" as const },
          pipelineId: { type: "keyword" as const },
          projectId: { type: "keyword" as const },
          container: { type: "keyword" as const },
          stream: { type: "keyword" as const },
          seq: { type: "long" as const },
          ts: { type: "date" as const, format: "epoch_millis" },
          // Standard analyzer (in the server itself); offsets make highlighting long lines cheap.
          message: { type: "text" as const, norms: false, index_options: "offsets" as const },
        },
      },
    },
  };
}

export function indexFor(prefix: string, ts: number) {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${prefix}-${d.getUTCFullYear()}.${p(d.getUTCMonth() + 1)}.${p(d.getUTCDate())}`;
}

/** A client from ELASTICSEARCH_* settings (URL, basic auth or API key, CA file, TLS check). */
export function elasticsearchClient(
  cfg: Pick<
    Config,
    | "ELASTICSEARCH_URL"
    | "ELASTICSEARCH_USERNAME"
    | "ELASTICSEARCH_PASSWORD"
    | "ELASTICSEARCH_API_KEY"
    | "ELASTICSEARCH_CA_FILE"
    | "ELASTICSEARCH_TLS_VERIFY"
  >,
): Client {
  if (!cfg.ELASTICSEARCH_URL) throw new Error("ELASTICSEARCH_URL is not set");
  const opts: ClientOptions = { node: cfg.ELASTICSEARCH_URL, requestTimeout: 30_000, maxRetries: 1 };
  if (cfg.ELASTICSEARCH_API_KEY) opts.auth = { apiKey: cfg.ELASTICSEARCH_API_KEY };
  else if (cfg.ELASTICSEARCH_USERNAME) opts.auth = { username: cfg.ELASTICSEARCH_USERNAME, password: cfg.ELASTICSEARCH_PASSWORD ?? "" };
  if (cfg.ELASTICSEARCH_CA_FILE || !cfg.ELASTICSEARCH_TLS_VERIFY) {
    opts.tls = {
      rejectUnauthorized: cfg.ELASTICSEARCH_TLS_VERIFY,
      ...(cfg.ELASTICSEARCH_CA_FILE ? { ca: readFileSync(cfg.ELASTICSEARCH_CA_FILE) } : {}),
    };
  }
  return new Client(opts);
}

/** The store cannot be reached (down, refusing, overloaded): worth buffering and retrying. */
export function isUnavailable(e: unknown): boolean {
  if (e instanceof errors.ConnectionError || e instanceof errors.TimeoutError || e instanceof errors.NoLivingConnectionsError) return true;
  if (e instanceof errors.ResponseError) return e.statusCode === 429 || (e.statusCode ?? 0) >= 500;
  return (e as { unavailable?: boolean })?.unavailable === true;
}

class UnavailableError extends Error {
  unavailable = true;
}

/** The task run row is gone (its pipeline was deleted): the writer drops its lines (writer.ts). */
class GoneError extends Error {
  code = "ER_NO_REFERENCED_ROW_2";
}

export interface SearchParams {
  q: string;
  /** Only these projects (what the caller may see); undefined: all. */
  projectIds?: string[];
  pipelineId?: string;
  runIds?: string[];
  since?: number;
  until?: number;
  limit: number;
}
export interface SearchHit {
  taskRunId: string;
  runId: string;
  pipelineId: string;
  seq: number;
  ts: number;
  stream: LogStream;
  text: string;
  /** [start, end) character ranges of `text` that matched. */
  highlights: [number, number][];
}

/** Splits ES's highlighted text (marked with \u0001…\u0002) into the plain text and ranges. */
export function parseHighlight(marked: string): { text: string; ranges: [number, number][] } {
  let text = "";
  const ranges: [number, number][] = [];
  let start = -1;
  for (const ch of marked) {
    if (ch === "\u0001") start = text.length;
    else if (ch === "\u0002") {
      if (start >= 0) ranges.push([start, text.length]);
      start = -1;
    } else text += ch;
  }
  return { text, ranges };
}

/**
 * A query string as users type it: words (all must match, any order) and "quoted phrases"
 * (words in that order). Both go through the standard analyzer, so case does not matter.
 */
export function parseQuery(q: string): { words: string[]; phrases: string[] } {
  const phrases: string[] = [];
  const rest = q.replace(/"([^"]*)"?/g, (_, p: string) => {
    if (p.trim()) phrases.push(p.trim());
    return " ";
  });
  return { words: rest.split(/\s+/).filter(Boolean), phrases };
}

interface Pending {
  ops: unknown[];
  docs: number;
  bytes: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * One bulk pipe per client: appends of all task runs share bulk requests (a few in flight), each
 * waiting for the refresh that makes its lines searchable. A caller's promise settles when its
 * lines are in; callers wait while the pipe is full.
 */
class BulkPipe {
  private queue: Pending[] = [];
  private inflight = 0;
  constructor(private client: Client) {}

  send(ops: unknown[], docs: number): Promise<void> {
    let bytes = 0;
    for (let i = 1; i < ops.length; i += 2) bytes += (ops[i] as LogDoc).message.length + 200;
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, docs, bytes, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.inflight < BULK_CONCURRENCY && this.queue.length) {
      const batch: Pending[] = [];
      let docs = 0;
      let bytes = 0;
      while (
        this.queue.length &&
        (batch.length === 0 || (docs + this.queue[0].docs <= BULK_DOCS && bytes + this.queue[0].bytes <= BULK_BYTES))
      ) {
        const p = this.queue.shift()!;
        batch.push(p);
        docs += p.docs;
        bytes += p.bytes;
      }
      this.inflight++;
      void this.run(batch).finally(() => {
        this.inflight--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending[]) {
    try {
      const operations = batch.length === 1 ? batch[0].ops : batch.flatMap((p) => p.ops);
      const r = await this.client.bulk({ operations, refresh: "wait_for" });
      if (!r.errors) return batch.forEach((p) => p.resolve());
      // Item errors: per caller, so one bad line does not fail the others' batches.
      let i = 0;
      for (const p of batch) {
        const items = r.items.slice(i, i + p.docs);
        i += p.docs;
        const failed = items.map((it) => it.index).filter((x) => x?.error);
        if (failed.length === 0) p.resolve();
        else {
          const retriable = failed.some((x) => x!.status === 429 || x!.status >= 500);
          const reason = failed[0]!.error?.reason ?? failed[0]!.error?.type ?? "unknown";
          p.reject(
            retriable
              ? new UnavailableError(`Elasticsearch rejected ${failed.length} lines: ${reason}`)
              : new Error(`Elasticsearch refused ${failed.length} lines: ${reason}`),
          );
        }
      }
    } catch (e) {
      batch.forEach((p) => p.reject(e));
    }
  }
}

const pipes = new WeakMap<Client, BulkPipe>();
const templates = new WeakMap<Client, Promise<void>>();

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
    let p = pipes.get(client);
    if (!p) pipes.set(client, (p = new BulkPipe(client)));
    this.pipe = p;
    this.mysql = new MySqlLogStore(db);
    opts.buffer?.attach((t, m, l) => this.index(t, m, l));
  }

  /**
   * Installs the index template (once per client; again after a failure). A template that is
   * refused (e.g. another one claims the same index pattern) is logged and lines are indexed
   * anyway, with Elasticsearch's dynamic mapping; only an unreachable store stops appends.
   */
  ensureTemplate(): Promise<void> {
    let p = templates.get(this.client);
    if (!p) {
      const t = indexTemplate(this.prefix);
      p = this.client.indices
        .putIndexTemplate({ name: t.name, index_patterns: t.index_patterns, priority: t.priority, template: t.template })
        .then(
          () => undefined,
          (e) => {
            templates.delete(this.client);
            if (isUnavailable(e)) throw e;
            logger.error(
              { err: (e as Error).message, template: t.name },
              "Elasticsearch refused Gantry's index template; log lines are indexed with its default mapping",
            );
          },
        );
      templates.set(this.client, p);
    }
    return p;
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
          index: `${this.prefix}-*`,
          size,
          ignore_unavailable: true,
          allow_no_indices: true,
          track_total_hits: false,
          query: { bool: { filter: [{ term: { taskRunId } }, { range: { seq: { gt: after, lte: after + size } } }] } },
          sort: [{ seq: "asc" }],
          _source: ["seq", "ts", "stream", "message"],
        });
      } catch (e) {
        if (e instanceof errors.ResponseError && e.statusCode === 404) break;
        throw e;
      }
      const hits = r.hits.hits;
      for (const h of hits) {
        const s = h._source!;
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
      index: `${this.prefix}-*`,
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

  /** Full-text search over all lines: words must all match, "phrases" in order; best first. */
  async search(p: SearchParams): Promise<{ hits: SearchHit[]; total: number; totalIsExact: boolean }> {
    const { words, phrases } = parseQuery(p.q);
    const must: object[] = [];
    if (words.length) must.push({ match: { message: { query: words.join(" "), operator: "and" } } });
    for (const ph of phrases) must.push({ match_phrase: { message: ph } });
    const filter: object[] = [];
    if (p.projectIds) filter.push({ terms: { projectId: p.projectIds } });
    if (p.pipelineId) filter.push({ term: { pipelineId: p.pipelineId } });
    if (p.runIds) filter.push({ terms: { runId: p.runIds } });
    if (p.since !== undefined || p.until !== undefined)
      filter.push({
        range: { ts: { ...(p.since !== undefined ? { gte: p.since } : {}), ...(p.until !== undefined ? { lte: p.until } : {}) } },
      });
    const r = await this.client.search<LogDoc>({
      index: this.indicesFor(p.since, p.until),
      size: p.limit,
      ignore_unavailable: true,
      allow_no_indices: true,
      track_total_hits: 10_000,
      query: { bool: { must, filter } },
      sort: ["_score", { ts: "desc" }],
      highlight: {
        pre_tags: ["\u0001"],
        post_tags: ["\u0002"],
        fields: { message: { number_of_fragments: 0 } },
      },
    });
    const total = typeof r.hits.total === "number" ? r.hits.total : (r.hits.total?.value ?? 0);
    const exact = typeof r.hits.total === "number" || r.hits.total?.relation === "eq";
    return {
      total,
      totalIsExact: exact,
      hits: r.hits.hits.map((h) => {
        const s = h._source!;
        const marked = h.highlight?.message?.[0];
        const { ranges } = marked ? parseHighlight(marked) : { ranges: [] };
        return {
          taskRunId: s.taskRunId,
          runId: s.runId,
          pipelineId: s.pipelineId,
          seq: s.seq,
          ts: s.ts,
          stream: s.stream,
          text: s.message,
          highlights: ranges,
        };
      }),
    };
  }

  /** Daily indices a time window can touch (all of them when it is open or long). */
  private indicesFor(since?: number, until?: number): string {
    if (since === undefined) return `${this.prefix}-*`;
    const end = until ?? Date.now();
    const days = Math.floor(end / 86_400_000) - Math.floor(since / 86_400_000);
    if (days < 0) return `${this.prefix}-*`;
    if (days > 31) return `${this.prefix}-*`;
    const out: string[] = [];
    for (let d = 0; d <= days; d++) out.push(indexFor(this.prefix, since + d * 86_400_000));
    const last = indexFor(this.prefix, end);
    if (!out.includes(last)) out.push(last);
    return out.join(",");
  }

  /**
   * Deletes the daily indices whose whole day is older than `days` days (0: keep everything).
   * Whole indices, not documents: no delete-by-query (a bare node has no reindex module either).
   */
  async applyRetention(days: number, now = Date.now()): Promise<string[]> {
    if (days <= 0) return [];
    const r = await this.client.indices
      .get({ index: `${this.prefix}-*`, allow_no_indices: true, ignore_unavailable: true, expand_wildcards: "open" })
      .catch((e) => {
        if (e instanceof errors.ResponseError && e.statusCode === 404) return {};
        throw e;
      });
    const cutoff = Math.floor(now / 86_400_000) - days;
    const re = new RegExp(`^${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`);
    const old = Object.keys(r).filter((name) => {
      const m = re.exec(name);
      return m && Math.floor(Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86_400_000) < cutoff;
    });
    if (old.length) {
      await this.client.indices.delete({ index: old.join(",") });
      logger.info({ indices: old }, "deleted log indices past retention");
    }
    return old;
  }
}
