import { readFileSync } from "node:fs";
import { Client, errors, type ClientOptions } from "@elastic/elasticsearch";
import type { Config } from "../config";

/** Connecting to Elasticsearch, and telling "unreachable, retry later" from a refusal. */

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

/** A failure that `isUnavailable` counts as transient (e.g. a bulk item rejected with 429). */
export class UnavailableError extends Error {
  unavailable = true;
}

/** An index or a pattern that matches nothing yet: read as "no lines", not as a failure. */
export function isNotFound(e: unknown): boolean {
  return e instanceof errors.ResponseError && e.statusCode === 404;
}
