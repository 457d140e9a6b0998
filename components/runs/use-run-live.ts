"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { RunJson } from "@/lib/api-schemas";
import { applyRunEvent, isRunActive } from "./run-events";

const runKey = (id: string) => ["run", id] as const;

async function fetchRun(id: string): Promise<RunJson> {
  const res = await fetch(`/api/v1/runs/${encodeURIComponent(id)}`, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET run: HTTP ${res.status}`);
  return res.json();
}

/**
 * The run as it changes: first state from the server component, then `run` events from
 * GET /api/v1/runs/{id}/events applied through `applyRunEvent`. If the stream can't be opened
 * at all, the query polls instead, so the page still moves.
 */
export function useRunLive(initial: RunJson) {
  const qc = useQueryClient();
  const id = initial.id;
  const [streamFailed, setStreamFailed] = useState(false);
  const { data } = useQuery({
    queryKey: runKey(id),
    queryFn: () => fetchRun(id),
    initialData: initial,
    staleTime: Infinity,
    refetchInterval: (q) => (streamFailed && q.state.data && isRunActive(q.state.data) ? 3000 : false),
  });
  const run = data ?? initial;
  const active = isRunActive(run);

  // A newer server render (router.refresh) goes through the same reducer as events.
  useEffect(() => {
    qc.setQueryData<RunJson>(runKey(id), (cur) => applyRunEvent(cur, initial));
  }, [qc, id, initial]);

  useEffect(() => {
    if (!active) return;
    const es = new EventSource(`/api/v1/runs/${encodeURIComponent(id)}/events`);
    es.addEventListener("run", (e) => {
      try {
        const next = JSON.parse((e as MessageEvent<string>).data) as RunJson;
        qc.setQueryData<RunJson>(runKey(id), (cur) => applyRunEvent(cur, next));
        setStreamFailed(false);
      } catch {
        // A malformed event is dropped; the next one carries the whole run again.
      }
    });
    es.addEventListener("end", () => es.close());
    // EventSource reconnects by itself; CLOSED means the server refused the stream.
    es.onerror = () => es.readyState === EventSource.CLOSED && setStreamFailed(true);
    return () => es.close();
  }, [qc, id, active]);

  /** For actions that return the run (cancel): same reducer, so a stale reply can't undo news. */
  const apply = (next: RunJson) => qc.setQueryData<RunJson>(runKey(id), (cur) => applyRunEvent(cur, next));
  return { run, apply };
}
