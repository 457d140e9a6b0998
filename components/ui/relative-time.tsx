"use client";

import { useEffect, useState } from "react";
import { formatDuration, formatExact, formatRelative, toDate, type DateLike } from "./time";

/** "3 min ago", with the exact time on hover; re-renders itself so it stays true. */
export function RelativeTime({ date, className }: { date: DateLike; className?: string }) {
  const now = useNow(30_000);
  const d = toDate(date);
  return (
    <time dateTime={d.toISOString()} title={formatExact(d)} className={className} suppressHydrationWarning>
      {formatRelative(d, now)}
    </time>
  );
}

/** How long something took, ticking while it is still going. */
export function Duration({ start, end, className }: { start: DateLike | null; end: DateLike | null; className?: string }) {
  const now = useNow(end ? 0 : 1000);
  if (!start) return null;
  const ms = (end ? toDate(end).getTime() : now) - toDate(start).getTime();
  return (
    <span
      className={className}
      title={end ? `${formatExact(start)} → ${formatExact(end)}` : `started ${formatExact(start)}`}
      suppressHydrationWarning
    >
      {formatDuration(ms)}
    </span>
  );
}

function useNow(everyMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!everyMs) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
