import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { notFound, validationFailed } from "@/lib/errors";
import { approverIdentity, decideApproval, listPendingApprovals, markDecidable } from "../approvals/approvals";
import { visibleProjectIds } from "../authz/authz";
import { approvalResultJson, pendingApprovalJson, runJson, runSummaryJson } from "../http/present";
import { logStatus } from "../logs/status";
import { logStore } from "../logs/select";
import { withTriage } from "../triage/triage";
import { byPipeline, byRun, byTaskRun, defineOperation, pathId } from "../operations/define";
import { VersionNotFound } from "../pipelines/pipelines";
import { byListScope, SwitcherInput } from "../projects/list-scope";
import { cancelRun } from "./cancel-run";
import { startRun } from "./start-run";
import { listRecentRuns } from "./list-recent-runs";
import { getRunRev, getRunView, getTaskRun, listRuns } from "./queries";
import { rerunRun } from "./rerun";

/** Runs, task runs and approval gates: what callers may do to them, declared once (server/operations). */

const RunParams = z.object({ id: pathId("run id") });
const PipelineParams = z.object({ id: pathId("pipeline id") });
const TaskRunParams = z.object({ id: pathId("task run id (from a run's stages[].tasks[].id)") });

export const listRecentRunsOp = defineOperation({
  name: "run.list",
  summary: "Runs of every pipeline the caller may see, newest first; filters: project, pipeline, status",
  method: "GET",
  path: "/api/v1/runs",
  tags: ["runs"],
  query: S.RecentRunsQuerySchema,
  extra: SwitcherInput,
  output: S.RecentRunPageSchema,
  errors: { 404: "No such project, or one the caller is not a member of" },
  authorize: { permission: "project.view", project: byListScope },
  run: async ({ db, actor, access }, q) => {
    const projectIds = access ? [access.projectId] : await visibleProjectIds(db, actor);
    const page = await listRecentRuns(db, { page: q.page, perPage: q.perPage, statuses: q.status, projectIds, pipelineId: q.pipeline });
    return { ...page, items: page.items.map((r) => ({ ...runSummaryJson(r), pipelineId: r.pipelineId, pipelineName: r.pipelineName })) };
  },
});

