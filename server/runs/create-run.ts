import { randomUUID } from "node:crypto";
import { eq, max } from "drizzle-orm";
import { notFound, validationFailed } from "@/lib/errors";
import { matrixTaskName, RUN_PRIORITY, specTasks, type FieldError } from "@/lib/pipeline-spec";
import { matrixCombinations } from "@/lib/matrix";
import { resolveSource, type SourceEvent } from "@/lib/repository";
import type { Db, DbOrTx } from "../db/client";
import { pipelines, projects, runs, taskRuns, type PendingStart } from "../db/schema";
import { gitValues, type RunValues } from "@/lib/expressions/values";
import { escapeText } from "@/lib/expressions/template";
import { getVersion } from "../pipelines/pipelines";
import { resolveTemplates } from "../pipelines/pins";
import { compileTask, resolveRunParams } from "./compile";
import { sealRunParams } from "../secrets/run-secrets";
import { withForkGate } from "./fork-gate";

type ForkEvent = Parameters<typeof withForkGate>[1];

export interface CreateRunInput {
  params?: Record<string, unknown>;
  version?: number;
  userId?: string | null;
  trigger?: string;
  /** The branch or tag the run is for (`refs/heads/main`, `main`); concurrency rules group runs by it. */
  ref?: string | null;
  /** The schedule that starts it. */
  scheduleId?: string | null;
  /** The normalised trigger event (webhooks), kept with the run. */
  event?: Record<string, unknown> | null;
  /** Environment every task gets (trigger data such as GIT_SHA); a task's own env wins. */
  env?: Record<string, string>;
  /** Files every task gets (the trigger event, its commits), each named by an env var. */
  files?: { env: string; name: string; content: string }[];
  /** Its place in the project's queue (-100..100, higher first); the pipeline's `priority` (default 0) otherwise. */
  priority?: number;
}

/** Queues a run of a pipeline version (the current one by default) with all its task runs. */
export async function createRun(
  db: Db,
  pipelineId: string,
  input: CreateRunInput = {},
): Promise<{ id: string; number: number; status: "queued" }> {
  const id = randomUUID();
  const planned = await planRun(db, pipelineId, id, input);
  const number = await insertRun(
    db,
    input,
    {
      id,
      pipelineId,
      version: planned.version,
      params: planned.params,
      secretNames: planned.secretNames,
      priority: input.priority ?? planned.priority,
    },
    planned.taskRows,
  );
  return { id, number, status: "queued" };
}

/**
 * A run's rows for one pipeline version (the current one by default): its params, secret ones
 * sealed, and its task runs, compiled. Throws a validation error (unknown template, a param git
 * would refuse as a revision) before anything is written.
 */
export async function planRun(db: DbOrTx, pipelineId: string, id: string, input: CreateRunInput) {
  const [row] = await db
    .select({ p: pipelines, projectSlug: projects.slug })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(pipelines.id, pipelineId));
  if (!row) throw notFound("pipeline", pipelineId);
  const p = row.p;
  const version = input.version ?? p.currentVersion;
  const v = await getVersion(db, pipelineId, version);
  const { values: runParams, secrets } = resolveRunParams(v.spec, input.params ?? {});
  // A pull request from a fork waits for a maintainer before any task (server/runs/fork-gate.ts).
  const { spec, gate: forkStage } = withForkGate(v.spec, input.event as ForkEvent | null | undefined);
  // The version's pinned template versions: a template changed since the save changes nothing.
  const found = await resolveTemplates(db, spec, v.templates);
  const missing: FieldError[] = [];
  // `finally` tasks form a last, parallel stage after the spec's stages (server/runs/state.ts).
  const places = specTasks(spec).map((t) =>
    t.stage
      ? { ...t, stageIndex: spec.stages.indexOf(t.stage), stageName: t.stage.name, stageMode: t.stage.mode, when: t.stage.when }
      : { ...t, stageIndex: spec.stages.length, stageName: "finally", stageMode: "parallel" as const, when: undefined },
  );
  const tasks = places.flatMap((place) => {
    const template = found.get(place.task.template);
    if (template) return [{ ...place, template }];
    missing.push({ path: `${place.at}.template`, message: `unknown template '${place.task.template}'` });
    return [];
  });
  if (missing.length) throw validationFailed(missing);
  const checkout = resolveSource(v.spec.repository, runParams, input.event as SourceEvent | null | undefined, input.ref);
  if (!checkout.ok) throw validationFailed(checkout.errors, "params");
  // What `{{ … }}` references see now (lib/expressions); secret params never enter a plan.
  const event = input.event as
    (SourceEvent & { type?: string; ref?: string; issueKeys?: string[]; image?: string; mrIid?: number }) | null | undefined;
  const values: RunValues = {
    params: Object.fromEntries(Object.entries(runParams).filter(([k]) => !secrets.includes(k))),
    git: gitValues(event, checkout.source, input.ref),
    event: event ?? null,
    pipeline: { name: p.name },
    project: { slug: row.projectSlug },
  };
  // Gates run nothing, so they clone nothing.
  const withSource = <P extends { gate?: unknown }>(plan: P): P =>
    checkout.source && !plan.gate ? { ...plan, source: { git: checkout.source } } : plan;

  // A matrix task becomes one task run per combination, numbered on within its stage.
  const nextIndex = new Map<number, number>();
  const taskRows = tasks.flatMap(({ stageIndex, stageName, stageMode, when, task, at, template, stage }) =>
    (task.matrix ? matrixCombinations(task.matrix) : [null]).map((combination) => {
      const taskIndex = nextIndex.get(stageIndex) ?? 0;
      nextIndex.set(stageIndex, taskIndex + 1);
      const compiled = compileTask(
        task.retry || !spec.retry ? task : { ...task, retry: spec.retry },
        template,
        at,
        combination ? { ...values, matrix: combination } : values,
        when,
      );
      const plan = stage === forkStage && compiled.gate ? { ...compiled, gate: { ...compiled.gate, fork: true as const } } : compiled;
      return {
        id: randomUUID(),
        runId: id,
        stageIndex,
        stageName,
        stageMode,
        taskIndex,
        name: combination ? matrixTaskName(task.name, combination) : task.name,
        status: "queued" as const,
        plan: withEnv(withSource(stage ? plan : { ...plan, finally: true as const }), input.env, input.files),
      };
    }),
  );
  // Secret param values are sealed (server/secrets): the database never holds them in clear.
  return {
    version,
    params: sealRunParams(runParams, secrets),
    secretNames: secrets,
    taskRows,
    priority: v.spec.priority ?? RUN_PRIORITY.default,
  };
}

