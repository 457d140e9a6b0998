"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { ArrowDownToLine, Clock, Download, RotateCw, Search, WrapText } from "lucide-react";
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { Button, buttonVariants } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { formatClock, formatExact } from "@/components/ui/time";
import { parseAnsi, spanStyle } from "@/lib/ansi";
import type { LogLine } from "./log-buffer";
import { useLogStream, type StreamState } from "./use-log-stream";
import { useArchiveLag } from "./use-archive-lag";
import { useLineAnchor } from "./use-line-anchor";
import { markSpans } from "./log-search";
import { LogSearchBar } from "./log-search-bar";
import { useLogSearch } from "./use-log-search";

const ROW = 20;

export interface LogViewerProps {
  taskRunId: string;
  /** Names the region for assistive tech and tests: "Log of say". */
  taskName: string;
  /** The task has not started yet: say so instead of "no output". */
  waiting: boolean;
  downloadName: string;
  /** Extra header content (task status, exit code…). */
  header?: ReactNode;
  /** What to say when the log is over and empty, if not "This task printed nothing." */
  emptyText?: string;
}

/**
 * A task run's log: virtualised (only visible rows are in the DOM), appended in per-frame
 * batches, following the end until the reader scrolls up. ANSI colours, line numbers, times on
 * hover, long lines scroll sideways (or wrap), and the raw log is one click away.
 */
export function LogViewer(props: LogViewerProps) {
  // A new task run is a new log: remount so buffers and scroll state start over.
  return <LogViewerInner key={props.taskRunId} {...props} />;
}

