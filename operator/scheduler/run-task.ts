import type { Logger } from "pino";
import { createMasker } from "@/lib/mask";
import { attemptSucceeded, retryAfter, retryPolicy } from "@/lib/retry-policy";
import type { Db } from "@/server/db/client";
import type { LogStore } from "@/server/logs/store";
import { LogWriter } from "@/server/logs/writer";
import {
  finishTaskRun,
  setExecutorRef,
  setRunningMessage,
  setTaskAttempt,
  stagesStatus,
  taskOutcomes,
  type ClaimedTask,
} from "@/server/runs/operator-queries";
import type { TaskPlan } from "@/lib/plan";
import { planStrings, resolvePlan, UnresolvedReference } from "@/lib/expressions/plan";
import { refsOf } from "@/lib/expressions/template";
import { startLookup } from "@/lib/expressions/values";
import { ExecutorError, type ExecHandle, type ExecResult, type Executor, type LogSink } from "../executors/types";
import { retryUntilDone } from "./backoff";
import { countingLogStore } from "@/server/metrics/operator";
import { taskSecrets, type TaskSecrets } from "@/server/secrets/run-secrets";
import { gantryUrl, uploadTokenEnv, wantsUploadToken } from "@/server/artifacts/task-env";
import { DecryptError, SecretKeyError } from "@/server/secrets/crypto";
import { AppError } from "@/lib/errors";
import { trackTask } from "../metrics";
import { MetricsBlocks } from "./metrics-blocks";
import { withResults } from "../executors/results";
import type { CollectedReports } from "../executors/reports";
import { recordTestReports } from "./test-reports";
import { flakyHistory, triageTaskRun, type FlakyHistory } from "@/server/triage/triage";
import { failureReason } from "@/lib/failure-reason";

/** Retrying cannot fix these: the secret was deleted, or the key to open it is missing or wrong. */
const isPermanentSecretError = (e: unknown) => e instanceof AppError || e instanceof DecryptError || e instanceof SecretKeyError;

/** Stored lines a resumed attempt is shown, to find where each of its streams left off. */
const RESUME_TAIL_LINES = 2000;

/** Why a task in flight must stop before it ends on its own. */
export type StopReason =
  /** The run was cancelled: the task ends `cancelled` with this message ("cancelled by alice"). */
  | { kind: "cancel"; message: string }
  /** The operator is shutting down past its drain deadline: the task ends `failed`. */
  | { kind: "shutdown"; message: string }
  /** Someone else already gave the task run its final status (it was declared orphaned). */
  | { kind: "lost"; message: string };

export interface InFlight {
  claimed: ClaimedTask;
  handle: ExecHandle | null;
  stop: StopReason | null;
  done: Promise<void>;
  /** The operator restarted while this attempt ran: follow it again instead of starting another. */
  resume?: boolean;
}

export interface TaskContext {
  db: Db;
  executor: Executor;
  store: LogStore;
  log: Logger;
}

/** Stops a task in flight, now or as soon as its process exists. */
export function stopTask(inf: InFlight, reason: StopReason) {
  if (inf.stop) return;
  inf.stop = reason;
  if (inf.handle) halt(inf.handle, reason);
}

/**
 * A lost task run's attempt is someone else's now: an operator that adopted it follows the same
 * BuildJob, and one that failed it as orphaned has stopped what it could (reapOrphan). So an
 * attempt that outlives this process is only let go of; a local process, this operator's own
 * child, is stopped.
 */
function halt(handle: ExecHandle, reason: StopReason) {
  if (reason.kind === "lost" && handle.release) handle.release();
  else handle.cancel(reason.message);
}

/**
 * Runs one claimed task run to its end: attempts (with retries), logs, and the final status,
 * which is written even if the database is down when the task ends (it waits for it).
 */
