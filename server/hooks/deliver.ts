import { randomUUID } from "node:crypto";
import { and, desc, eq, gt, isNotNull } from "drizzle-orm";
import { AppError, notFound } from "@/lib/errors";
import { safeHttpUrl } from "@/lib/safe-url";
import { PROVIDERS, filterMismatch, type Provider, type TriggerSpec } from "@/lib/triggers";
import type { Db, DbOrTx } from "../db/client";
import { pipelines, runs, webhookDeliveries } from "../db/schema";
import { audit, SYSTEM_ACTOR } from "../audit/audit";
import { logger } from "../logger";
import type { Actor } from "../authz/authz";
import { getPipeline, isDuplicate } from "../pipelines/pipelines";
import { startRun } from "../runs/start-run";
import { resolveSecrets } from "../secrets/secrets";
import { noBuildReason } from "./actions";
import { forgeTarget } from "../forge/target";
import { startForgeReports } from "../forge/report";
import { deliveryId, eventEnv, issueKeys, normalise, verify, type Commit, type HookEvent } from "./providers";

/**
 * A webhook delivery from receipt to run: signature (401, nothing recorded as run), de-duplication
 * by the provider's delivery id, payload (400), the pipeline's triggers and their filters, the
 * commits since the last successful run of the same ref, and the run itself. Every delivery that
 * passed the signature is recorded with what happened, and can be replayed.
 */

export type DeliveryResult = "accepted" | "skipped" | "rejected" | "failed";
export interface DeliveryOutcome {
  status: number;
  body: { delivery: string; result: DeliveryResult | "duplicate"; message: string; runId: string | null };
}

/** Header names never stored: they carry the credential itself. */
const CREDENTIAL_HEADERS = new Set(["authorization", "x-gitlab-token", "cookie"]);
const MAX_COMMITS = 500;

function storedHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of h) if (!CREDENTIAL_HEADERS.has(k)) out[k] = v.slice(0, 1000);
  return out;
}

export function parseProvider(p: string): Provider {
  if (!(PROVIDERS as readonly string[]).includes(p)) throw notFound("webhook provider", p);
  return p as Provider;
}

async function triggersOf(db: DbOrTx, pipelineId: string, provider: Provider): Promise<TriggerSpec[]> {
  const p = await getPipeline(db, pipelineId);
  const list = (p.spec.triggers ?? []).filter((t) => t.provider === provider);
  if (list.length === 0) throw new AppError("not_found", `pipeline '${p.name}' has no ${provider} trigger`);
  return list;
}

/**
 * What every failure before the signature is proven answers: unknown provider or pipeline, no
 * trigger of that provider, a trigger whose secret is missing, a bad or missing signature. One
 * 404 naming only what the caller sent, so nobody without the secret learns which pipelines
 * exist or what they are called; the precise reason goes to the server log for its operators.
 */
function noSuchHook(provider: string, pipelineId: string, why: unknown): AppError {
  logger.info(
    { provider, pipelineId: pipelineId.slice(0, 100), reason: (why as Error)?.message ?? String(why) },
    "webhook delivery refused before its signature was proven",
  );
  return new AppError("not_found", `no webhook trigger at ${provider.slice(0, 40)}/${pipelineId.slice(0, 100)} accepts this delivery`);
}

export async function receiveDelivery(
  db: Db,
  input: { provider: string; pipelineId: string; headers: Headers; body: string },
): Promise<DeliveryOutcome> {
  let provider: Provider;
  let signed: TriggerSpec[];
  try {
    provider = parseProvider(input.provider);
    const triggers = await triggersOf(db, input.pipelineId, provider);
    // Which triggers this delivery proves it may use: those whose secret signed it.
    const values = await resolveSecrets(db, input.pipelineId, [...new Set(triggers.map((t) => t.secret))]);
    let lastError: unknown = null;
    signed = triggers.filter((t) => {
      try {
        verify(provider, input.headers, input.body, values[t.secret]);
        return true;
      } catch (e) {
        lastError = e;
        return false;
      }
    });
    if (signed.length === 0) throw lastError;
  } catch (e) {
    // A broken database is still a 500, not a silent 404.
    if (e instanceof AppError && (e.code === "not_found" || e.code === "unauthorized"))
      throw noSuchHook(input.provider, input.pipelineId, e);
    throw e;
  }

  const id = deliveryId(provider, input.headers, input.body);
  const [dup] = await db
    .select({ id: webhookDeliveries.id, runId: webhookDeliveries.runId, result: webhookDeliveries.result })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.pipelineId, input.pipelineId),
        eq(webhookDeliveries.provider, provider),
        eq(webhookDeliveries.deliveryId, id),
      ),
    );
  if (dup)
    return {
      status: 200,
      body: { delivery: dup.id, result: "duplicate", message: `delivery ${id} was already received (${dup.result})`, runId: dup.runId },
    };

  return process(db, {
    pipelineId: input.pipelineId,
    provider,
    deliveryId: id,
    headers: storedHeaders(input.headers),
    body: input.body,
    rawHeaders: input.headers,
    triggers: signed,
    replayOf: null,
    actor: SYSTEM_ACTOR,
  });
}

