import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { ConcurrencySpecSchema, type ConcurrencySpec } from "@/lib/pipeline-spec";
import { ACTIVE_STATUSES } from "@/lib/status";
import type { Db, DbOrTx } from "../db/client";
import { pipelines, pipelineVersions, runs, type RunRow } from "../db/schema";
import { audit, SYSTEM_ACTOR } from "../audit/audit";
import { cancelRun } from "./cancel-run";
import { bumpRev } from "./state";

/**
 * A pipeline's concurrency settings (spec `concurrency`, read from the run's own version), applied
 * when the operator is about to start a queued run:
 * - `max`: at most that many runs of the pipeline are active; the rest stay queued, oldest first.
 * - `sameRef: queue`: a run waits while an older run of the same ref is active.
 * - `sameRef: cancel-previous`: older active runs of the same ref are cancelled.
 * A waiting run says why in its message (prefixed "Queued: "), cleared when it starts.
 */

export const HOLD_PREFIX = "Queued: ";

export interface ConcurrencyDecision {
  /** Why the run must stay queued for now; null when it may start. */
  wait: string | null;
  /** Older active runs of the same ref that this run replaces (cancel-previous). */
  cancel: { id: string; number: number }[];
}

/**
 * Concurrency settings by pipeline version. A saved version never changes (an edit saves a new
 * one), so an entry never goes stale; this spares every claim of a queued run a round trip while
 * it holds the run's lock.
 */
const settings = new Map<string, ConcurrencySpec | null>();
const SETTINGS_CACHE_SIZE = 1000;

async function concurrencyOf(tx: DbOrTx, run: Pick<RunRow, "pipelineId" | "version">): Promise<ConcurrencySpec | null> {
  const key = `${run.pipelineId}:${run.version}`;
  const hit = settings.get(key);
  if (hit !== undefined) return hit;
  // Only the one field: a spec can be large.
  const [row] = await tx
    .select({ c: sql<string | null>`JSON_EXTRACT(${pipelineVersions.spec}, '$.concurrency')` })
    .from(pipelineVersions)
    .where(and(eq(pipelineVersions.pipelineId, run.pipelineId), eq(pipelineVersions.version, run.version)));
  // A version not found is not remembered: it may be written in a moment.
  if (!row) return null;
  const parsed = row.c ? ConcurrencySpecSchema.safeParse(typeof row.c === "string" ? JSON.parse(row.c) : row.c) : null;
  const spec = parsed?.success ? parsed.data : null;
  if (settings.size >= SETTINGS_CACHE_SIZE) {
    const oldest = settings.keys().next();
    if (!oldest.done) settings.delete(oldest.value);
  }
  settings.set(key, spec);
  return spec;
}

/** Call with the run row locked, before advancing it. Only queued runs that have not started are held. */
export async function decideConcurrency(tx: DbOrTx, run: RunRow): Promise<ConcurrencyDecision> {
  const none: ConcurrencyDecision = { wait: null, cancel: [] };
  if (run.status !== "queued" || run.cancelRequested) return none;
  const c = await concurrencyOf(tx, run);
  if (!c || (c.max === undefined && (c.sameRef === undefined || run.ref === null))) return clearHold(tx, run, none);

  const others = await tx
    .select({ id: runs.id, number: runs.number, status: runs.status, ref: runs.ref, cancelRequested: runs.cancelRequested })
    .from(runs)
    .where(and(eq(runs.pipelineId, run.pipelineId), inArray(runs.status, [...ACTIVE_STATUSES]), ne(runs.id, run.id)));
  const older = others.filter((o) => o.number < run.number);

  const decision: ConcurrencyDecision = { wait: null, cancel: [] };
  if (run.ref !== null && c.sameRef === "cancel-previous") {
    decision.cancel = older.filter((o) => o.ref === run.ref && !o.cancelRequested).map((o) => ({ id: o.id, number: o.number }));
  }
  if (run.ref !== null && c.sameRef === "queue") {
    const ahead = older.filter((o) => o.ref === run.ref).sort((a, b) => a.number - b.number)[0];
    if (ahead) decision.wait = `${HOLD_PREFIX}waiting for run #${ahead.number} of the same ref '${run.ref}' to end`;
  }
  if (!decision.wait && c.max !== undefined) {
    // Started runs, plus older queued ones that are not themselves waiting for their ref: those go first.
    const started = others.filter((o) => o.status !== "queued").length;
    const blockedByRef = (o: (typeof older)[number]) =>
      c.sameRef === "queue" && o.ref !== null && others.some((p) => p.ref === o.ref && p.number < o.number);
    const aheadInLine = older.filter((o) => o.status === "queued" && !o.cancelRequested && !blockedByRef(o)).length;
    if (started + aheadInLine >= c.max) {
      decision.wait = `${HOLD_PREFIX}waiting for a free slot: ${started} run${started === 1 ? "" : "s"} of this pipeline active${aheadInLine ? `, ${aheadInLine} queued ahead` : ""} (at most ${c.max} at once)`;
    }
  }
  if (!decision.wait) return clearHold(tx, run, decision);
  if (run.message !== decision.wait) {
    await tx.update(runs).set({ message: decision.wait }).where(eq(runs.id, run.id));
    await bumpRev(tx, run.id);
  }
  return decision;
}

async function clearHold(tx: DbOrTx, run: RunRow, d: ConcurrencyDecision): Promise<ConcurrencyDecision> {
  if (run.message?.startsWith(HOLD_PREFIX)) {
    await tx.update(runs).set({ message: null }).where(eq(runs.id, run.id));
    run.message = null;
  }
  return d;
}

/** Cancels the runs a newer run of the same ref replaces (after the newer run's claim committed). */
export async function cancelReplaced(
  db: Db,
  by: Pick<RunRow, "id" | "number" | "pipelineId" | "ref">,
  victims: { id: string; number: number }[],
) {
  if (!victims.length) return;
  const [p] = await db.select({ projectId: pipelines.projectId }).from(pipelines).where(eq(pipelines.id, by.pipelineId));
  for (const v of victims) {
    try {
      await cancelRun(db, v.id, `run #${by.number}, a newer run of '${by.ref}'`);
    } catch {
      continue; // it ended meanwhile
    }
    await audit(db, SYSTEM_ACTOR, {
      action: "run.cancel",
      targetType: "run",
      targetId: v.id,
      targetName: `#${v.number}`,
      projectId: p?.projectId ?? null,
      details: { reason: "concurrency.sameRef: cancel-previous", ref: by.ref, replacedBy: by.id },
    });
  }
}
