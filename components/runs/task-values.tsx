"use client";

import { Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";
import type { TaskRunJson } from "./run-events";

/** Longer values show their start until expanded: a result may be up to 4 KiB. */
const SHORT = 160;

/**
 * What values did with the selected task: the conditions it ran under, why it was skipped, and
 * the results it wrote for later tasks. Nothing when it has none of them.
 */
export function TaskValues({ task }: { task: TaskRunJson }) {
  const results = Object.entries(task.results);
  const when = task.when ?? [];
  const skipped = task.status === "skipped" && task.message;
  if (!results.length && !when.length && !skipped) return null;
  return (
    <div className="flex max-h-56 shrink-0 flex-col gap-2 overflow-y-auto border-b px-3 py-2 text-xs">
      {skipped && <p className="text-muted">{task.message}</p>}
      {when.length > 0 && (
        <ul aria-label={`Conditions of ${task.name}`} className="flex flex-col gap-0.5">
          {when.map((w, i) => (
            <li key={i}>
              <span className="text-muted">Runs only when</span> <code className="font-mono break-all">{w.expr}</code>
              {w.from === "stage" && <span className="text-muted"> (the stage&apos;s condition)</span>}
            </li>
          ))}
        </ul>
      )}
      {results.length > 0 && (
        <section aria-labelledby={`results-${task.id}`}>
          <h3 id={`results-${task.id}`} className="mb-1 font-semibold tracking-wide text-muted uppercase">
            Results
          </h3>
          <dl aria-label={`Results of ${task.name}`} className="grid grid-cols-[auto_minmax(0,1fr)_auto] items-start gap-x-3 gap-y-1">
            {results.map(([name, value]) => (
              <ResultRow key={name} name={name} value={value} />
            ))}
          </dl>
        </section>
      )}
    </div>
  );
}

function ResultRow({ name, value }: { name: string; value: string }) {
  const [expanded, setExpanded] = useState(false);
  const toast = useToast();
  const long = value.length > SHORT;
  return (
    <div className="contents">
      <dt className="py-0.5 font-mono text-muted">{name}</dt>
      <dd className="min-w-0 py-0.5 font-mono break-all whitespace-pre-wrap">
        {value === "" ? <span className="text-muted italic">empty</span> : long && !expanded ? `${value.slice(0, SHORT)}…` : value}
        {long && (
          <button
            type="button"
            aria-expanded={expanded}
            onClick={() => setExpanded(!expanded)}
            className="ml-1.5 font-sans text-accent underline"
          >
            {expanded ? "Show less" : `Show all ${value.length} characters`}
          </button>
        )}
      </dd>
      <dd>
        <Button
          size="icon-sm"
          variant="ghost"
          aria-label={`Copy result ${name}`}
          title="Copy"
          onClick={() =>
            navigator.clipboard.writeText(value).then(
              () => toast({ tone: "success", title: `Copied ${name}` }),
              () => toast({ tone: "error", title: "Could not copy", description: "The browser refused access to the clipboard." }),
            )
          }
        >
          <Copy />
        </Button>
      </dd>
    </div>
  );
}