async function process(
  db: Db,
  d: {
    pipelineId: string;
    provider: Provider;
    deliveryId: string;
    headers: Record<string, string>;
    rawHeaders: Headers;
    body: string;
    triggers: TriggerSpec[];
    replayOf: string | null;
    actor: Actor | typeof SYSTEM_ACTOR;
  },
): Promise<DeliveryOutcome> {
  const rowId = randomUUID();
  const record = async (result: DeliveryResult, message: string, event: string | null, runId: string | null = null) => {
    try {
      await db.insert(webhookDeliveries).values({
        id: rowId,
        pipelineId: d.pipelineId,
        provider: d.provider,
        deliveryId: d.deliveryId,
        event,
        headers: d.headers,
        payload: d.body,
        result,
        message: message.slice(0, 1000),
        runId,
        replayOf: d.replayOf,
      });
    } catch (e) {
      // Two copies of one delivery racing past the duplicate check: the first record stands.
      if (isDuplicate(e)) return false;
      throw e;
    }
    return true;
  };
  const done = (status: number, result: DeliveryResult, message: string, runId: string | null = null): DeliveryOutcome => ({
    status,
    body: { delivery: rowId, result, message, runId },
  });

  let payload: unknown;
  try {
    payload = JSON.parse(d.body);
  } catch (e) {
    const message = `malformed webhook payload: not JSON (${(e as Error).message})`;
    await record("rejected", message, null);
    throw new AppError("bad_request", message);
  }
  let event: HookEvent | null;
  try {
    event = normalise(d.provider, d.rawHeaders, payload);
  } catch (e) {
    await record("rejected", (e as Error).message, null);
    throw e;
  }
  if (!event) {
    const raw =
      d.rawHeaders.get("x-gitea-event") ??
      d.rawHeaders.get("x-github-event") ??
      (payload as { object_kind?: string }).object_kind ??
      "event";
    const message = `'${raw}' deliveries do not start runs`;
    await record("skipped", message, String(raw));
    return done(202, "skipped", message);
  }
  const nothing = noBuildReason(event);
  if (nothing) {
    await record("skipped", nothing, event.rawType);
    return done(202, "skipped", nothing);
  }
  const reasons: string[] = [];
  let match: TriggerSpec | undefined;
  for (const t of d.triggers) {
    const why = filterMismatch(t, event);
    if (!why) {
      match = t;
      break;
    }
    reasons.push(why);
  }
  if (!match) {
    const message = `no trigger matches: ${reasons.join("; ")}`;
    await record("skipped", message, event.rawType);
    return done(202, "skipped", message);
  }

  const commits = await commitsSinceLastSuccess(db, d.pipelineId, event);
  const keys = issueKeys(commits.map((c) => c.message));
  const stored = { ...event, commits, issueKeys: keys, deliveryId: d.deliveryId };
  try {
    const run = await startRun(db, d.pipelineId, {
      trigger: d.provider,
      ref: event.ref,
      event: stored,
      env: { ...eventEnv(event), ...(keys.length ? { GANTRY_ISSUE_KEYS: keys.join(",") } : {}) },
      files: [
        // Every task's plan carries the file, so a very large payload is left to the delivery record.
        {
          env: "GANTRY_EVENT_PATH",
          name: "event.json",
          content: JSON.stringify(
            { ...stored, payload: d.body.length <= 256 * 1024 ? payload : `(omitted: ${d.body.length} bytes; see delivery ${rowId})` },
            null,
            2,
          ),
        },
        { env: "GANTRY_COMMITS_PATH", name: "commits.json", content: JSON.stringify({ commits, issueKeys: keys }, null, 2) },
      ],
    });
    const what = `${event.type}${event.ref ? ` of ${event.ref}` : event.image ? ` of ${event.image}` : ""}`;
    const message = `started run #${run.number} for ${what}`;
    await record("accepted", message, event.rawType, run.id);
    await reportToForge(db, d, payload, event, match, run.id);
    const [p] = await db.select({ projectId: pipelines.projectId }).from(pipelines).where(eq(pipelines.id, d.pipelineId));
    await audit(db, d.actor, {
      action: d.replayOf ? "webhook.replay" : "run.start",
      targetType: "run",
      targetId: run.id,
      targetName: `#${run.number}`,
      projectId: p?.projectId ?? null,
      details: { trigger: d.provider, delivery: d.deliveryId, ref: event.ref, sha: event.sha },
    });
    return done(201, "accepted", message, run.id);
  } catch (e) {
    const message = e instanceof AppError ? e.message : "the run could not be created";
    await record("failed", message, event.rawType);
    throw e;
  }
}

