/**
 * The CLI's only way in: the REST API v1 (and its SSE streams), with a bearer token. Errors come
 * back as the API's `{error: {code, message}}`, turned into one readable line.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export class Client {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  private headers(extra: Record<string, string> = {}) {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: this.headers(body === undefined ? {} : { "content-type": contentType }),
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(
        0,
        "unreachable",
        `cannot reach ${this.url}: ${(e as Error).cause ? String((e as { cause: Error }).cause.message) : (e as Error).message}`,
      );
    }
    const text = await res.text();
    const parsed = text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text;
    if (!res.ok) {
      const err = (
        parsed as { error?: { code: string; message: string; details?: { errors?: { path: string; message: string; line?: number }[] } } }
      )?.error;
      const fields =
        err?.details?.errors?.map((f) => `\n  ${f.path || "(body)"}${f.line ? ` (line ${f.line})` : ""}: ${f.message}`).join("") ?? "";
      throw new ApiError(res.status, err?.code ?? "http_error", `${err?.message ?? `HTTP ${res.status}`}${fields}`);
    }
    return parsed as T;
  }

  get<T = unknown>(path: string) {
    return this.request<T>("GET", path);
  }

  /** Reads an SSE stream until it ends or `signal` aborts. Reconnects with Last-Event-ID after a drop. */
  async *events(path: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    let lastId: string | undefined;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.url + path, {
          headers: this.headers({ accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) }),
          signal,
        });
      } catch (e) {
        if (signal?.aborted) return;
        if (attempt >= 5) throw new ApiError(0, "unreachable", `lost the stream ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
        continue;
      }
      if (!res.ok || !res.body) {
        const text = await res.text();
        const err = text.startsWith("{") ? JSON.parse(text).error : null;
        throw new ApiError(res.status, err?.code ?? "http_error", err?.message ?? `HTTP ${res.status}`);
      }
      let ended = false;
      try {
        for await (const e of parseSse(res.body)) {
          if (e.id) lastId = e.id;
          yield e;
          if (e.event === "end") {
            ended = true;
            return;
          }
        }
      } catch (e) {
        if (signal?.aborted) return;
        if (attempt >= 5) throw e;
      }
      if (ended || signal?.aborted) return;
      // The server closed without `end` (a restart, a proxy timeout): resume where we were.
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = "";
  let cur: { id?: string; event?: string; data: string[] } = { data: [] };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
      if (line === "") {
        if (cur.data.length || cur.event) yield { id: cur.id, event: cur.event ?? "message", data: cur.data.join("\n") };
        cur = { data: [] };
      } else if (!line.startsWith(":")) {
        const i = line.indexOf(":");
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "data") cur.data.push(value);
        else if (field === "event") cur.event = value;
        else if (field === "id") cur.id = value;
      }
    }
  }
}