export async function runTask(ctx: TaskContext, inf: InFlight): Promise<void> {
  const { taskRun: tr, run } = inf.claimed;
  const log = ctx.log.child({ taskRunId: tr.id, runId: run.id, task: tr.name });
  // Secret values exist in clear only here, in memory: secret params are sealed in the database
  // and project secrets are read now. A secret that is gone or does not decrypt fails the task.
  const sec = await retryUntilDone(
    () => taskSecrets(ctx.db, run, tr.plan).catch((e: unknown) => (isPermanentSecretError(e) ? (e as Error) : Promise.reject(e))),
    (e, failures, wait) => {
      if (failures === 1 || failures % 10 === 0)
        log.warn({ err: (e as Error).message, wait }, "resolving the task's secrets failed; retrying");
    },
  );
  // The task's artifact upload token rides with its secrets: masked, a Secret in Kubernetes.
  if (!(sec instanceof Error) && wantsUploadToken(tr.plan)) {
    const upload = uploadTokenEnv(tr.id, retryPolicy(tr.plan).totalTimeoutSeconds, new Date());
    Object.assign(sec.env, upload);
    sec.values.push(upload.GANTRY_ARTIFACT_TOKEN);
  }
  const mask = createMasker(sec instanceof Error ? [] : sec.values);
  // References left for the task's start (results of earlier tasks, the run's number) are filled in now.
  const plan = await retryUntilDone(
    () => startPlan(ctx.db, tr.plan, run).catch((e: unknown) => (e instanceof UnresolvedReference ? e : Promise.reject(e))),
    (e, failures, wait) => {
      if (failures === 1 || failures % 10 === 0)
        log.warn({ err: (e as Error).message, wait }, "reading earlier tasks' results failed; retrying");
    },
  );
  const writer = new LogWriter(countingLogStore(ctx.store), tr.id, { mask, startSeq: tr.logSeq });
  // What executors write goes through here: metrics blocks in the task's output are taken out.
  const output = new MetricsBlocks(writer);
  const metrics = trackTask(ctx.db, ctx.executor, inf.claimed, log, { resumed: !!inf.resume });
  const policy = retryPolicy(tr.plan);
  const maxAttempts = policy.maxAttempts;
  const dbRetry = (what: string) => (e: unknown, failures: number, wait: number) => {
    if (failures === 1 || failures % 10 === 0) log.warn({ err: (e as Error).message, wait }, `${what} failed; retrying`);
  };

  let attempt = Math.max(1, tr.attempt);
  let result: ExecResult;
  /** The last attempt's test reports: an earlier attempt's are replaced by a retry's. */
  let reports: CollectedReports | null = null;
  let flakyRetried = 0;
  for (;;) {
    if (attempt > 1) {
      writer.system(`attempt ${attempt} of ${maxAttempts}`);
      await retryUntilDone(() => setTaskAttempt(ctx.db, tr, attempt), dbRetry("recording the attempt"));
    }
    if (sec instanceof Error || plan instanceof Error) {
      result = {
        exitCode: null,
        signal: null,
        timedOut: false,
        cancelled: false,
        message: `cannot start: ${(sec instanceof Error ? sec : (plan as Error)).message}`,
        permanent: true,
      };
      break;
    }
    result = await runAttempt(ctx, inf, attempt, output, log, mask, sec, plan);
    output.endOfOutput();
    result = withPrintedResults(result, output, plan);
    const printed = output.takeReports();
    reports = result.reports ?? printed;
    if (!retryAfter(policy, attempt, result, !!inf.stop)) {
      const flaky = await flakyRetry(ctx, inf, result, flakyRetried, log);
      if (!flaky) break;
      flakyRetried++;
      writer.system(
        `attempt ${attempt} failed: ${result.message}; the task is flaky (it failed ${flaky.failures} of its last ${flaky.runs} runs on code that also passed it): retrying (flaky retry ${flakyRetried} of ${tr.plan.flakyRetries})`,
      );
      attempt++;
      continue;
    }
    writer.system(`attempt ${attempt} of ${maxAttempts} failed: ${result.message}; retrying`);
    attempt++;
  }

  const ok = attemptSucceeded(result);
  const stop = inf.stop as StopReason | null;
  const status = ok ? "succeeded" : stop?.kind === "cancel" ? "cancelled" : "failed";
  const message = ok ? null : stop && stop.kind !== "lost" ? stop.message : result.message;
  if (!ok && message) writer.system(message);
  if (result.ignoredResults?.length)
    writer.system(`results not declared by the task or its template were ignored: ${result.ignoredResults.join(", ")}`);
  await metrics.collectPushed(writer, output.text(), mask);
  metrics.cache(tr.plan.template, result.results);
  if (tr.plan.reports && reports && stop?.kind !== "lost")
    await recordTestReports(ctx.db, inf.claimed, reports, writer, mask, dbRetry("storing the test reports"));
  metrics.finished(stop?.kind === "lost" ? "lost" : status);
  // Logs first: whoever sees the task run end must be able to read all of its lines.
  await writer.close();
  if (stop?.kind === "lost") {
    log.warn({ reason: stop.message }, "task run was finished elsewhere; its result is dropped");
    return;
  }
  // Before the final status: whoever hears of the failure (a notification, the commit status) hears why.
  if (status === "failed")
    await triageTaskRun(ctx.db, ctx.store, tr.id, {
      reason: result.reason ?? failureReason(result.timedOut ? "DeadlineExceeded" : null, message),
      message: message ? mask(message) : null,
    }).catch((e: unknown) => log.warn({ err: (e as Error).message }, "triage of the failed task failed; the run page will try again"));
  const written = await retryUntilDone(
    () =>
      finishTaskRun(ctx.db, tr, {
        status,
        exitCode: result.exitCode,
        message: message ? mask(message) : null,
        attempt,
        // Results are masked like the log: a task that wrote a secret into one does not publish it.
        results: result.results && Object.fromEntries(Object.entries(result.results).map(([k, v]) => [k, mask(v)])),
      }),
    dbRetry("recording the task result"),
  );
  if (!written) log.warn("task run was no longer running when its result came; the earlier final status stands");
  else log.info({ status, exitCode: result.exitCode, attempt }, "task finished");
}

