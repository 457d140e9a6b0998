import type { ComponentType } from "react";
import { cn } from "./cn";

export interface Segment<V extends string> {
  value: V;
  label: string;
  icon?: ComponentType<{ className?: string; "aria-hidden"?: boolean }>;
}

/** A small group of toggle buttons choosing one view (Designer/Split/YAML, List/Graph…). */
export function SegmentedControl<V extends string>({
  label,
  segments,
  value,
  onChange,
  className,
}: {
  label: string;
  segments: readonly Segment<V>[];
  value: V;
  onChange: (v: V) => void;
  className?: string;
}) {
  return (
    <div role="group" aria-label={label} className={cn("inline-flex rounded-md border bg-surface p-0.5", className)}>
      {segments.map(({ value: v, label: text, icon: Icon }) => (
        <button
          key={v}
          type="button"
          aria-pressed={value === v}
          onClick={() => onChange(v)}
          className={cn(
            "inline-flex h-6 items-center gap-1 rounded px-2 text-xs text-muted hover:text-foreground",
            value === v && "bg-accent-soft font-medium text-accent",
          )}
        >
          {Icon && <Icon className="size-3.5" aria-hidden />} {text}
        </button>
      ))}
    </div>
  );
}
