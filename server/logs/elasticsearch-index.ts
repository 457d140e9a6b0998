import type { Client } from "@elastic/elasticsearch";
import { logger } from "../logger";
import { isNotFound, isUnavailable } from "./elasticsearch-client";
import type { LogStream } from "./store";

/**
 * The indices log lines live in: daily (`<prefix>-YYYY.MM.DD`, by the line's time), created by
 * Elasticsearch from Gantry's index template on the first line of a day; retention deletes whole
 * indices. The mapping uses only what a bare server has (no analysis-common, mapper-extras or
 * painless): `text` with the standard analyzer for the message, keywords for ids.
 */

export const DEFAULT_PREFIX = "gantry-logs";
const DAY_MS = 86_400_000;

/** One log line as stored: a document of the template's strict mapping. */
export interface LogDoc {
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
      // Tuned for ingestion (docs/operations.md#logs-in-elasticsearch says what each costs).
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        // Appends wait for a refresh before log_seq moves: this bounds the live view's delay.
        refresh_interval: "500ms",
        // The translog stays synced per request (the default), on purpose: an acknowledged line
        // must survive a node crash, since log_seq already counts it and readers wait at a hole.
        // Big bulks make that one fsync per ~10,000 lines.
      },
      mappings: {
        dynamic: "strict" as const,
        // Reads return lines from _source; it is what the viewer and the search show.
        _source: { enabled: true },
        properties: {
          // Keywords are only filtered on (term/terms), never sorted or aggregated: no doc values.
          taskRunId: { type: "keyword" as const, doc_values: false },
          runId: { type: "keyword" as const, doc_values: false },
          pipelineId: { type: "keyword" as const, doc_values: false },
          projectId: { type: "keyword" as const, doc_values: false },
          container: { type: "keyword" as const, doc_values: false },
          stream: { type: "keyword" as const, doc_values: false },
          // Sorted on (reads in order, the last indexed line, newest hits first): doc values kept.
          seq: { type: "long" as const },
          ts: { type: "date" as const, format: "epoch_millis" },
          // Standard analyzer (in the server itself). Positions (for phrases) but no offsets: the
          // highlighter re-reads the few lines of a result page instead of every line carrying
          // its offsets in the index.
          message: { type: "text" as const, norms: false, index_options: "positions" as const },
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

/** Every daily index of a prefix. */
export function allIndices(prefix: string) {
  return `${prefix}-*`;
}

/** Daily indices a time window can touch (all of them when it is open or long). */
export function indicesFor(prefix: string, since?: number, until?: number): string {
  if (since === undefined) return allIndices(prefix);
  const end = until ?? Date.now();
  const days = Math.floor(end / DAY_MS) - Math.floor(since / DAY_MS);
  if (days < 0) return allIndices(prefix);
  if (days > 31) return allIndices(prefix);
  const out: string[] = [];
  for (let d = 0; d <= days; d++) out.push(indexFor(prefix, since + d * DAY_MS));
  const last = indexFor(prefix, end);
  if (!out.includes(last)) out.push(last);
  return out.join(",");
}

/**
 * The stored line of a hit. Our searches always ask for `_source` (and the template keeps it),
 * so a hit without one means the index is not what Gantry wrote.
 */
export function hitSource<T>(h: { _index: string; _id?: string | null; _source?: T }): T {
  if (h._source === undefined) throw new Error(`Elasticsearch returned ${h._index}/${h._id ?? "?"} without its _source`);
  return h._source;
}

const templates = new WeakMap<Client, Promise<void>>();

/**
 * Installs the index template (once per client; again after a failure). A template that is
 * refused (e.g. another one claims the same index pattern) is logged and lines are indexed
 * anyway, with Elasticsearch's dynamic mapping; only an unreachable store stops appends.
 */
export function ensureTemplate(client: Client, prefix: string): Promise<void> {
  let p = templates.get(client);
  if (!p) {
    const t = indexTemplate(prefix);
    p = client.indices
      .putIndexTemplate({ name: t.name, index_patterns: t.index_patterns, priority: t.priority, template: t.template })
      .then(
        () => undefined,
        (e) => {
          templates.delete(client);
          if (isUnavailable(e)) throw e;
          logger.error(
            { err: (e as Error).message, template: t.name },
            "Elasticsearch refused Gantry's index template; log lines are indexed with its default mapping",
          );
        },
      );
    templates.set(client, p);
  }
  return p;
}

/**
 * Deletes the daily indices whose whole day is older than `days` days (0: keep everything).
 * Whole indices, not documents: no delete-by-query (a bare node has no reindex module either).
 */
export async function applyRetention(client: Client, prefix: string, days: number, now = Date.now()): Promise<string[]> {
  if (days <= 0) return [];
  const r = await client.indices
    .get({ index: allIndices(prefix), allow_no_indices: true, ignore_unavailable: true, expand_wildcards: "open" })
    .catch((e) => {
      if (isNotFound(e)) return {};
      throw e;
    });
  const cutoff = Math.floor(now / DAY_MS) - days;
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`);
  const old = Object.keys(r).filter((name) => {
    const m = re.exec(name);
    return m && Math.floor(Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY_MS) < cutoff;
  });
  if (old.length) {
    await client.indices.delete({ index: old.join(",") });
    logger.info({ indices: old }, "deleted log indices past retention");
  }
  return old;
}
