import { firstErrorOfRun } from "../triage/triage";
import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, inArray, like } from "drizzle-orm";
import { isActive, type RunStatus } from "@/lib/status";
import type { Db, DbOrTx } from "../db/client";
import { notificationOutbox, pipelines, runs, taskRuns } from "../db/schema";
import { outboundFetch } from "../net/outbound";
import { FORK_GATE_TASK } from "../runs/fork-gate";
import { resolveSecrets } from "../secrets/secrets";
import { createCommentRequest, editCommentRequest, statusRequest, type ForgeRequest, type RunReport } from "./requests";
import { ForgeTargetSchema, type ForgeTarget } from "./target";

/**
 * Status back to the forge through the notification outbox (server/notifications/outbox.ts): a
 * row of channel `forge` when a webhook run is created and at each of its status changes; the
 * operator's notifications job sends it with the outbox's retries. A row says only *that* the run
 * moved: what is reported is read when it is sent, so a retried older row never puts a status back.
 */

export const FORGE_CHANNEL = "forge";
const EVENT = "status";
/** The target column's width. */
const MAX_TARGET = 2000;

const sameComment = (a: ForgeTarget, b: ForgeTarget) => a.forge === b.forge && a.api === b.api && a.repo === b.repo && a.pr === b.pr;

/**
 * The first report of a run started by a delivery. A pull request's summary comment is one per
 * pipeline: the id an earlier run of the same pipeline and request remembered is taken over.
 */
export async function startForgeReports(db: DbOrTx, runId: string, pipelineId: string, target: ForgeTarget): Promise<boolean> {
  let t = target;
  if (t.pr) {
    const earlier = await db
      .select({ target: notificationOutbox.target })
      .from(notificationOutbox)
      .innerJoin(runs, eq(runs.id, notificationOutbox.runId))
      .where(
        and(
          eq(runs.pipelineId, pipelineId),
          eq(notificationOutbox.channel, FORGE_CHANNEL),
          like(notificationOutbox.target, '%"commentId"%'),
        ),
      )
      .orderBy(desc(notificationOutbox.createdAt))
      .limit(20);
    const found = earlier.map((e) => parseTarget(e.target)).find((e) => e?.commentId && sameComment(e, t));
    if (found) t = { ...t, commentId: found.commentId };
  }
  const json = JSON.stringify(t);
  if (json.length > MAX_TARGET) return false;
  await db.insert(notificationOutbox).values({ id: randomUUID(), runId, event: EVENT, channel: FORGE_CHANNEL, target: json });
  return true;
}

/** At a run's status change (inside its transaction): one more report, when the run reports to a forge. */
export async function enqueueForgeReport(db: DbOrTx, runId: string, to: RunStatus) {
  // Queued is what the first report said; later changes each get one.
  if (to === "queued") return;
  const target = await latestTarget(db, runId);
  if (target) await db.insert(notificationOutbox).values({ id: randomUUID(), runId, event: EVENT, channel: FORGE_CHANNEL, target });
}

/** The target JSON of the run's newest report row (with the comment's id once one was made), or null. */
async function latestTarget(db: DbOrTx, runId: string): Promise<string | null> {
  const [last] = await db
    .select({ target: notificationOutbox.target })
    .from(notificationOutbox)
    .where(and(eq(notificationOutbox.runId, runId), eq(notificationOutbox.channel, FORGE_CHANNEL)))
    .orderBy(desc(notificationOutbox.createdAt))
    .limit(1);
  return last?.target ?? null;
}

