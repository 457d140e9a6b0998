/**
 * A Server-Sent Events reader over fetch(). The browser's EventSource dispatches one DOM event
 * per message, which at 100,000 log lines costs seconds of main-thread time in long blocking
 * tasks; parsing the stream here costs one callback per network chunk and stays responsive.
 * It also lets us resume with `Last-Event-ID` ourselves and tell a refused stream (4xx: stop)
 * from a dropped one (retry).
 */

export interface SseMessage {
  /** "message" when the server named no event. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental parser for the SSE wire format: `field: value` lines, blank line ends an event,
 * `:` comments (heartbeats) ignored, multi-line data joined with "\n". Lines end with LF or CRLF.
 */
export class SseParser {
  private rest = "";
  private data: string[] = [];
  private event = "";
  private id: string | undefined;

  /** Feeds decoded text; calls `emit` per complete event. `emit` returning true stops parsing. */
  feed(chunk: string, emit: (m: SseMessage) => boolean | undefined): boolean {
    const text = this.rest + chunk;
    const last = text.lastIndexOf("\n");
    if (last === -1) {
      this.rest = text;
      return false;
    }
    this.rest = text.slice(last + 1);
    let start = 0;
    while (start <= last) {
      let end = text.indexOf("\n", start);
      const next = end + 1;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      if (end === start) {
        if (this.data.length > 0) {
          const stop = emit({ event: this.event || "message", data: this.data.join("\n"), id: this.id });
          this.data = [];
          this.event = "";
          if (stop) return true;
        } else this.event = "";
      } else if (text.charCodeAt(start) !== 58 /* ':' comment */) {
        const colon = text.indexOf(":", start);
        const hasValue = colon !== -1 && colon < end;
        const field = hasValue ? text.slice(start, colon) : text.slice(start, end);
        let v = hasValue ? colon + 1 : end;
        if (text.charCodeAt(v) === 32) v++;
        const value = text.slice(v, end);
        if (field === "data") this.data.push(value);
        else if (field === "event") this.event = value;
        else if (field === "id" && !value.includes("\0")) this.id = value;
      }
      start = next;
    }
    return false;
  }
}

/**
 * Reads an SSE response body to its end. Resolves true when `onMessage` asked to stop (the
 * stream's own end event), false when the server closed the connection first.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onMessage: (m: SseMessage) => boolean | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  const reader = body.getReader();
  // Streaming decode: a multi-byte character split between two chunks comes out whole.
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      if (signal?.aborted) return false;
      const { done, value } = await reader.read();
      if (done) return parser.feed(decoder.decode(), onMessage);
      if (parser.feed(decoder.decode(value, { stream: true }), onMessage)) return true;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