/** Queues the run's first commit status when the trigger asks for them; reporting never keeps a run from starting. */
async function reportToForge(
  db: Db,
  d: { provider: Provider; pipelineId: string; rawHeaders: Headers },
  payload: unknown,
  event: HookEvent,
  trigger: TriggerSpec,
  runId: string,
) {
  const found = forgeTarget({ provider: d.provider, headers: d.rawHeaders, payload, event, trigger });
  try {
    if ("skip" in found) {
      if (trigger.statusToken) logger.warn({ runId, reason: found.skip }, "no commit status for this run");
      return;
    }
    if (!(await startForgeReports(db, runId, d.pipelineId, found.target)))
      logger.warn({ runId }, "no commit status for this run: its target is too long");
  } catch (e) {
    logger.error({ runId, err: (e as Error).message }, "queueing the run's commit status failed");
  }
}

/**
 * Commits of this push plus those of the runs of the same pipeline and ref since its last
 * successful run (the changes a failing build has accumulated), newest first, without repeats.
 */
async function commitsSinceLastSuccess(db: DbOrTx, pipelineId: string, event: HookEvent): Promise<Commit[]> {
  const own = [...event.commits].reverse();
  if (!event.ref) return own.slice(0, MAX_COMMITS);
  const [ok] = await db
    .select({ createdAt: runs.createdAt })
    .from(runs)
    .where(and(eq(runs.pipelineId, pipelineId), eq(runs.ref, event.ref), eq(runs.status, "succeeded")))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  const since = await db
    .select({ event: runs.event })
    .from(runs)
    .where(
      and(
        eq(runs.pipelineId, pipelineId),
        eq(runs.ref, event.ref),
        isNotNull(runs.event),
        ...(ok ? [gt(runs.createdAt, ok.createdAt)] : []),
      ),
    )
    .orderBy(desc(runs.createdAt))
    .limit(100);
  const seen = new Set<string>();
  const out: Commit[] = [];
  for (const c of [...own, ...since.flatMap((r) => [...(((r.event as { commits?: Commit[] } | null)?.commits ?? []) as Commit[])])]) {
    if (seen.has(c.sha)) continue;
    seen.add(c.sha);
    // Runs stored before the receiver dropped non-http(s) links may still carry one.
    out.push({ ...c, url: safeHttpUrl(c.url) ?? undefined });
    if (out.length >= MAX_COMMITS) break;
  }
  return out;
}

/** The pipeline a recorded delivery was for (404 when there is no such delivery). */
export async function pipelineOfDelivery(db: DbOrTx, deliveryRowId: string): Promise<string> {
  const [row] = await db
    .select({ pipelineId: webhookDeliveries.pipelineId })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, deliveryRowId));
  if (!row) throw notFound("webhook delivery", deliveryRowId);
  return row.pipelineId;
}

/**
 * Runs a recorded delivery again (same payload, no signature): the caller has been authorised
 * by the operation (run.start in the delivery's pipeline).
 */
export async function replayDelivery(db: Db, actor: Actor, deliveryRowId: string): Promise<DeliveryOutcome> {
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryRowId));
  if (!row) throw notFound("webhook delivery", deliveryRowId);
  const provider = parseProvider(row.provider);
  const triggers = await triggersOf(db, row.pipelineId, provider);
  return process(db, {
    pipelineId: row.pipelineId,
    provider,
    deliveryId: `${row.deliveryId.slice(0, 150)}:replay:${randomUUID().slice(0, 8)}`,
    headers: row.headers,
    rawHeaders: new Headers(row.headers),
    body: row.payload,
    triggers,
    replayOf: row.id,
    actor,
  });
}

export interface DeliveryView {
  id: string;
  provider: string;
  deliveryId: string;
  event: string | null;
  result: string;
  message: string | null;
  runId: string | null;
  runNumber: number | null;
  replayOf: string | null;
  createdAt: Date;
}

/** A pipeline's deliveries, newest first; the caller has been authorised (project.view). */
export async function listDeliveries(db: DbOrTx, pipelineId: string, limit = 50): Promise<DeliveryView[]> {
  return db
    .select({
      id: webhookDeliveries.id,
      provider: webhookDeliveries.provider,
      deliveryId: webhookDeliveries.deliveryId,
      event: webhookDeliveries.event,
      result: webhookDeliveries.result,
      message: webhookDeliveries.message,
      runId: webhookDeliveries.runId,
      runNumber: runs.number,
      replayOf: webhookDeliveries.replayOf,
      createdAt: webhookDeliveries.createdAt,
    })
    .from(webhookDeliveries)
    .leftJoin(runs, eq(runs.id, webhookDeliveries.runId))
    .where(eq(webhookDeliveries.pipelineId, pipelineId))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
}
