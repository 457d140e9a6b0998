"use client";

import { useEffect, useState } from "react";
import type { LogStatusJson } from "@/lib/api-schemas";

const POLL_MS = 5000;

/**
 * Lines of a task run that were written but are not in the log archive yet (an operator
 * buffered them while Elasticsearch was unreachable). Polled while the log is live or behind.
 */
export function useArchiveLag(taskRunId: string, ended: boolean): number {
  const [behind, setBehind] = useState(0);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const r = await fetch(`/api/v1/task-runs/${encodeURIComponent(taskRunId)}/log-status`, { cache: "no-store" });
        if (r.ok && !stop) {
          const s = (await r.json()) as LogStatusJson;
          setBehind(s.behind);
          if (s.engine === "mysql" || (ended && s.behind === 0)) return;
        }
      } catch {
        // The log stream shows connection trouble; this notice only adds the archive's lag.
      }
      if (!stop) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [taskRunId, ended]);
  return behind;
}
