"use client";

import { CalendarClock, Pause, Pencil, Play, Plus, Trash2 } from "lucide-react";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useState, useTransition, type FormEvent } from "react";
import { StatusBadge } from "@/components/runs/status-badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useToast } from "@/components/ui/toast";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import type { ScheduleJson } from "@/lib/schedule-json";
import { CONCURRENCY_POLICIES, cronProblem, formatInZone, nextTicks, timeZoneProblem } from "@/lib/schedules";
import { createScheduleAction, deleteScheduleAction, listSchedulesAction, updateScheduleAction } from "@/server/actions/schedules";

type Param = PipelineSpec["params"][number];

const userZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** A tick in the schedule's zone and, when it differs, the viewer's. */
function When({ iso, tz }: { iso: string; tz: string }) {
  const d = new Date(iso);
  const mine = userZone();
  return (
    <span>
      <time dateTime={iso} data-testid="next-in-zone">
        {formatInZone(d, tz)}
      </time>
      {mine !== tz && (
        <span className="text-muted" data-testid="next-local">
          {" "}
          · your time {formatInZone(d, mine)}
        </span>
      )}
    </span>
  );
}

/** The Schedules tab: each schedule with its next ticks and listed runs; editors add, change, suspend and delete. */
export function SchedulesPanel({ pipelineId, params, canEdit }: { pipelineId: string; params: Param[]; canEdit: boolean }) {
  const toast = useToast();
  const [items, setItems] = useState<ScheduleJson[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<ScheduleJson | "new" | null>(null);
  const [pending, start] = useTransition();

  const show = useCallback((r: Awaited<ReturnType<typeof listSchedulesAction>>) => {
    if (r.ok) {
      setItems(r.data);
      setError(null);
    } else setError(r.error.message);
  }, []);
  const load = async () => show(await listSchedulesAction(pipelineId));
  // The first list, fetched once the panel shows; an answer for a panel that is gone is dropped.
  useEffect(() => {
    let current = true;
    void listSchedulesAction(pipelineId).then((r) => {
      if (current) show(r);
    });
    return () => {
      current = false;
    };
  }, [pipelineId, show]);

  const act = (label: string, fn: () => Promise<{ ok: boolean; error?: { message: string } }>) =>
    start(async () => {
      const r = await fn();
      if (!r.ok) toast({ tone: "error", title: `Could not ${label}`, description: r.error?.message });
      await load();
    });

  return (
    <Card>
      <CardHeader
        title="Schedules"
        actions={
          canEdit &&
          editing === null && (
            <Button size="sm" onClick={() => setEditing("new")}>
              <Plus aria-hidden /> New schedule
            </Button>
          )
        }
      />
      {error && <p className="p-3 text-sm text-danger">{error}</p>}
      {editing !== null && (
        <ScheduleForm
          pipelineId={pipelineId}
          params={params}
          initial={editing === "new" ? null : editing}
          onDone={async (saved) => {
            setEditing(null);
            if (saved) await load();
          }}
        />
      )}
      {items === null ? (
        <p className="p-3 text-sm text-muted">Loading…</p>
      ) : items.length === 0 && editing === null ? (
        <EmptyState icon={CalendarClock} title="No schedules">
          A schedule starts runs of this pipeline from a cron expression, in the time zone you choose.
        </EmptyState>
      ) : (
        <ul className="divide-y" aria-label="Schedules">
          {items.map((s) => (
            <li key={s.id} className="space-y-1.5 p-3 text-sm" data-testid="schedule">
              <div className="flex flex-wrap items-center gap-2">
                <code className="rounded bg-surface-2 px-1.5 py-0.5 font-mono">{s.cron}</code>
                <span className="text-muted">{s.timeZone}</span>
                {s.description && <span>{s.description}</span>}
                <span className="rounded border px-1.5 text-xs">{s.concurrencyPolicy}</span>
                {s.suspend && <span className="rounded border border-st-waiting/50 px-1.5 text-xs text-st-waiting">suspended</span>}
                {canEdit && (
                  <span className="ml-auto flex gap-1.5">
                    <Button
                      size="sm"
                      disabled={pending}
                      onClick={() =>
                        act(s.suspend ? "resume" : "suspend", () => updateScheduleAction(pipelineId, s.id, { suspend: !s.suspend }))
                      }
                    >
                      {s.suspend ? <Play aria-hidden /> : <Pause aria-hidden />} {s.suspend ? "Resume" : "Suspend"}
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setEditing(s)} aria-label={`Edit schedule ${s.cron}`}>
                      <Pencil aria-hidden /> Edit
                    </Button>
                    <Button
                      size="sm"
                      variant="danger"
                      disabled={pending}
                      aria-label={`Delete schedule ${s.cron}`}
                      onClick={() => {
                        if (window.confirm(`Delete the schedule '${s.cron}'? Its runs stay.`))
                          act("delete", () => deleteScheduleAction(pipelineId, s.id));
                      }}
                    >
                      <Trash2 aria-hidden />
                    </Button>
                  </span>
                )}
              </div>
              <div>
                <span className="text-muted">Next run: </span>
                {s.nextAt ? <When iso={s.nextAt} tz={s.timeZone} /> : <span className="text-muted">none while suspended</span>}
              </div>
              {s.lastResult && (
                <div className="text-muted">
                  Last tick: <span className="text-foreground">{s.lastResult}</span>
                </div>
              )}
              {[...s.active, ...s.succeeded, ...s.failed].length > 0 && (
                <div className="flex flex-wrap items-center gap-2">
                  <span className="text-muted">Runs:</span>
                  {[...s.active, ...s.succeeded, ...s.failed]
                    .sort((a, b) => b.number - a.number)
                    .map((r) => (
                      <Link key={r.id} href={`/runs/${r.id}`} className="inline-flex items-center gap-1 hover:underline">
                        #{r.number} <StatusBadge status={r.status} />
                      </Link>
                    ))}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function ScheduleForm({
  pipelineId,
  params,
  initial,
  onDone,
}: {
  pipelineId: string;
  params: Param[];
  initial: ScheduleJson | null;
  onDone: (saved: boolean) => void | Promise<void>;
}) {
  const [cron, setCron] = useState(initial?.cron ?? "0 3 * * *");
  const [tz, setTz] = useState(initial?.timeZone ?? userZone());
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const cronError = serverErrors.cron ?? cronProblem(cron);
  const tzError = serverErrors.timeZone ?? timeZoneProblem(tz);
  const preview = useMemo(() => (cronError || tzError ? [] : nextTicks(cron, tz, new Date(), 3)), [cron, tz, cronError, tzError]);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => (String(f.get(k) ?? "").trim() === "" ? null : Number(f.get(k)));
    const body = {
      cron,
      timeZone: tz,
      description: String(f.get("description") ?? "").trim() || null,
      concurrencyPolicy: String(f.get("concurrencyPolicy")) as (typeof CONCURRENCY_POLICIES)[number],
      startingDeadlineSeconds: num("startingDeadlineSeconds"),
      successfulHistoryLimit: num("successfulHistoryLimit") ?? 3,
      failedHistoryLimit: num("failedHistoryLimit") ?? 1,
      params: Object.fromEntries(params.map((p) => [p.name, String(f.get(`param-${p.name}`) ?? "")]).filter(([, v]) => v !== "")),
    };
    start(async () => {
      const r = initial ? await updateScheduleAction(pipelineId, initial.id, body) : await createScheduleAction(pipelineId, body);
      if (r.ok) return void (await onDone(true));
      const byField: Record<string, string> = {};
      for (const fe of r.error.errors ?? []) byField[fe.path] = fe.message;
      setServerErrors(byField);
      setFailure(Object.keys(byField).some((k) => k === "cron" || k === "timeZone") ? null : r.error.message);
    });
  }

  return (
    <form
      onSubmit={onSubmit}
      className="space-y-3 border-b bg-surface-2/40 p-3 text-sm"
      aria-label={initial ? "Edit schedule" : "New schedule"}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <div className="space-y-1">
          <Label htmlFor="schedule-cron">Cron expression</Label>
          <Input
            id="schedule-cron"
            className="font-mono"
            value={cron}
            aria-invalid={!!cronError}
            aria-describedby="schedule-cron-help"
            onChange={(e) => {
              setCron(e.target.value);
              setServerErrors(({ cron: _c, ...rest }) => rest);
            }}
          />
          <p id="schedule-cron-help" className={cronError ? "text-danger" : "text-muted"} role={cronError ? "alert" : undefined}>
            {cronError ?? "minute hour day-of-month month day-of-week, or @daily, @hourly…"}
          </p>
        </div>
        <div className="space-y-1">
          <Label htmlFor="schedule-tz">Time zone</Label>
          <Input
            id="schedule-tz"
            value={tz}
            aria-invalid={!!tzError}
            onChange={(e) => {
              setTz(e.target.value);
              setServerErrors(({ timeZone: _t, ...rest }) => rest);
            }}
          />
          {tzError ? (
            <p className="text-danger" role="alert">
              {tzError}
            </p>
          ) : (
            <p className="text-muted">IANA name, e.g. Europe/Berlin or UTC</p>
          )}
        </div>
      </div>
      {preview.length > 0 && (
        <p data-testid="schedule-preview">
          <span className="text-muted">Next runs: </span>
          {preview.map((d, i) => (
            <span key={d.toISOString()}>
              {i > 0 && ", "}
              {formatInZone(d, tz)}
            </span>
          ))}
        </p>
      )}
      <div className="grid gap-3 sm:grid-cols-4">
        <div className="space-y-1 sm:col-span-2">
          <Label htmlFor="schedule-description">Description</Label>
          <Input id="schedule-description" name="description" defaultValue={initial?.description ?? ""} maxLength={200} />
        </div>
        <div className="space-y-1">
          <Label htmlFor="schedule-policy">If the last run is still going</Label>
          <Select id="schedule-policy" name="concurrencyPolicy" defaultValue={initial?.concurrencyPolicy ?? "Allow"}>
            <option value="Allow">Allow: start another</option>
            <option value="Forbid">Forbid: skip this tick</option>
            <option value="Replace">Replace: cancel it, start new</option>
          </Select>
        </div>
        <div className="space-y-1">
          <Label htmlFor="schedule-deadline">Starting deadline (s)</Label>
          <Input
            id="schedule-deadline"
            name="startingDeadlineSeconds"
            type="number"
            min={1}
            defaultValue={initial?.startingDeadlineSeconds ?? ""}
            placeholder="none"
          />
        </div>
        <div className="space-y-1">
          <Label htmlFor="schedule-ok-limit">Succeeded runs listed</Label>
          <Input
            id="schedule-ok-limit"
            name="successfulHistoryLimit"
            type="number"
            min={0}
            max={100}
            defaultValue={initial?.successfulHistoryLimit ?? 3}
          />
        </div>
        <div className="space-y-1">
          <Label htmlFor="schedule-failed-limit">Failed runs listed</Label>
          <Input
            id="schedule-failed-limit"
            name="failedHistoryLimit"
            type="number"
            min={0}
            max={100}
            defaultValue={initial?.failedHistoryLimit ?? 1}
          />
        </div>
      </div>
      {params.length > 0 && (
        <fieldset className="grid gap-3 sm:grid-cols-2">
          <legend className="mb-1 font-medium">Params</legend>
          {params.map((p) => (
            <div key={p.name} className="space-y-1">
              <Label htmlFor={`schedule-param-${p.name}`}>{p.name}</Label>
              <Input
                id={`schedule-param-${p.name}`}
                name={`param-${p.name}`}
                type={p.secret ? "password" : "text"}
                defaultValue={initial?.params[p.name] ?? ""}
                placeholder={p.default ?? (p.required ? "required" : "")}
                aria-invalid={!!serverErrors[`params.${p.name}`]}
              />
              {serverErrors[`params.${p.name}`] && <p className="text-danger">{serverErrors[`params.${p.name}`]}</p>}
            </div>
          ))}
        </fieldset>
      )}
      {failure && (
        <p className="text-danger" role="alert">
          {failure}
        </p>
      )}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabled={pending || !!cronProblem(cron) || !!timeZoneProblem(tz)}>
          {initial ? "Save schedule" : "Create schedule"}
        </Button>
        <Button variant="ghost" onClick={() => onDone(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
