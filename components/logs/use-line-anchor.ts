"use client";

import { useEffect, useState } from "react";

/** The line number in the page's `#L<n>` anchor (a link from log search), or null. */
export function lineFromHash(hash: string): number | null {
  const m = /^#L(\d+)$/.exec(hash);
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function useLineAnchor(): number | null {
  const [line, setLine] = useState<number | null>(null);
  useEffect(() => {
    const read = () => setLine(lineFromHash(window.location.hash));
    read();
    window.addEventListener("hashchange", read);
    return () => window.removeEventListener("hashchange", read);
  }, []);
  return line;
}
