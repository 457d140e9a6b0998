"use client";

import { GitCommitHorizontal } from "lucide-react";
import type { RunJson } from "@/lib/api-schemas";
import { safeHttpUrl } from "@/lib/safe-url";

type RunEvent = NonNullable<RunJson["event"]>;

/**
 * What a webhook-started run was triggered by, and the commits since the last successful run of
 * the same branch (with their issue keys), collapsed to a summary line until opened.
 */
export function RunTrigger({ event }: { event: RunEvent }) {
  const short = (sha: string | null) => sha?.slice(0, 10) ?? "";
  const what =
    event.type === "image"
      ? `image ${event.image}`
      : event.type === "merge_request" || event.type === "pull_request"
        ? `${event.type === "merge_request" ? "merge request !" : "pull request #"}${event.mrIid}${event.title ? ` “${event.title}”` : ""}`
        : `${event.type} to ${event.ref?.replace(/^refs\/(heads|tags)\//, "") ?? "?"}`;
  return (
    <details className="rounded-md border bg-surface text-sm" aria-label="Trigger and commits">
      <summary className="flex cursor-pointer flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2">
        <GitCommitHorizontal className="size-4 text-accent" aria-hidden />
        <span>
          {event.provider} {what}
          {event.sha && <code className="ml-2 font-mono text-xs text-muted">{short(event.sha)}</code>}
          {event.author && <span className="text-muted"> by {event.author}</span>}
        </span>
        <span className="text-xs text-muted">
          {event.commits.length} commit{event.commits.length === 1 ? "" : "s"} since the last successful run
        </span>
        {event.issueKeys.length > 0 && (
          <span className="flex flex-wrap gap-1">
            {event.issueKeys.map((k) => (
              <span key={k} className="rounded bg-accent-soft px-1.5 py-0.5 font-mono text-xs">
                {k}
              </span>
            ))}
          </span>
        )}
      </summary>
      {event.commits.length > 0 && (
        <ul className="max-h-64 overflow-y-auto border-t px-3 py-2" aria-label="Commits since the last successful run">
          {event.commits
            .map((c) => ({ ...c, url: safeHttpUrl(c.url) }))
            .map((c) => (
              <li key={c.sha} className="flex gap-3 py-0.5">
                {/* Only http(s) links, even for runs stored before the receiver dropped other schemes. */}
                {c.url ? (
                  <a href={c.url} className="font-mono text-xs text-accent hover:underline" rel="noreferrer" target="_blank">
                    {short(c.sha)}
                  </a>
                ) : (
                  <code className="font-mono text-xs text-muted">{short(c.sha)}</code>
                )}
                <span className="min-w-0 flex-1 truncate">{c.message.split("\n")[0]}</span>
                <span className="text-xs text-muted">{c.author}</span>
              </li>
            ))}
        </ul>
      )}
    </details>
  );
}