function parseTarget(json: string): ForgeTarget | null {
  try {
    const r = ForgeTargetSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export interface ForgeDeps {
  publicUrl: string;
  fetch?: typeof outboundFetch;
  now?: () => Date;
}

/** The run as it is now, in the words of a report. */
async function reportOf(db: DbOrTx, runId: string, publicUrl: string, now: Date): Promise<RunReport> {
  const [r] = await db
    .select({
      number: runs.number,
      status: runs.status,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      pipeline: pipelines.name,
      pipelineId: pipelines.id,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .where(eq(runs.id, runId));
  if (!r) throw new Error(`run ${runId} no longer exists`);
  // One read of the tasks that matter to a report: the failed ones, and a waiting fork gate.
  const notable = await db
    .select({ name: taskRuns.name, status: taskRuns.status })
    .from(taskRuns)
    .where(and(eq(taskRuns.runId, runId), inArray(taskRuns.status, ["failed", "waiting"])))
    .orderBy(asc(taskRuns.stageIndex), asc(taskRuns.taskIndex));
  const failed = notable.filter((t) => t.status === "failed");
  const gate = notable.some((t) => t.status === "waiting" && t.name === FORK_GATE_TASK);
  const end = r.finishedAt ?? (isActive(r.status) ? now : null);
  return {
    pipeline: r.pipeline,
    pipelineId: r.pipelineId,
    number: r.number,
    status: r.status,
    url: `${publicUrl}/runs/${runId}`,
    seconds: r.startedAt && end ? Math.max(0, (end.getTime() - r.startedAt.getTime()) / 1000) : null,
    failedTasks: failed.map((f) => f.name),
    ...(failed.length ? { firstError: await firstErrorOfRun(db, runId) } : {}),
    ...(gate ? { forkGate: true } : {}),
  };
}

async function send(req: ForgeRequest, deps: ForgeDeps): Promise<Response> {
  return (deps.fetch ?? outboundFetch)(req.url, {
    method: req.method,
    headers: req.headers,
    body: JSON.stringify(req.body),
    timeoutMs: 15_000,
  });
}

async function failure(what: string, req: ForgeRequest, res: Response) {
  const text = (await res.text().catch(() => "")).slice(0, 300);
  return new Error(`${what}: ${req.method} ${new URL(req.url).host}${new URL(req.url).pathname} answered ${res.status}: ${text}`);
}

/** Sends one outbox row of channel `forge`: the commit status, then the summary comment when asked for. Throws to be retried. */
export async function sendForgeReport(db: Db, row: { runId: string; target: string }, deps: ForgeDeps): Promise<void> {
  const t = parseTarget(row.target);
  if (!t) throw new Error("a forge report whose target is not readable");
  const report = await reportOf(db, row.runId, deps.publicUrl, deps.now?.() ?? new Date());
  const token = (await resolveSecrets(db, report.pipelineId, [t.token]))[t.token];
  const status = statusRequest(t, token, report);
  const res = await send(status, deps);
  // GitLab refuses to move a status to the state it is in (a late row repeating the current state): nothing to do.
  const same = t.forge === "gitlab" && res.status === 400 && /cannot transition status/i.test(await res.clone().text());
  if (!res.ok && !same) throw await failure("the commit status was refused", status, res);
  if (!t.pr) return;
  // The newest remembered id: an earlier row of this run may have created the comment since this row was queued.
  const latest = await latestTarget(db, row.runId);
  const commentId = (latest ? parseTarget(latest)?.commentId : undefined) ?? t.commentId;
  if (commentId) {
    const edit = editCommentRequest(t, token, report, commentId);
    const r = await send(edit, deps);
    if (r.ok) return;
    // Deleted on the forge: make a new one.
    if (r.status !== 404) throw await failure("editing the summary comment failed", edit, r);
  }
  const create = createCommentRequest(t, token, report);
  const r = await send(create, deps);
  if (!r.ok) throw await failure("the summary comment was refused", create, r);
  const id = ((await r.json().catch(() => ({}))) as { id?: unknown }).id;
  if (typeof id === "number" && Number.isInteger(id) && id > 0) await rememberComment(db, row.runId, { ...t, commentId: id });
}

/** Every report row of the run carries the comment's id from now on, and later runs of the request find it there. */
async function rememberComment(db: DbOrTx, runId: string, t: ForgeTarget) {
  await db
    .update(notificationOutbox)
    .set({ target: JSON.stringify(t) })
    .where(and(eq(notificationOutbox.runId, runId), eq(notificationOutbox.channel, FORGE_CHANNEL)));
}