function LogViewerInner({ taskRunId, taskName, waiting, downloadName, header, emptyText }: LogViewerProps) {
  const { buffer, count, dropped, state, error, retry } = useLogStream(taskRunId);
  const [follow, setFollow] = useState(true);
  const [wrap, setWrap] = useState(false);
  const [showTimes, setShowTimes] = useState(false);
  const scrollRef = useRef<HTMLDivElement>(null);
  const lastTop = useRef(0);
  const behind = useArchiveLag(taskRunId, state === "ended");

  // The app is not built with the React Compiler, and this component reads the virtualizer's rows
  // and size afresh on every render; the memoized rows get only its stable measureElement.
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual returns a mutable instance by design (see above)
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW,
    overscan: 30,
  });

  // `#L<n>` (a search hit's link): scroll line n into view once it has arrived, and mark it.
  const target = useLineAnchor();
  const scrolledTo = useRef<number | null>(null);
  useEffect(() => {
    if (target === null || scrolledTo.current === target || count < target) return;
    scrolledTo.current = target;
    setFollow(false);
    virtualizer.scrollToIndex(target - 1, { align: "center" });
  }, [target, count, virtualizer]);

  // Search over every line held, not only the rendered rows (the browser's find sees only those).
  const search = useLogSearch(buffer.lines, count, follow && state !== "ended");
  const [searchFocus, setSearchFocus] = useState(0);
  const openSearch = () => {
    search.show(virtualizer.getVirtualItems().find((v) => v.end > (scrollRef.current?.scrollTop ?? 0))?.index ?? 0);
    setSearchFocus((n) => n + 1);
  };
  const closeSearch = () => {
    search.close();
    scrollRef.current?.focus();
  };
  // Bring the current match into view: its row first (it may not be rendered), then, once the row
  // is in the DOM, the match itself (a long unwrapped line scrolls sideways).
  const revealMark = useRef(false);
  const at = search.at;
  useEffect(() => {
    if (search.reveal === 0 || !at) return;
    setFollow(false);
    virtualizer.scrollToIndex(at.line, { align: "center" });
    revealMark.current = true;
    // Only a new reveal request moves the view, not a match that moved because lines arrived.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search.reveal]);
  useEffect(() => {
    if (!revealMark.current) return;
    const mark = scrollRef.current?.querySelector("mark[data-current]");
    if (mark) {
      revealMark.current = false;
      mark.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  });

  // Wrapped rows have their own heights; unwrapped ones are all ROW tall again.
  useEffect(() => virtualizer.measure(), [wrap, virtualizer]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (follow && el && count > 0) {
      el.scrollTop = el.scrollHeight;
      lastTop.current = el.scrollTop;
    }
  }, [count, follow, wrap]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW;
    // Scrolling up means "let me read": stop following. Reaching the end again resumes it.
    if (el.scrollTop < lastTop.current - 1 && !atBottom) setFollow(false);
    else if (atBottom) setFollow(true);
    lastTop.current = el.scrollTop;
  }, []);

  // Shortcuts while the log has focus (only then, so they never catch typing elsewhere).
  const onKeyDown = useCallback((e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key.toLowerCase();
    if (k === "f") setFollow((f) => !f);
    else if (k === "w") setWrap((w) => !w);
    else if (k === "t") setShowTimes((t) => !t);
    else if (e.key === "End") setFollow(true);
    else return;
    if (e.key !== "End") e.preventDefault();
  }, []);

  const digits = String(Math.max(count, 999)).length;
  const gutter = digits + 2; // in ch
  const items = virtualizer.getVirtualItems();
  const lines = buffer.lines;

  // Ctrl+F / Cmd+F anywhere in the viewer opens its own search; Escape closes it.
  const onViewerKeyDown = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "f") {
      e.preventDefault();
      openSearch();
    } else if (e.key === "Escape" && search.open) {
      e.preventDefault();
      closeSearch();
    }
  };

  return (
    <div className="flex h-full min-h-0 flex-col" onKeyDown={onViewerKeyDown}>
      <div className="flex flex-wrap items-center gap-2 border-b px-3 py-2">
        <div className="flex min-w-0 flex-1 flex-wrap items-center gap-2">{header}</div>
        <StreamBadge state={state} count={count} error={error} onRetry={retry} />
        <div className="flex items-center gap-1" role="toolbar" aria-label="Log options">
          <Button
            size="sm"
            variant="ghost"
            aria-pressed={search.open}
            onClick={() => (search.open ? closeSearch() : openSearch())}
            className={cn(search.open && "bg-surface-2")}
            title="Search this log (Ctrl+F)"
            aria-keyshortcuts="Control+F Meta+F"
          >
            <Search /> Search
          </Button>
          <Button
            size="sm"
            variant={follow ? "primary" : "secondary"}
            aria-pressed={follow}
            onClick={() => setFollow((f) => !f)}
            title="Keep the end of the log in view (F)"
            aria-keyshortcuts="F"
          >
            <ArrowDownToLine /> Follow
          </Button>
          <Button
            size="sm"
            variant="ghost"
            aria-pressed={wrap}
            onClick={() => setWrap((w) => !w)}
            className={cn(wrap && "bg-surface-2")}
            title="Wrap long lines (W)"
            aria-keyshortcuts="W"
          >
            <WrapText /> Wrap
          </Button>
          <Button
            size="sm"
            variant="ghost"
            aria-pressed={showTimes}
            onClick={() => setShowTimes((t) => !t)}
            className={cn(showTimes && "bg-surface-2")}
            title="Show the time of each line (T)"
            aria-keyshortcuts="T"
          >
            <Clock /> Times
          </Button>
          <a
            href={`/api/v1/task-runs/${encodeURIComponent(taskRunId)}/logs`}
            download={downloadName}
            className={buttonVariants({ size: "sm", variant: "ghost" })}
          >
            <Download aria-hidden /> Download raw log
          </a>
        </div>
      </div>
      {search.open && (
        <LogSearchBar search={search} focusKey={searchFocus} held={dropped > 0 ? lines.length : null} onClose={closeSearch} />
      )}
      {behind > 0 && (
        <p role="status" className="border-b bg-st-waiting/10 px-3 py-1.5 text-xs text-fg">
          The log archive is behind: {behind.toLocaleString()} line{behind === 1 ? " is" : "s are"} written but not stored yet (the log
          store was unreachable). They appear here as they are stored.
        </p>
      )}
      {dropped > 0 && (
        <p className="border-b bg-danger-soft px-3 py-1.5 text-xs text-danger">
          The viewer holds the first {lines.length.toLocaleString()} lines; {dropped.toLocaleString()} more are in the raw log.
        </p>
      )}
      <div
        ref={scrollRef}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        role="region"
        aria-label={`Log of ${taskName}`}
        tabIndex={0}
        className="relative min-h-0 flex-1 overflow-auto bg-log-bg font-mono text-[12.5px] leading-5 text-log-fg [tab-size:8]"
      >
        {count === 0 ? (
          <p className="px-4 py-3 font-sans text-sm text-muted">
            {state === "failed"
              ? `The log could not be loaded: ${error ?? "the stream was refused"}.`
              : state === "ended"
                ? (emptyText ?? "This task printed nothing.")
                : waiting
                  ? "Waiting for the task to start…"
                  : "Waiting for output…"}
          </p>
        ) : (
          <div
            className="relative"
            style={{
              height: virtualizer.getTotalSize(),
              width: wrap ? "100%" : `max(100%, calc(${gutter + (showTimes ? 14 : 0) + buffer.maxColumns}ch + 2rem))`,
            }}
          >
            {items.map((v) => (
              <LogRow
                key={v.key}
                index={v.index}
                line={lines[v.index]}
                start={v.start}
                wrap={wrap}
                showTime={showTimes}
                gutter={gutter}
                marked={target === v.index + 1}
                matches={search.open ? search.rangesOf(v.index) : undefined}
                currentMatch={at?.line === v.index ? at.nth : -1}
                measure={wrap ? virtualizer.measureElement : undefined}
              />
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

const LogRow = memo(function LogRow({
  index,
  line,
  start,
  wrap,
  showTime,
  gutter,
  marked,
  matches,
  currentMatch,
  measure,
}: {
  index: number;
  line: LogLine;
  start: number;
  wrap: boolean;
  showTime: boolean;
  gutter: number;
  marked: boolean;
  /** [start, end) of the search matches in what the line shows. */
  matches?: readonly [number, number][];
  /** Which of them is the current match, or -1. */
  currentMatch: number;
  measure?: (el: HTMLElement | null) => void;
}) {
  const spans = markSpans(parseAnsi(line.text, line.start).spans, matches ?? []);
  const err = line.stream === "err";
  const sys = line.stream === "sys";
  return (
    <div
      ref={measure}
      data-index={index}
      data-stream={line.stream}
      id={`L${index + 1}`}
      aria-current={marked ? "location" : undefined}
      className={cn(
        "group absolute top-0 left-0 flex w-full hover:bg-log-hover",
        err && "bg-st-failed/6",
        marked && "bg-st-waiting/25 ring-1 ring-st-waiting ring-inset",
      )}
      style={{ transform: `translateY(${start}px)`, minHeight: ROW, height: wrap ? undefined : ROW }}
    >
      <span
        className={cn(
          "sticky left-0 z-[1] shrink-0 bg-log-bg pr-3 pl-2 text-right text-log-gutter select-none group-hover:bg-log-hover",
          err && "text-st-failed",
        )}
        style={{ width: `${gutter}ch` }}
        title={formatExact(line.ts)}
      >
        {index + 1}
      </span>
      {showTime && <span className="shrink-0 pr-3 text-log-gutter select-none">{formatClock(line.ts)}</span>}
      <span className={cn("min-w-0 flex-1 pr-4", wrap ? "break-all whitespace-pre-wrap" : "whitespace-pre", sys && "text-muted italic")}>
        {spans.map((s, i) =>
          s.match === undefined ? (
            <span key={i} style={spanStyle(s.style)}>
              {s.text}
            </span>
          ) : (
            <mark
              key={i}
              style={spanStyle(s.style)}
              data-current={s.match === currentMatch ? "" : undefined}
              className={cn(
                "rounded-[2px] text-inherit",
                s.match === currentMatch ? "bg-st-waiting text-black! ring-1 ring-log-fg" : "bg-st-waiting/35",
              )}
            >
              {s.text}
            </mark>
          ),
        )}
        {line.fullLength !== undefined && (
          <span className="ml-2 rounded bg-surface-2 px-1.5 font-sans text-[11px] text-muted not-italic select-none">
            line cut at {line.text.length.toLocaleString()} of {line.fullLength.toLocaleString()} characters — download the raw log for all
            of it
          </span>
        )}
      </span>
      {!showTime && (
        <span className="sticky right-0 hidden shrink-0 bg-log-hover px-2 text-log-gutter select-none group-hover:inline" aria-hidden>
          {formatClock(line.ts)}
        </span>
      )}
    </div>
  );
});

function StreamBadge({ state, count, error, onRetry }: { state: StreamState; count: number; error: string | null; onRetry: () => void }) {
  const lines = `${count.toLocaleString()} line${count === 1 ? "" : "s"}`;
  if (state === "failed")
    return (
      <span className="flex items-center gap-2 text-xs text-danger" title={error ?? undefined}>
        Log stream refused
        <Button size="sm" onClick={onRetry}>
          <RotateCw /> Retry
        </Button>
      </span>
    );
  return (
    <span className="flex items-center gap-1.5 text-xs text-muted" aria-live="off">
      {(state === "live" || state === "reconnecting" || state === "connecting") && (
        <span className={cn("size-1.5 rounded-full", state === "live" ? "animate-pulse bg-st-running" : "bg-st-waiting")} aria-hidden />
      )}
      {state === "reconnecting" ? "reconnecting… " : state === "live" ? "live · " : ""}
      {lines}
    </span>
  );
}
