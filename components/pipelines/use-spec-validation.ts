"use client";

import { useDeferredValue, useMemo } from "react";
import { parseSpecText, type ParseResult } from "@/lib/parse-spec";

/** Instant feedback while typing: the same parser and schema the server uses, minus the catalog. */
export function useSpecValidation(text: string): ParseResult {
  const deferred = useDeferredValue(text);
  return useMemo(() => parseSpecText(deferred), [deferred]);
}
