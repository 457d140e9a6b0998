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
  if (!start) return null;
  if (!end) return <RunningDuration start={start} className={className} />;
  return (
    <span className={className} title={`${formatExact(start)} → ${formatExact(end)}`} suppressHydrationWarning>
      {formatDuration(toDate(end).getTime() - toDate(start).getTime())}
    </span>
  );
}

/** Its own component so that its clock starts when it appears (a finished task running again). */
function RunningDuration({ start, className }: { start: DateLike; className?: string }) {
  const now = useNow(1000);
  return (
    <span className={className} title={`started ${formatExact(start)}`} suppressHydrationWarning>
      {formatDuration(now - toDate(start).getTime())}
    </span>
  );
}

/** Date.now() as of the first render, read again every `everyMs`. */
function useNow(everyMs: number) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
