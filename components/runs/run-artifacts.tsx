"use client";

import { useQuery } from "@tanstack/react-query";
import { Download } from "lucide-react";
import { useState } from "react";
import type { Artifact } from "@/lib/artifact-schemas";
import { formatBytes } from "./format-bytes";

/**
 * The files the run's tasks uploaded, each a download through Gantry (which checks the reader's
 * access; the store is never linked). Fetched again whenever another task of the run finishes,
 * since uploads land while tasks run.
 */
export function RunArtifacts({ runId, initial, finishedTasks }: { runId: string; initial: Artifact[]; finishedTasks: number }) {
  // The server's list stands for the page's first state only; each later count is fetched.
  const [first] = useState(finishedTasks);
  const { data } = useQuery({
    queryKey: ["artifacts", runId, finishedTasks],
    queryFn: async (): Promise<Artifact[]> => {
      const r = await fetch(`/api/v1/runs/${encodeURIComponent(runId)}/artifacts`, { headers: { accept: "application/json" } });
      if (!r.ok) throw new Error(`loading the artifacts failed (${r.status})`);
      return ((await r.json()) as { items: Artifact[] }).items;
    },
    initialData: finishedTasks === first ? initial : undefined,
    placeholderData: (prev) => prev,
  });
  const items = data ?? initial;
  if (!items.length) return null;
  return (
    <section aria-labelledby="artifacts-heading" className="border-t px-1 pt-3">
      <h3 id="artifacts-heading" className="mb-1.5 text-xs font-semibold tracking-wide text-muted uppercase">
        Artifacts
      </h3>
      <ul aria-label="Artifacts" className="flex flex-col gap-1 text-xs">
        {items.map((a) => (
          <li key={a.id} className="flex items-center gap-2">
            <a
              href={a.url}
              download
              className="flex min-w-0 flex-1 items-center gap-1.5 font-mono underline-offset-2 hover:underline"
              title={a.sha256 ? `SHA-256 ${a.sha256}` : a.name}
            >
              <Download aria-hidden className="size-3.5 shrink-0 text-muted" />
              <span className="truncate">{a.name}</span>
            </a>
            <span className="shrink-0 text-muted tabular-nums">{formatBytes(a.size)}</span>
            {a.task && (
              <span className="max-w-20 shrink-0 truncate text-muted" title={`uploaded by ${a.task}`}>
                {a.task}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
