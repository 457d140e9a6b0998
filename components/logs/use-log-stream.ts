"use client";

import { useEffect, useRef, useState } from "react";
import { LogBuffer, type LogEvent } from "./log-buffer";

export type StreamState = "connecting" | "live" | "reconnecting" | "ended" | "failed";

/**
 * Follows a task run's log over SSE. Events go into a LogBuffer and are made visible once per
 * animation frame, so a burst of thousands of lines costs one React render, not thousands.
 * The component using it is keyed by task run, so one hook instance = one log.
 */
export function useLogStream(taskRunId: string) {
  const bufferRef = useRef<LogBuffer>(null);
  if (!bufferRef.current) bufferRef.current = new LogBuffer();
  const buffer = bufferRef.current;
  const [count, setCount] = useState(0);
  const [dropped, setDropped] = useState(0);
  const [state, setState] = useState<StreamState>("connecting");
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    // After a failure, carry on from the last line we have (EventSource sends Last-Event-ID itself
    // only for its own reconnects).
    const after = buffer.lastSeq ? `&after=${buffer.lastSeq}` : "";
    const es = new EventSource(`/api/v1/task-runs/${encodeURIComponent(taskRunId)}/logs?follow=true${after}`);
    let frame = 0;
    const flush = () => {
      frame = 0;
      if (buffer.flush() > 0) setCount(buffer.lines.length);
      setDropped(buffer.dropped);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(flush);
    };
    es.onopen = () => setState("live");
    es.onmessage = (e: MessageEvent<string>) => {
      try {
        buffer.push(JSON.parse(e.data) as LogEvent);
        schedule();
      } catch {
        // Not a line event (the stream's own bookkeeping); nothing to show.
      }
    };
    es.addEventListener("end", () => {
      es.close();
      cancelAnimationFrame(frame);
      flush();
      setState("ended");
    });
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? "failed" : "reconnecting");
    return () => {
      es.close();
      cancelAnimationFrame(frame);
    };
  }, [taskRunId, attempt, buffer]);

  return {
    buffer,
    count,
    dropped,
    state,
    retry: () => {
      setState("connecting");
      setAttempt((a) => a + 1);
    },
  };
}
