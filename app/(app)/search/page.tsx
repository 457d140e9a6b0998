import { Search } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { unstable_rethrow } from "next/navigation";
import { StatusBadge } from "@/components/runs/status-badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { LogSearchQuerySchema } from "@/lib/api-schemas";
import { RUN_STATUSES } from "@/lib/status";
import { searchLogsOp } from "@/server/logs/operations";
import type { LogSearchHit, LogSearchResult } from "@/server/logs/search";
import { logEngine } from "@/server/logs/select";
import { pageCall } from "@/server/operations/page";

export const metadata: Metadata = { title: "Log search" };
export const dynamic = "force-dynamic";

type Params = { q?: string; pipeline?: string; status?: string; since?: string; until?: string };

/**
 * Search the logs of every run: words (all of them, any order) or "a phrase", narrowed by
 * pipeline, run status and time, over the projects the user belongs to. Each hit links to its run with the log scrolled to the line.
 */
export default async function SearchPage({ searchParams }: { searchParams: Promise<Params> }) {
  const sp = await searchParams;
  const engine = logEngine();
  const clean = Object.fromEntries(Object.entries(sp).filter(([, v]) => typeof v === "string" && v !== "")) as Params;
  let result: LogSearchResult | null = null;
  let problem: string | null = null;
  if (clean.q) {
    // The form's fields only: the page searches every project the user belongs to.
    const { q, pipeline, status, since, until } = clean;
    const parsed = LogSearchQuerySchema.safeParse({ q, pipeline, status, since, until });
    if (!parsed.success) problem = parsed.error.issues.map((i) => i.message).join("; ");
    else {
      try {
        // The same operation as GET /api/v1/logs/search.
        result = (await pageCall(searchLogsOp, { q, pipeline, status, since, until })).data;
      } catch (e) {
        // Sign-in redirects and the 404 page are Next's to handle, not the log store's failures.
        unstable_rethrow(e);
        problem = `The log store did not answer: ${(e as Error).message}`;
      }
    }
  }
  return (
    <>
      <PageHeader
        title="Log search"
        description={
          engine === "elasticsearch"
            ? 'Full-text search over every run\'s log: all words must match; put "exact phrases" in quotes.'
            : 'Searches recent log lines for the words or "phrases" as typed (the MySQL log store; Elasticsearch gives ranked full-text search).'
        }
      />
      <form role="search" action="/search" method="get" className="mb-4 flex flex-wrap items-end gap-2">
        <label className="flex min-w-64 flex-1 flex-col gap-1 text-xs text-muted">
          Search logs
          <Input
            name="q"
            type="search"
            defaultValue={sp.q ?? ""}
            placeholder='error "connection refused"'
            autoFocus
            required
            maxLength={500}
          />
        </label>
        <label className="flex w-44 flex-col gap-1 text-xs text-muted">
          Pipeline
          <Input name="pipeline" defaultValue={sp.pipeline ?? ""} placeholder="name or id" />
        </label>
        <label className="flex w-36 flex-col gap-1 text-xs text-muted">
          Run status
          <Select name="status" defaultValue={sp.status ?? ""}>
            <option value="">any</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
        </label>
        <label className="flex w-48 flex-col gap-1 text-xs text-muted">
          Since
          <Input name="since" type="datetime-local" defaultValue={sp.since ?? ""} />
        </label>
        <label className="flex w-48 flex-col gap-1 text-xs text-muted">
          Until
          <Input name="until" type="datetime-local" defaultValue={sp.until ?? ""} />
        </label>
        <Button type="submit" variant="primary">
          <Search aria-hidden /> Search
        </Button>
      </form>
      {problem && (
        <p role="alert" className="mb-3 text-sm text-danger">
          {problem}
        </p>
      )}
      {result && (
        <Card>
          {result.hits.length === 0 ? (
            <EmptyState icon={Search} title="No matching log lines">
              Try fewer words, or a wider time range.
            </EmptyState>
          ) : (
            <>
              <p className="border-b px-4 py-2 text-xs text-muted" aria-live="polite">
                {result.totalIsExact ? "" : "at least "}
                {result.total.toLocaleString()} matching line{result.total === 1 ? "" : "s"}
                {result.hits.length < result.total ? ` · showing ${result.hits.length}` : ""}
              </p>
              <ol aria-label="Search results" className="divide-y">
                {result.hits.map((h) => (
                  <Hit key={`${h.taskRunId}:${h.seq}`} hit={h} />
                ))}
              </ol>
            </>
          )}
        </Card>
      )}
    </>
  );
}

function Hit({ hit }: { hit: LogSearchHit }) {
  return (
    <li className="px-4 py-2.5">
      <div className="mb-1 flex flex-wrap items-center gap-2 text-xs text-muted">
        <StatusBadge status={hit.runStatus} />
        <Link href={hit.url} className="font-medium text-foreground hover:underline">
          {hit.pipelineName} #{hit.runNumber} · {hit.taskName} · line {hit.seq}
        </Link>
        <RelativeTime date={hit.ts} />
      </div>
      <Link
        href={hit.url}
        className="block overflow-hidden rounded bg-log-bg px-2 py-1 font-mono text-[12.5px] leading-5 whitespace-pre-wrap break-all text-log-fg hover:ring-1 hover:ring-accent"
        data-stream={hit.stream}
      >
        <Marked text={hit.text} ranges={hit.highlights} />
      </Link>
    </li>
  );
}

function Marked({ text, ranges }: { text: string; ranges: [number, number][] }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    if (s < at) continue;
    if (s > at) parts.push(text.slice(at, s));
    parts.push(
      <mark key={s} className="rounded-sm bg-st-waiting/40 px-0.5 text-inherit">
        {text.slice(s, e)}
      </mark>,
    );
    at = e;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
