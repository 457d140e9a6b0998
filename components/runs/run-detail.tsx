"use client";

import { Ban, ChartGantt, List, SquareTerminal, Workflow } from "lucide-react";
import { useCallback, useState, useTransition } from "react";
import { RunTimeline } from "@/components/analytics/run-timeline";
import { RunGraph } from "@/components/designer/run-graph";
import { LogViewer } from "@/components/logs/log-viewer";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { Duration, RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import type { RunJson } from "@/lib/api-schemas";
import { cancelRunAction } from "@/server/actions/runs";
import type { Action } from "@/lib/permissions";
import { defaultTask, findTask, isRunActive } from "./run-events";
import { ApprovalPanel, type Approver } from "./approval-panel";
import { StageList } from "./stage-list";
import { TaskValues } from "./task-values";
import { TriagePanel } from "./triage-panel";
import { TestsPanel, TestsSummary } from "./tests-panel";
import { RerunControls } from "./rerun-controls";
import { StatusBadge } from "./status-badge";
import { RunTrigger } from "./run-trigger";
import { useRunLive } from "./use-run-live";
import { SegmentedControl } from "@/components/ui/segmented";
import { Breadcrumbs } from "@/components/ui/page-header";
import type { Artifact } from "@/lib/artifact-schemas";
import { isFinal } from "@/lib/status";
import { RunArtifacts } from "./run-artifacts";

/** The run page: header, stages and tasks with live status, and the selected task's log. */
export function RunDetail({
  initial,
  initialTask,
  can = [],
  me = null,
  artifacts = [],
}: {
  initial: RunJson;
  initialTask: string | null;
  can?: Action[];
  me?: Approver;
  artifacts?: Artifact[];
}) {
  const { run, apply } = useRunLive(initial);
  const [selected, setSelected] = useState<string | null>(() => initialTask ?? defaultTask(initial)?.id ?? null);
  const task = findTask(run, selected);
  const active = isRunActive(run);
  const [view, setView] = useState<"list" | "graph" | "timeline">("list");

  const select = useCallback((id: string) => {
    setSelected(id);
    // Shareable link to this task's log, without a server round trip.
    const url = new URL(window.location.href);
    url.searchParams.set("task", id);
    url.hash = ""; // a #L<n> line anchor belongs to the task it was linked for
    window.history.replaceState(null, "", url);
  }, []);

  return (
    <div className="flex flex-col gap-4">
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <Breadcrumbs
            crumbs={[
              { href: "/pipelines", label: "Pipelines" },
              { href: `/pipelines/${run.pipelineId}`, label: run.pipelineName },
            ]}
          />
          <div className="flex items-center gap-3">
            <h1 className="text-lg font-semibold tracking-tight">
              {run.pipelineName} <span className="text-muted">#{run.number}</span>
            </h1>
            {/* A live region: screen readers hear the run finish. */}
            <span role="status" aria-label="Run status">
              <StatusBadge status={run.status} />
            </span>
          </div>
          <p className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted">
            <span>version {run.version}</span>
            {run.ref && <span>ref {run.ref}</span>}
            {run.rerunOf && (
              <span>
                re-run of{" "}
                <a href={`/runs/${run.rerunOf.id}`} className="underline">
                  #{run.rerunOf.number}
                </a>
              </span>
            )}
            <span>
              {run.trigger} run{run.createdBy ? ` by ${run.createdBy}` : ""}, <RelativeTime date={run.createdAt} />
            </span>
            {run.startedAt && (
              <span>
                {run.finishedAt ? "took " : "running for "}
                <Duration start={run.startedAt} end={run.finishedAt} className="tabular-nums" />
              </span>
            )}
            <TestsSummary runId={run.id} runStatus={run.status} />
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {active && can.includes("run.cancel") && <CancelButton runId={run.id} number={run.number} onDone={apply} />}
          {can.includes("run.start") && <RerunControls run={run} />}
        </div>
      </header>

      {run.message && (
        <p
          role="status"
          className={cn(
            "rounded-md border px-3 py-2 text-sm",
            run.status === "failed" ? "border-danger/30 bg-danger-soft text-danger" : "bg-surface",
          )}
        >
          {/* The list below has the file's problems one by one. */}
          {run.errors?.length ? run.message.split("\n")[0] : run.message}
        </p>
      )}

      {run.errors && run.errors.length > 0 && (
        <section aria-label="Pipeline file problems" className="rounded-md border border-danger/30 px-3 py-2 text-sm">
          <ul className="flex flex-col gap-1">
            {run.errors.map((e, i) => (
              <li key={i} className="font-mono text-xs">
                {e.line !== undefined && <span className="text-muted">line {e.line}: </span>}
                {e.path && <span className="font-medium">{e.path}: </span>}
                {e.message}
              </li>
            ))}
          </ul>
        </section>
      )}

      {run.event && <RunTrigger event={run.event} />}

      <SegmentedControl
        label="Stages view"
        className="-mb-2 self-start"
        value={view}
        onChange={setView}
        segments={[
          { value: "list", label: "List", icon: List },
          { value: "graph", label: "Graph", icon: Workflow },
          { value: "timeline", label: "Timeline", icon: ChartGantt },
        ]}
      />
      {view === "graph" && <RunGraph run={run} selected={selected} onSelect={select} />}
      {view === "timeline" && <RunTimeline run={run} selected={selected} onSelect={select} />}

      <div
        className={cn(
          "grid min-h-[28rem] grid-cols-1 gap-4",
          view === "list" ? "lg:h-[calc(100dvh-11rem)] lg:grid-cols-[17rem_minmax(0,1fr)]" : "lg:h-[calc(100dvh-29rem)]",
        )}
      >
        <aside className={cn("flex min-h-0 flex-col gap-4 overflow-y-auto rounded-lg border bg-surface p-2", view !== "list" && "hidden")}>
          <StageList run={run} selected={selected} onSelect={select} />
          <RunArtifacts
            runId={run.id}
            initial={artifacts}
            finishedTasks={run.stages.flatMap((s) => s.tasks).filter((t) => isFinal(t.status)).length}
          />
          {Object.keys(run.params).length > 0 && (
            <section aria-labelledby="params-heading" className="border-t px-1 pt-3">
              <h3 id="params-heading" className="mb-1.5 text-xs font-semibold tracking-wide text-muted uppercase">
                Params
              </h3>
              <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-xs">
                {Object.entries(run.params).map(([k, v]) => (
                  <div key={k} className="contents">
                    <dt className="font-mono text-muted">{k}</dt>
                    <dd className="truncate font-mono" title={v}>
                      {v === "" ? <span className="text-muted italic">empty</span> : v}
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          )}
        </aside>
        <section className="flex min-h-[24rem] flex-col overflow-hidden rounded-lg border bg-surface" aria-label="Task log">
          {task && !task.approval && <TaskValues task={task} />}
          {task?.triage && <TriagePanel key={task.id} taskRunId={task.id} triage={task.triage} />}
          {task?.approval ? (
            <ApprovalPanel task={task} approval={task.approval} me={me} />
          ) : task ? (
            <div className="min-h-0 flex-1">
              <LogViewer
                taskRunId={task.id}
                taskName={task.name}
                waiting={task.status === "queued" || task.status === "waiting"}
                emptyText={
                  task.reusedFrom
                    ? "Not run again: this task's result was reused from an earlier run, where its log is."
                    : task.status === "skipped"
                      ? "This task was skipped, so it has no log."
                      : undefined
                }
                downloadName={`${run.pipelineName}-${run.number}-${task.name}.log`}
                header={
                  <>
                    <h2 className="truncate text-sm font-semibold">{task.name}</h2>
                    <StatusBadge status={task.status} />
                    {/* The message usually says it better ("timed out after 600s"); the bare code only when it doesn't. */}
                    {task.exitCode !== null && !task.message?.includes(`exit code ${task.exitCode}`) && (
                      <span className="text-xs text-muted">exit code {task.exitCode}</span>
                    )}
                    {task.maxAttempts > 1 && task.attempt > 0 && (
                      <span className="text-xs text-muted">
                        attempt {task.attempt} of {task.maxAttempts}
                      </span>
                    )}
                    {task.message && (
                      <span className="min-w-0 truncate text-xs text-muted" title={task.message}>
                        {task.message}
                      </span>
                    )}
                  </>
                }
              />
            </div>
          ) : (
            <EmptyState icon={SquareTerminal} title="Select a task to see its log">
              Logs follow live while a task runs.
            </EmptyState>
          )}
        </section>
      </div>
      <TestsPanel runId={run.id} runStatus={run.status} />
    </div>
  );
}

function CancelButton({ runId, number, onDone }: { runId: string; number: number; onDone: (r: RunJson) => void }) {
  const [pending, start] = useTransition();
  const toast = useToast();
  return (
    <Button
      variant="danger"
      disabled={pending}
      onClick={() =>
        start(async () => {
          const r = await cancelRunAction(runId);
          if (r.ok) {
            onDone(r.data);
            toast({ tone: "success", title: `Cancelling run #${number}`, description: "Running tasks are being stopped." });
          } else toast({ tone: "error", title: "Could not cancel the run", description: r.error.message });
        })
      }
    >
      <Ban /> Cancel run
    </Button>
  );
}
