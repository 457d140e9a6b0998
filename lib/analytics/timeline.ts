/**
 * A run's timeline (Gantt): one row per task run with the time it waited and the time it ran.
 * A task is ready when what it depends on is done: the run's creation for the first stage, the
 * end of the previous stage for a parallel stage's tasks and a sequential stage's first task, the
 * previous task for the rest of a sequential stage. Waiting = ready → started (queue, executor
 * start-up); running = started → finished (or now, while it runs).
 */

export interface TimelineRunInput {
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  stages: {
    name: string;
    mode: "sequential" | "parallel";
    tasks: { id: string; name: string; status: string; startedAt: string | null; finishedAt: string | null }[];
  }[];
}

export interface TimelineRow {
  id: string;
  name: string;
  stage: string;
  status: string;
  ready: number | null;
  start: number | null;
  end: number | null;
  /** Still running: `end` is now. */
  open: boolean;
}

const t = (s: string | null) => (s ? new Date(s).getTime() : null);

export function timeline(run: TimelineRunInput, now: number): { rows: TimelineRow[]; from: number; to: number } {
  const rows: TimelineRow[] = [];
  const from = new Date(run.createdAt).getTime();
  let stageReady: number | null = from;
  for (const stage of run.stages) {
    let prevEnd: number | null = stageReady;
    let stageEnd: number | null = null;
    let stageDone = true;
    stage.tasks.forEach((task, i) => {
      const ready = stage.mode === "sequential" && i > 0 ? prevEnd : stageReady;
      const start = t(task.startedAt);
      const finished = t(task.finishedAt);
      const open = start !== null && finished === null;
      const end = finished ?? (open ? now : null);
      rows.push({ id: task.id, name: task.name, stage: stage.name, status: task.status, ready, start, end, open });
      prevEnd = finished;
      if (finished === null) stageDone = false;
      else stageEnd = Math.max(stageEnd ?? finished, finished);
    });
    stageReady = stageDone ? stageEnd : null;
  }
  const ends = rows.flatMap((r) => [r.end, r.start, r.ready]).filter((x): x is number => x !== null);
  const to = Math.max(from + 1000, t(run.finishedAt) ?? 0, ...ends);
  return { rows, from, to };
}

/** Axis ticks at a round step (1 s … 1 h) giving about `count` ticks over `span` ms. */
export function timeTicks(span: number, count = 6): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400].map((s) => s * 1000);
  const step = steps.find((s) => span / s <= count) ?? steps[steps.length - 1];
  const out: number[] = [];
  for (let v = 0; v <= span; v += step) out.push(v);
  return out;
}
