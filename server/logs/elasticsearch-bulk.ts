import type { Client } from "@elastic/elasticsearch";
import { UnavailableError } from "./elasticsearch-client";
import type { LogDoc } from "./elasticsearch-index";

/** Largest bulk request (documents); a bigger append is split. */
export const BULK_DOCS = 10_000;
const BULK_BYTES = 8 * 1024 * 1024;
/**
 * Bulk requests in flight at once per process: beyond that, appends wait (back-pressure). Each
 * request is answered only after the refresh that makes its lines searchable (up to the index's
 * refresh interval after Elasticsearch has indexed them), and the node's write threads are idle
 * for such a request meanwhile: with two in flight the node spent most of its time waiting for
 * refreshes (docs/benchmarks.md). Six keep it busy while others wait; at most 6 × 8 MiB queued.
 */
const BULK_CONCURRENCY = 6;

/**
 * A bulk item refused with 429 (the node's write queue is full, or an index is blocked for lack of
 * disk) is sent again on its own after these waits; only then does its caller see the failure
 * (and the operator buffers its lines on disk). Items the node took are never sent twice.
 */
const ITEM_RETRY_MS = [100, 250, 500, 1000, 2000];

interface Pending {
  ops: unknown[];
  docs: number;
  bytes: number;
  /** How many times these items were refused with 429 already. */
  retries: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * One bulk pipe per client: appends of all task runs share bulk requests (a few in flight), each
 * waiting for the refresh that makes its lines searchable. A caller's promise settles when its
 * lines are in; callers wait while the pipe is full.
 */
export class BulkPipe {
  private queue: Pending[] = [];
  private inflight = 0;
  constructor(private client: Client) {}

  /** `ops`: bulk `index` actions, each followed by its LogDoc; `docs`: how many documents. */
  send(ops: unknown[], docs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, docs, bytes: sizeOf(ops), retries: 0, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.inflight < BULK_CONCURRENCY && this.queue.length) {
      const batch: Pending[] = [];
      let docs = 0;
      let bytes = 0;
      while (this.queue.length) {
        const next = this.queue[0];
        // The first caller always goes, however big; the others join while the request has room.
        if (batch.length > 0 && (docs + next.docs > BULK_DOCS || bytes + next.bytes > BULK_BYTES)) break;
        this.queue.shift();
        batch.push(next);
        docs += next.docs;
        bytes += next.bytes;
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
      // The answer carries only each item's status and error, not its index, id, version and
      // shards: about a tenth of the bytes for the operator to parse, 10,000 items at a time.
      const r = await this.client.bulk({ operations, refresh: "wait_for", filter_path: ["errors", "items.*.status", "items.*.error"] });
      if (!r.errors) return batch.forEach((p) => p.resolve());
      // Item errors: per caller, so one bad line does not fail the others' batches.
      let i = 0;
      for (const p of batch) {
        const items = r.items.slice(i, i + p.docs);
        i += p.docs;
        const failed = items.flatMap((it, k) => (it.index?.error ? [{ k, status: it.index.status, error: it.index.error }] : []));
        if (failed.length === 0) p.resolve();
        else if (failed.every((x) => x.status === 429) && p.retries < ITEM_RETRY_MS.length) {
          // Only the refused items go again, ahead of newer work; the caller waits for them.
          const ops = failed.flatMap((x) => [p.ops[2 * x.k], p.ops[2 * x.k + 1]]);
          const again: Pending = { ...p, ops, docs: failed.length, bytes: sizeOf(ops), retries: p.retries + 1 };
          setTimeout(() => {
            this.queue.unshift(again);
            this.pump();
          }, ITEM_RETRY_MS[p.retries]);
        } else {
          const retriable = failed.some((x) => x.status === 429 || x.status >= 500);
          const reason = failed[0].error.reason ?? failed[0].error.type ?? "unknown";
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

/** Roughly how many bytes a caller's part of a bulk request takes (the documents' text dominates). */
function sizeOf(ops: unknown[]): number {
  let bytes = 0;
  for (let i = 1; i < ops.length; i += 2) bytes += (ops[i] as LogDoc).message.length + 200;
  return bytes;
}

const pipes = new WeakMap<Client, BulkPipe>();

/** The pipe all stores on this client share, so their appends are batched together. */
export function bulkPipe(client: Client): BulkPipe {
  let p = pipes.get(client);
  if (!p) pipes.set(client, (p = new BulkPipe(client)));
  return p;
}
