import type { LogLine } from "../logs/store";
import { PageSize, type Hub, type LiveSource } from "./hub";
import { HEARTBEAT, HEARTBEAT_MS, sseEvent, sseResponse } from "./sse";

/**
 * A task run's log over HTTP: as plain text (the whole log, streamed page by page) or as SSE
 * (one event per line, `id:` = the line's sequence number, resumable, ended by `event: end`).
 */

/** Lines per write: many events per chunk keeps the per-line cost low (50,000+ lines/s). */
const LINES_PER_WRITE = 5000;

function lineEvents(lines: LogLine[]): string {
  let s = "";
  for (const l of lines) s += `id: ${l.seq}\ndata: ${JSON.stringify({ seq: l.seq, ts: l.ts, stream: l.stream, text: l.text })}\n\n`;
  return s;
}

export function logEventsResponse(req: Request, hub: Hub, taskRunId: string, after: number): Response {
  const { topic, close } = hub.followLog(taskRunId);
  let cursor = after;
  let ended = false;
  const page = new PageSize(LINES_PER_WRITE);
  const produce = async (signal: AbortSignal): Promise<string | null> => {
    while (!ended && !signal.aborted) {
      const seen = topic.version;
      if (topic.gone) return null;
      // Near the end: the shared tail's memory. Behind it: this viewer reads the store itself.
      let lines = topic.linesAfter(cursor, page.next);
      if (lines === null) lines = await hub.source.readLog(taskRunId, cursor, page.next);
      page.observe(lines);
      if (lines.length > 0) {
        cursor = lines[lines.length - 1].seq;
        return lineEvents(lines);
      }
      if (topic.done) {
        ended = true;
        return sseEvent(JSON.stringify({ status: topic.status, lastSeq: cursor }), { event: "end" });
      }
      await topic.wait(seen, HEARTBEAT_MS, signal);
      if (topic.version === seen && !topic.done && !signal.aborted) return HEARTBEAT;
    }
    return null;
  };
  return sseResponse(req, produce, close);
}

/** The log as text: raw lines, or `[ISO time] line` with `timestamps`. Not buffered whole. */
export function logTextResponse(
  req: Request,
  source: LiveSource,
  taskRunId: string,
  opts: { timestamps: boolean; after?: number },
): Response {
  const enc = new TextEncoder();
  let cursor = opts.after ?? 0;
  let aborted = false;
  const page = new PageSize();
  req.signal?.addEventListener("abort", () => (aborted = true), { once: true });
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        const lines = aborted ? [] : await source.readLog(taskRunId, cursor, page.next);
        if (lines.length === 0) return c.close();
        page.observe(lines);
        cursor = lines[lines.length - 1].seq;
        let s = "";
        if (opts.timestamps) for (const l of lines) s += `[${new Date(l.ts).toISOString()}] ${l.text}\n`;
        else for (const l of lines) s += `${l.text}\n`;
        c.enqueue(enc.encode(s));
      },
      cancel() {
        aborted = true;
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(stream, {
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" },
  });
}