export const listPipelineRunsOp = defineOperation({
  name: "pipeline.runs",
  summary: "The pipeline's runs, newest first (`perPage` at most 100)",
  method: "GET",
  path: "/api/v1/pipelines/{id}/runs",
  tags: ["runs"],
  params: PipelineParams,
  query: S.PaginationQuerySchema,
  output: S.RunPageSchema,
  errors: { 404: "No such pipeline, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byPipeline("id") },
  run: async ({ db }, i) => {
    const page = await listRuns(db, i.id, i.page, i.perPage);
    return { ...page, items: page.items.map(runSummaryJson) };
  },
});

/** A run started through the API says so; one started from the pipeline page is manual. */
const trigger = (entry: "rest" | "call") => (entry === "rest" ? "api" : "manual");

export const startRunOp = defineOperation({
  name: "run.start",
  summary: "Queue a run of the current version (or `version`) with `params`",
  method: "POST",
  path: "/api/v1/pipelines/{id}/runs",
  tags: ["runs"],
  params: PipelineParams,
  body: S.CreateRunBodySchema,
  output: S.RunCreatedSchema,
  status: 201,
  errors: {
    404: "No such pipeline, or one in a project the caller is not a member of",
    422: "Params or version invalid (`details.errors`)",
  },
  authorize: { permission: "run.start", project: byPipeline("id") },
  run: async ({ db, actor, entry }, i) => {
    const b = i.body;
    try {
      return await startRun(db, i.id, {
        params: b.params,
        version: b.version,
        trigger: trigger(entry),
        ref: b.ref,
        priority: b.priority,
        userId: actor.id,
      });
    } catch (e) {
      // The pipeline exists but not that version: the body is wrong, not the URL.
      if (b.version !== undefined && e instanceof VersionNotFound) {
        throw validationFailed([{ path: "version", message: `the pipeline has no version ${b.version}` }], "request");
      }
      throw e;
    }
  },
  audit: (i, run, { entry }) => ({
    action: "run.start",
    targetType: "run",
    targetId: run.id,
    targetName: `#${run.number}`,
    // Param names only: values may be secret.
    details: {
      pipelineId: i.id,
      number: run.number,
      version: i.body.version ?? null,
      trigger: trigger(entry),
      params: Object.keys(i.body.params ?? {}),
      ...(i.body.ref ? { ref: i.body.ref } : {}),
      ...(i.body.priority !== undefined ? { priority: i.body.priority } : {}),
    },
  }),
});

export const getRunOp = defineOperation({
  name: "run.get",
  summary: "The run with its stages and task runs (status, exit code, attempt, times, message)",
  method: "GET",
  path: "/api/v1/runs/{id}",
  tags: ["runs"],
  params: RunParams,
  output: S.RunSchema,
  errors: { 404: "No such run, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byRun("id") },
  // Approval gates say whether this caller may decide them now.
  run: async ({ db, actor, access }, i) =>
    runJson(markDecidable(await withTriage(db, logStore(db), await getRunView(db, i.id)), approverIdentity(actor, access?.role ?? null))),
});

export const cancelRunOp = defineOperation({
  name: "run.cancel",
  summary: "Request cancellation of a run",
  description: "Queued tasks are skipped at once, running ones are stopped by the operator, which then finishes the run as cancelled.",
  method: "POST",
  path: "/api/v1/runs/{id}/cancel",
  tags: ["runs"],
  params: RunParams,
  output: S.CancelResultSchema,
  errors: { 404: "No such run, or one in a project the caller is not a member of", 409: "The run is already over" },
  authorize: { permission: "run.cancel", project: byRun("id") },
  run: ({ db, actor }, i) => cancelRun(db, i.id, actor.username),
  audit: (i) => ({ action: "run.cancel", targetType: "run", targetId: i.id }),
});

export const rerunOp = defineOperation({
  name: "run.rerun",
  summary: "Queue a new run of the same version and params",
  description: '`{mode: "all"}`, `{mode: "failed"}` (succeeded tasks keep their result) or `{mode: "from-stage", stage}`.',
  method: "POST",
  path: "/api/v1/runs/{id}/rerun",
  tags: ["runs"],
  params: RunParams,
  body: S.RerunBodySchema,
  output: S.RunCreatedSchema,
  status: 201,
  errors: {
    404: "No such run, or one in a project the caller is not a member of",
    409: "The run is not over yet, or nothing to re-run",
    422: "Bad mode or stage",
  },
  authorize: { permission: "run.start", project: byRun("id") },
  run: async ({ db, actor }, i) => {
    const run = await rerunRun(db, i.id, { ...i.body, userId: actor.id });
    return { id: run.id, number: run.number, status: run.status, rerunOf: run.rerunOf, pipelineId: run.pipelineId };
  },
  audit: (i, run) => ({
    action: "run.rerun",
    targetType: "run",
    targetId: run.id,
    targetName: `#${run.number}`,
    details: { rerunOf: i.id, mode: i.body.mode, ...(i.body.stage ? { stage: i.body.stage } : {}), pipelineId: run.pipelineId },
  }),
});

export const runEventsOp = defineOperation({
  name: "run.events",
  summary: "Live run changes (SSE)",
  description:
    "`event: run` with `id:` = the run's rev and the Run as data, each time the run or one of its task runs changes; " +
    "`event: end` (RunEndEvent) when the run is final, then the stream closes. `: ping` comments every 15 s. " +
    "With `Last-Event-ID` equal to the current rev the unchanged run is not sent again.",
  method: "GET",
  path: "/api/v1/runs/{id}/events",
  tags: ["runs"],
  params: RunParams,
  headers: [{ name: "Last-Event-ID", description: "the last rev received" }],
  produces: { type: "text/event-stream", description: "Event stream", events: [S.RunSchema, S.RunEndEventSchema] },
  errors: { 404: "No such run, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byRun("id") },
  run: async ({ db }, i) => {
    if (!(await getRunRev(db, i.id))) throw notFound("run", i.id);
    return { runId: i.id };
  },
});

export const taskRunLogsOp = defineOperation({
  name: "taskRun.logs",
  summary: "A task run's log: text, or live SSE",
  description:
    "Without `Accept: text/event-stream`: the log so far as text/plain, one line per stored line. " +
    "With it (or with `?follow=true` unless `Accept: text/plain`): SSE with one event per line, `id:` = the line's sequence number, " +
    "data = LogLineEvent; resumable with `Last-Event-ID` or `?after=`; `event: end` (LogEndEvent) once the task run is over and every line was sent.",
  method: "GET",
  path: "/api/v1/task-runs/{id}/logs",
  tags: ["logs"],
  params: TaskRunParams,
  query: S.LogQuerySchema,
  headers: [{ name: "Last-Event-ID", description: "the sequence number of the last line received" }],
  produces: { type: "text/event-stream", description: "The log: text/plain, or SSE", events: [S.LogLineEventSchema, S.LogEndEventSchema] },
  errors: { 404: "No such task run, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byTaskRun("id") },
  run: async ({ db }, i) => {
    await getTaskRun(db, i.id);
    return { taskRunId: i.id };
  },
});

export const logStatusOp = defineOperation({
  name: "taskRun.logStatus",
  summary: "Where a task run's log ends and how far the archive is behind it",
  description: "Lines an operator buffered on disk while Elasticsearch was unreachable are written but not readable yet (`behind` > 0).",
  method: "GET",
  path: "/api/v1/task-runs/{id}/log-status",
  tags: ["logs"],
  params: TaskRunParams,
  output: S.LogStatusSchema,
  errors: { 404: "No such task run, or one in a project the caller is not a member of" },
  authorize: { permission: "project.view", project: byTaskRun("id") },
  run: ({ db }, i) => logStatus(db, i.id),
});

export const decideApprovalOp = defineOperation({
  name: "approval.decide",
  summary: "Approve or deny a waiting manual-approval gate",
  description:
    "Records the caller's decision (once per approver) and audits it. The gate succeeds when `requiredApprovals` approved and fails at the first denial; " +
    "the run then goes on, or fails. Approvers are named by the gate (users, or roles); a token needs the `run` scope.",
  method: "POST",
  path: "/api/v1/task-runs/{id}/approval",
  tags: ["runs"],
  params: z.object({ id: pathId("task run id of the gate") }),
  body: S.DecideApprovalBodySchema,
  output: S.ApprovalResultSchema,
  errors: {
    404: "No such task run, or one in a project the caller is not a member of",
    409: "Already decided by the caller, the gate is not waiting (not yet, or over), or its deadline passed",
  },
  // Any member may be named an approver; whether this one is, the gate decides (403 otherwise).
  authorize: { permission: "project.view", scope: "run.approve", project: byTaskRun("id") },
  // The decision and its audit record are written in one transaction, inside decideApproval.
  run: async ({ db, actor, project }, i) => approvalResultJson(await decideApproval(db, actor, project, i.id, i.body)),
});

export const listApprovalsOp = defineOperation({
  name: "approval.listPending",
  summary: "Approval gates waiting for the caller's decision, in every project they belong to, oldest first",
  method: "GET",
  path: "/api/v1/approvals",
  tags: ["runs"],
  output: S.PendingApprovalListSchema,
  authorize: { permission: "project.view" },
  run: async ({ db, actor }) => ({ items: (await listPendingApprovals(db, actor)).map(pendingApprovalJson) }),
});

export const runOperations = [
  listRecentRunsOp,
  listPipelineRunsOp,
  startRunOp,
  getRunOp,
  cancelRunOp,
  rerunOp,
  runEventsOp,
  taskRunLogsOp,
  logStatusOp,
  decideApprovalOp,
  listApprovalsOp,
];
