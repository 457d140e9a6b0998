"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";

export interface SaveConflict {
  message: string;
  currentVersion?: number;
}

/**
 * A save refused because someone saved a newer version: the user's edit is kept, and they can
 * look at that version, save on top of it, or discard theirs (Spec editor and designer alike).
 */
export function SaveConflictBanner({
  conflict,
  pipelineId,
  kept,
  onSaveOnTop,
  onDiscard,
  children,
}: {
  conflict: SaveConflict;
  pipelineId: string;
  /** What of the user's is still here: "text", "design". */
  kept: string;
  onSaveOnTop: (version: number) => void;
  onDiscard: () => void;
  /** Extra actions shown first (e.g. the designer's graph diff). */
  children?: ReactNode;
}) {
  const v = conflict.currentVersion;
  return (
    <div
      role="alert"
      className="flex flex-wrap items-center gap-3 rounded-md border border-st-waiting/40 bg-st-waiting/10 px-3 py-2 text-sm"
    >
      <p className="min-w-0 flex-1">
        {conflict.message}. Your {kept} is still here.
      </p>
      {v && (
        <>
          {children}
          <Link className="text-accent underline-offset-2 hover:underline" href={`/pipelines/${pipelineId}/versions/${v}`} target="_blank">
            See version {v}
          </Link>
          <Button size="sm" onClick={() => onSaveOnTop(v)}>
            Save mine on top of version {v}
          </Button>
          <Button size="sm" variant="ghost" onClick={onDiscard}>
            Discard mine, load version {v}
          </Button>
        </>
      )}
    </div>
  );
}
