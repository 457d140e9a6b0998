"use client";

import { useEffect, useState } from "react";
import { LogBuffer, type LogEvent } from "./log-buffer";
import { readSse } from "./sse-reader";

export type StreamState = "connecting" | "live" | "reconnecting" | "ended" | "failed";

const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

/**
 * Follows a task run's log over SSE (GET /api/v1/task-runs/{id}/logs, Accept: text/event-stream).
 * Lines go into a LogBuffer and become visible once per animation frame, so a burst of
 * thousands of lines costs one React render. A dropped connection resumes after the last line
 * held (Last-Event-ID); a refused one (401/403/404) stops and says so.
 * The component using it is keyed by task run, so one hook instance = one log.
 */
export function useLogStream(taskRunId: string) {
  // One buffer for the hook's lifetime (state only for its identity): the stream fills it, and a
  // render reads it when `count` says there are new lines.
  const [buffer] = useState(() => new LogBuffer());
  const [count, setCount] = useState(0);
  const [dropped, setDropped] = useState(0);
  const [state, setState] = useState<StreamState>("connecting");
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    let frame = 0;
    const flush = () => {
      frame = 0;
      if (buffer.flush() > 0) setCount(buffer.lines.length);
      setDropped(buffer.dropped);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(flush);
    };

    (async () => {
      for (let attempt = 0; !ac.signal.aborted; attempt++) {
        try {
          const res = await fetch(`/api/v1/task-runs/${encodeURIComponent(taskRunId)}/logs?follow=true`, {
            headers: { accept: "text/event-stream", ...(buffer.lastSeq ? { "last-event-id": String(buffer.lastSeq) } : {}) },
            cache: "no-store",
            signal: ac.signal,
          });
          if (res.status >= 400 && res.status < 500) {
            setError(await errorMessage(res));
            setState("failed");
            return;
          }
          if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
          setState("live");
          setError(null);
          attempt = 0;
          const ended = await readSse(
            res.body,
            (m) => {
              if (m.event === "end") return true;
              if (m.event !== "message") return false;
              try {
                buffer.push(JSON.parse(m.data) as LogEvent);
                schedule();
              } catch {
                // A malformed event is skipped; the raw log download still has the line.
              }
              return false;
            },
            ac.signal,
          );
          if (ended) {
            cancelAnimationFrame(frame);
            flush();
            setState("ended");
            return;
          }
        } catch {
          if (ac.signal.aborted) return;
        }
        setState("reconnecting");
        await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)], ac.signal);
      }
    })();

    return () => {
      ac.abort();
      cancelAnimationFrame(frame);
    };
  }, [taskRunId, nonce, buffer]);

  return {
    buffer,
    count,
    dropped,
    state,
    error,
    retry: () => {
      setState("connecting");
      setNonce((n) => n + 1);
    },
  };
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    // not JSON
  }
  return `the server refused the log stream (HTTP ${res.status})`;
}

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}