async function runAttempt(
  ctx: TaskContext,
  inf: InFlight,
  attempt: number,
  sink: LogSink,
  log: Logger,
  mask: (s: string) => string,
  sec: TaskSecrets,
  plan: TaskPlan,
): Promise<ExecResult> {
  const { taskRun: tr, run } = inf.claimed;
  const stopped = (message: string): ExecResult => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: true,
    message,
    permanent: true,
  });
  if (inf.stop) return stopped(inf.stop.message);
  let handle: ExecHandle;
  const task = {
    taskRunId: tr.id,
    runId: run.id,
    pipelineId: run.pipelineId,
    taskName: tr.name,
    stageName: tr.stageName,
    plan,
    // Task env wins over pipeline params of the same name: it is the more specific setting; the
    // project secrets the task names win over both (the spec refuses a name in both env and
    // secrets), and secret template params (plan.secretEnv) over all.
    env: { GANTRY_URL: gantryUrl(), ...sec.params, ...plan.env, ...sec.secrets, ...sec.env },
    attempt,
    secretParams: [...run.secretNames, ...Object.keys(sec.secrets), ...Object.keys(sec.env)],
    cloneSecrets: sec.clone,
    progress: (message: string | null) =>
      void setRunningMessage(ctx.db, tr, message === null ? null : mask(message)).catch((e) =>
        log.debug({ err: (e as Error).message }, "could not record the task's progress"),
      ),
  };
  const resume = inf.resume;
  inf.resume = false;
  try {
    if (resume && ctx.executor.resume) {
      // Lines stored before the restart (or the adoption) are not written again: the executor
      // goes on after the last ones it finds here.
      const tail = tr.logSeq > 0 ? await ctx.store.read(tr.id, Math.max(0, tr.logSeq - RESUME_TAIL_LINES), RESUME_TAIL_LINES) : [];
      const last = tail.at(-1);
      handle = await ctx.executor.resume(task, tr.executorRef, sink, last ? { notBefore: new Date(last.ts), tail } : {});
    } else {
      handle = await ctx.executor.start(task, sink);
    }
  } catch (e) {
    const permanent = e instanceof ExecutorError ? e.permanent : false;
    log.warn({ err: (e as Error).message }, "task could not start");
    return { exitCode: null, signal: null, timedOut: false, cancelled: false, message: (e as Error).message, permanent };
  }
  inf.handle = handle;
  if (inf.stop) halt(handle, inf.stop as StopReason);
  if (handle.ref !== tr.executorRef)
    void setExecutorRef(ctx.db, tr.id, handle.ref).catch((e) =>
      log.debug({ err: (e as Error).message }, "could not record the executor ref"),
    );
  const result = await handle.wait();
  inf.handle = null;
  return result;
}

/**
 * Whether a failed task gets one more attempt because it is flaky: the pipeline asks for it
 * (`retry: {onFlaky: N}`), retries are left, the attempt failed on its own (an exit code or a
 * time-out, not a stop or a task that cannot start), and its history says it fails and passes
 * on the same code. The history's answer, or null.
 */
async function flakyRetry(ctx: TaskContext, inf: InFlight, r: ExecResult, used: number, log: Logger): Promise<FlakyHistory | null> {
  const { taskRun: tr, run } = inf.claimed;
  const allowed = tr.plan.flakyRetries ?? 0;
  if (used >= allowed || inf.stop || r.cancelled || attemptSucceeded(r) || (r.exitCode === null && !r.timedOut)) return null;
  try {
    const h = await flakyHistory(ctx.db, run.pipelineId, tr.name);
    return h.flaky ? h : null;
  } catch (e) {
    log.warn({ err: (e as Error).message }, "could not read the task's history to retry it as flaky");
    return null;
  }
}

/** The plan with the references known at start filled in (lib/expressions/plan.ts). */
async function startPlan(db: Db, plan: TaskPlan, run: { id: string; number: number }): Promise<TaskPlan> {
  if (!plan.templated) return plan;
  const usesTasks = [...planStrings(plan)].some((s) => refsOf(s).some((r) => r.path[0] === "tasks"));
  const tasks = usesTasks ? await taskOutcomes(db, run.id) : {};
  // A finally task sees what the stages came to as `{{ run.status }}`.
  const status = plan.finally ? await stagesStatus(db, run.id) : undefined;
  return resolvePlan(plan, startLookup({ run: { id: run.id, number: run.number, ...(status ? { status } : {}) }, tasks }));
}

/** Results that came through the output (the Kubernetes wrapper prints them) unless the executor read them itself. */
function withPrintedResults(r: ExecResult, output: MetricsBlocks, plan: TaskPlan): ExecResult {
  const printed = output.takeResults();
  return r.results || printed.length === 0 ? r : withResults(r, printed, plan.results ?? []);
}
