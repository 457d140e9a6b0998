"use client";

import { useCallback, useMemo, useState } from "react";
import type { LogLine } from "./log-buffer";
import { compileQuery, firstMatchFrom, locateMatch, rangesPerLine, searchLog, type SearchQuery, type SearchResult } from "./log-search";

/**
 * The viewer's search state: query and options, the result over the lines held so far (extended,
 * not redone, as lines arrive), and the current match. `reveal` changes whenever the viewer should
 * bring the current match into view; new matches arriving never move the view.
 */
export function useLogSearch(lines: readonly LogLine[], count: number, following: boolean) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState<SearchQuery>({ text: "", regex: false, caseSensitive: false });
  const compiled = useMemo(() => compileQuery(query), [query]);
  const active = open && compiled?.ok ? compiled : null;

  const [result, setResult] = useState<SearchResult | null>(null);
  const [current, setCurrent] = useState(-1);
  const [reveal, setReveal] = useState(0);
  // Where a new query starts looking (the first line on screen), set by the viewer.
  const [from, setFrom] = useState(0);

  // Derived during render (React's "adjust state on a prop change"): the log grew or the query changed.
  const next = active ? searchLog(lines, count, active, result) : null;
  if (next !== result) {
    setResult(next);
    if (next && next.key !== result?.key) {
      if (following) {
        // A live log being followed stays followed: the matches are counted (and highlighted as
        // they scroll by) until Enter or Shift+Enter picks one.
        setCurrent(-1);
      } else {
        // Go to the first match on or after the first line on screen, as a browser's find does;
        // refining a query keeps to the match already chosen, if it still matches.
        const here = result && current >= 0 ? (locateMatch(result, current)?.line ?? from) : from;
        const k = firstMatchFrom(next, here);
        setCurrent(k);
        if (k >= 0) setReveal((n) => n + 1);
      }
    }
  }

  const go = useCallback(
    (step: 1 | -1) => {
      if (!result || result.total === 0) return;
      setCurrent((c) => (c < 0 ? (step === 1 ? 0 : result.total - 1) : (c + step + result.total) % result.total));
      setReveal((n) => n + 1);
    },
    [result],
  );

  // Offsets of the matches in a line, found again only for rows on screen and kept per query.
  const ranges = useMemo(() => (active ? rangesPerLine(active.re) : null), [active]);
  const rangesOf = useCallback(
    (index: number): [number, number][] | undefined => {
      if (!ranges || !result || index >= result.scanned) return undefined;
      const r = ranges(index, lines[index]);
      return r.length ? r : undefined;
    },
    [ranges, result, lines],
  );

  const at = result && current >= 0 ? locateMatch(result, current) : null;
  return {
    open,
    query,
    error: compiled && !compiled.ok ? compiled.error : null,
    total: result?.total ?? 0,
    current: at ? current : -1,
    at,
    reveal,
    rangesOf,
    show: (firstLine: number) => {
      setFrom(firstLine);
      setOpen(true);
    },
    close: () => setOpen(false),
    setQuery: (q: Partial<SearchQuery>) => setQuery((old) => ({ ...old, ...q })),
    next: () => go(1),
    previous: () => go(-1),
  };
}

export type LogSearchState = ReturnType<typeof useLogSearch>;
