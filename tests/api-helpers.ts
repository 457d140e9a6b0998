import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync } from "node:fs";
import path from "node:path";

/**
 * HTTP helpers for the REST API integration tests: they talk to a running Gantry (web app +
 * operator on a seeded database) at GANTRY_TEST_URL with the admin token GANTRY_TEST_TOKEN.
 */

export function testEnv() {
  const url = process.env.GANTRY_TEST_URL;
  const token = process.env.GANTRY_TEST_TOKEN;
  if (!url || !token) {
    throw new Error("GANTRY_TEST_URL and GANTRY_TEST_TOKEN must point at a running Gantry; `npm test` sets them up");
  }
  return { url: url.replace(/\/$/, ""), token };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is (for YAML or malformed bodies). */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** null: no Authorization header. */
  token?: string | null;
}

export async function call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const { url, token } = testEnv();
  const headers: Record<string, string> = { ...opts.headers };
  const tok = opts.token === undefined ? token : opts.token;
  if (tok !== null) headers.authorization = `Bearer ${tok}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers["content-type"] = opts.contentType ?? "application/json";
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] = opts.contentType ?? "application/json";
  }
  const res = await fetch(url + path, { method, headers, body: body as BodyInit | undefined });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export const get = <T = any>(path: string, opts?: CallOptions) => call<T>("GET", path, opts);
export const post = <T = any>(path: string, body?: unknown, opts?: CallOptions) => call<T>("POST", path, { ...opts, body });
export const put = <T = any>(path: string, body?: unknown, opts?: CallOptions) => call<T>("PUT", path, { ...opts, body });

/** A DNS-1123 name no other test (or earlier test run) uses. */
export function uniqueName(prefix: string) {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export function shellSpec(name: string, script: string, extra: Record<string, unknown> = {}) {
  return { name, stages: [{ name: "main", tasks: [{ name: "work", template: "shell", params: { script }, ...extra }] }] };
}

export async function createPipeline(spec: unknown): Promise<string> {
  const r = await post("/api/v1/pipelines", spec);
  if (r.status !== 201) throw new Error(`creating the pipeline failed: ${r.status} ${r.text}`);
  return r.body.id;
}

export async function startRun(pipelineId: string, body: unknown = {}): Promise<string> {
  const r = await post(`/api/v1/pipelines/${pipelineId}/runs`, body);
  if (r.status !== 201) throw new Error(`starting the run failed: ${r.status} ${r.text}`);
  return r.body.id;
}

const FINAL = new Set(["succeeded", "failed", "cancelled", "skipped"]);

/** Polls GET /runs/{id} until the run is final (the operator must be running). */
export async function waitForRun(runId: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const r = await get(`/api/v1/runs/${runId}`);
    last = r.body;
    if (r.status === 200 && FINAL.has(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`run ${runId} did not finish within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** Opens an SSE stream (fails the test unless it is 200 text/event-stream). */
export async function openSse(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const { url, token } = testEnv();
  const res = await fetch(url + path, { headers: { accept: "text/event-stream", authorization: `Bearer ${token}`, ...headers }, signal });
  if (res.status !== 200 || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    throw new Error(`expected an event stream from ${path}, got ${res.status} ${res.headers.get("content-type")}: ${await res.text()}`);
  }
  return res;
}

/** Parses an SSE body into events (comments, like heartbeats, are skipped). */
export async function* sseEvents(res: Response): AsyncGenerator<SseEvent> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += value;
      let sep: number;
      while ((sep = buf.indexOf("\n\n")) !== -1) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const ev: SseEvent = { event: "message", data: "" };
        const data: string[] = [];
        let hasField = false;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const i = line.indexOf(":");
          const field = i === -1 ? line : line.slice(0, i);
          const v = i === -1 ? "" : line.slice(i + 1).replace(/^ /, "");
          if (field === "event") ev.event = v;
          else if (field === "id") ev.id = v;
          else if (field === "data") data.push(v);
          else continue;
          hasField = true;
        }
        if (!hasField) continue;
        ev.data = data.join("\n");
        yield ev;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** Collects events until `event: end` (included) or until `stop` returns true. */
export async function collectSse(res: Response, stop?: (e: SseEvent, all: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const all: SseEvent[] = [];
  for await (const e of sseEvents(res)) {
    all.push(e);
    if (e.event === "end" || stop?.(e, all)) break;
  }
  return all;
}

/**
 * A new directory the stack's sandboxed tasks can read (a repository to clone): their /tmp is
 * private and mkdtemp's 0700 would shut out their uid, so it is under /var/tmp, world-readable.
 */
export function sandboxReadableDir(prefix: string): string {
  const dir = mkdtempSync(path.join("/var/tmp", prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** Delivers a GitHub `push` of `sha` (its subject `message`) from the repository at `cloneUrl` to the pipeline's github trigger, signed with `secret`. */
export function postGithubPush(
  pipelineId: string,
  secret: string,
  push: { sha: string; message: string; cloneUrl: string; commitUrl?: string; author?: string },
) {
  const body = JSON.stringify({
    ref: "refs/heads/main",
    before: "0".repeat(39) + "1",
    after: push.sha,
    repository: { clone_url: push.cloneUrl },
    pusher: { name: "dev" },
    commits: [
      { id: push.sha, message: push.message, author: { name: push.author ?? "Dev" }, ...(push.commitUrl ? { url: push.commitUrl } : {}) },
    ],
  });
  return call("POST", `/api/v1/hooks/github/${pipelineId}`, {
    raw: body,
    token: null,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
  });
}
