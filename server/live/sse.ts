import { logger } from "../logger";

/**
 * Server-Sent Events plumbing (STYLE.md #8): no-buffering headers, numbered ids, heartbeats, an
 * explicit end event, a bounded buffer per client and a stop when the request is aborted.
 *
 * The stream is pull-based: the producer is asked for the next chunk only when the previous one
 * has been taken by the response (the queue holds one chunk), so a slow client slows its own
 * producer down instead of making the server buffer its backlog.
 */

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  // no-transform keeps the response out of compression middlewares, which would buffer it.
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

export const HEARTBEAT_MS = 15_000;

/** One SSE event; `data` is sent on one line, so it must not contain CR or LF (JSON never does). */
export function sseEvent(data: string, opts: { event?: string; id?: string | number } = {}): string {
  let s = "";
  if (opts.event) s += `event: ${opts.event}\n`;
  if (opts.id !== undefined) s += `id: ${opts.id}\n`;
  return `${s}data: ${data}\n\n`;
}

export const HEARTBEAT = ": ping\n\n";

/**
 * A producer returns the next chunk of events (text, possibly many events), or null when the
 * stream is over. It receives a signal that aborts when the client goes away.
 */
export type Producer = (signal: AbortSignal) => Promise<string | null>;

export function sseResponse(req: Request, produce: Producer, cleanup: () => void, opts: { retryMs?: number } = {}): Response {
  const enc = new TextEncoder();
  const ac = new AbortController();
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    ac.abort();
    cleanup();
  };
  req.signal?.addEventListener("abort", finish, { once: true });
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        c.enqueue(enc.encode(`retry: ${opts.retryMs ?? 2000}\n\n`));
      },
      async pull(c) {
        try {
          const chunk = closed ? null : await produce(ac.signal);
          if (closed) {
            // The client went away meanwhile (the stream may be cancelled already): nothing to send.
            try {
              c.close();
            } catch {
              /* already closed */
            }
            return;
          }
          if (chunk === null) {
            finish();
            c.close();
            return;
          }
          c.enqueue(enc.encode(chunk));
        } catch (e) {
          // A client reconnects with Last-Event-ID, so ending the stream loses nothing.
          logger.warn({ err: (e as Error).message, url: req.url }, "SSE stream ended by an error");
          finish();
          try {
            c.close();
          } catch {
            /* already closed */
          }
        }
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
}

/** `Last-Event-ID` as a non-negative integer, or undefined. */
export function lastEventId(req: Request): number | undefined {
  const v = req.headers.get("last-event-id");
  if (v === null || !/^\d{1,15}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}