/** Inserts a queued run, numbered next, with its task runs (if any yet); answers its number. */
async function insertRun(
  db: Db,
  input: CreateRunInput,
  row: Pick<typeof runs.$inferInsert, "id" | "pipelineId" | "version" | "params" | "secretNames" | "message" | "pendingStart" | "priority">,
  taskRows: (typeof taskRuns.$inferInsert)[],
): Promise<number> {
  return db.transaction(async (tx) => {
    const n = await nextRunNumber(tx, row.pipelineId);
    await tx.insert(runs).values({
      ...row,
      number: n,
      status: "queued",
      trigger: input.trigger ?? "manual",
      ref: input.ref ?? null,
      scheduleId: input.scheduleId ?? null,
      event: input.event ?? null,
      createdBy: input.userId ?? null,
    });
    if (taskRows.length) await tx.insert(taskRuns).values(taskRows);
    return n;
  });
}

/** The pipeline's next run number; locks the pipeline row (call in a transaction) so numbers are handed out one at a time. */
async function nextRunNumber(tx: DbOrTx, pipelineId: string): Promise<number> {
  await tx.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.id, pipelineId)).for("update");
  const [m] = await tx
    .select({ n: max(runs.number) })
    .from(runs)
    .where(eq(runs.pipelineId, pipelineId));
  return (m?.n ?? 0) + 1;
}

/**
 * A run of a pipeline kept in its repository, queued without task runs: the operator reads its
 * file first (server/runs/pending-runs.ts), then makes them or fails the run with the file's
 * problems. The caller does not wait for git. All param values are sealed until then, since
 * only the file says which are secret.
 */
export async function createPendingRun(
  db: Db,
  pipelineId: string,
  input: CreateRunInput & { version: number; message: string },
): Promise<{ id: string; number: number; status: "queued" }> {
  const id = randomUUID();
  const given = Object.fromEntries(Object.entries(input.params ?? {}).map(([k, v]) => [k, String(v)]));
  const pendingStart: PendingStart = {
    params: sealRunParams(given, Object.keys(given)),
    ...(input.env ? { env: input.env } : {}),
    ...(input.files?.length ? { files: input.files } : {}),
  };
  const row = {
    id,
    pipelineId,
    version: input.version,
    message: input.message,
    params: {},
    secretNames: [],
    pendingStart,
    priority: input.priority ?? RUN_PRIORITY.default,
  };
  const number = await insertRun(db, input, row, []);
  return { id, number, status: "queued" };
}

/** Trigger data is text, never references: in a templated plan it is escaped (a branch may be named `{{ x }}`). */
function withEnv<P extends { env: Record<string, string>; templated?: true }>(
  plan: P,
  env?: Record<string, string>,
  files?: CreateRunInput["files"],
): P {
  const given = env && plan.templated ? Object.fromEntries(Object.entries(env).map(([k, v]) => [k, escapeText(v)])) : env;
  return { ...plan, ...(given && { env: { ...given, ...plan.env } }), ...(files?.length && { files }) };
}
