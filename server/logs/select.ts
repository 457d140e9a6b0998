import path from "node:path";
import type { Client } from "@elastic/elasticsearch";
import type { DbOrTx } from "../db/client";
import { config } from "../config";
import { logger } from "../logger";
import { DiskBuffer } from "./disk-buffer";
import { elasticsearchClient, isUnavailable } from "./elasticsearch-client";
import { ElasticsearchLogStore } from "./elasticsearch-store";
import { MySqlLogStore, type LogStore } from "./store";

/**
 * The one place that picks where log lines live: Elasticsearch when ELASTICSEARCH_URL is set,
 * else MySQL. The web app reads through `logStore(db)`; the operator writes through
 * `operatorLogStore(db, …)`, which also buffers to disk while Elasticsearch is down.
 */

let client: Client | null = null;
function sharedClient(): Client {
  if (!client) client = elasticsearchClient(config());
  return client;
}

export function logEngine(): "elasticsearch" | "mysql" {
  return config().ELASTICSEARCH_URL ? "elasticsearch" : "mysql";
}

/** A reader/writer for the web app (no disk buffer: the web app does not write log lines). */
export function logStore(db: DbOrTx): LogStore {
  const cfg = config();
  if (!cfg.ELASTICSEARCH_URL) return new MySqlLogStore(db);
  return new ElasticsearchLogStore(sharedClient(), db, { prefix: cfg.ELASTICSEARCH_INDEX_PREFIX });
}

export function elasticsearchStore(db: DbOrTx): ElasticsearchLogStore | null {
  const s = logStore(db);
  return s instanceof ElasticsearchLogStore ? s : null;
}

export interface OperatorLogStore {
  store: LogStore;
  /** Lines waiting on disk for Elasticsearch (0 with MySQL). */
  backlog(): number;
  close(): Promise<void>;
}

/**
 * The operator's store. With Elasticsearch: lines that cannot be indexed wait in a disk buffer
 * under `GANTRY_LOG_BUFFER_DIR` (default `<workspaces>/.log-buffer/<operator id>`), and old
 * daily indices are deleted hourly (GANTRY_LOG_RETENTION_DAYS).
 */
export function operatorLogStore(db: DbOrTx, opts: { workspacesDir: string; operatorId: string }): OperatorLogStore {
  const cfg = config();
  if (!cfg.ELASTICSEARCH_URL) return { store: new MySqlLogStore(db), backlog: () => 0, close: async () => undefined };
  const dir = cfg.GANTRY_LOG_BUFFER_DIR ?? path.join(opts.workspacesDir, ".log-buffer", opts.operatorId.replace(/[^A-Za-z0-9._-]/g, "_"));
  const buffer = new DiskBuffer(dir, { isUnavailable });
  const store = new ElasticsearchLogStore(sharedClient(), db, { prefix: cfg.ELASTICSEARCH_INDEX_PREFIX, buffer });
  const retention = async () => {
    try {
      await store.applyRetention(cfg.GANTRY_LOG_RETENTION_DAYS);
    } catch (e) {
      logger.warn({ err: (e as Error).message }, "could not apply log retention");
    }
  };
  void retention();
  const timer = setInterval(() => void retention(), 3600_000);
  timer.unref();
  return {
    store,
    backlog: () => buffer.backlog,
    async close() {
      clearInterval(timer);
      await buffer.drain().catch(() => undefined);
      await buffer.close();
    },
  };
}
