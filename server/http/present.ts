import type { MemberView, ProjectView } from "../projects/projects";
import type { SecretView } from "../secrets/secrets";
import type { UserView } from "../auth/users";
import type { listAudit } from "../audit/audit";
import type { ApprovalState } from "../approvals/gate";
import type { PendingApproval, decideApproval } from "../approvals/approvals";
import type {
  ApprovalJson,
  ApprovalResultJson,
  PendingApprovalJson,
  PipelineDetailJson,
  PipelineSummaryJson,
  RunJson,
  RunSummaryJson,
  TriageJson,
  VersionDetailJson,
  VersionSummaryJson,
} from "@/lib/api-schemas";
import type { PipelineDetail, PipelineSummary, VersionSummary, getVersion } from "../pipelines/pipelines";
import type { RunSummary, RunView } from "../runs/queries";
import type { Triage } from "../triage/triage";

/**
 * Server views → the JSON shapes of REST API v1 (lib/api-schemas.ts). Dates become ISO strings
 * here, explicitly, so that the same object is sent by GET and by the SSE streams.
 */

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function runJson(v: RunView): RunJson {
  return {
    id: v.id,
    pipelineId: v.pipelineId,
    version: v.version,
    status: v.status,
    message: v.message,
    ...(v.errors ? { errors: v.errors } : {}),
    startedAt: isoOrNull(v.startedAt),
    finishedAt: isoOrNull(v.finishedAt),
    stages: v.stages.map((s) => ({
      ...(s.finally ? { finally: true } : {}),
      name: s.name,
      status: s.status,
      mode: s.mode,
      tasks: s.tasks.map((t) => ({
        id: t.id,
        name: t.name,
        status: t.status,
        exitCode: t.exitCode,
        attempt: t.attempt,
        startedAt: isoOrNull(t.startedAt),
        finishedAt: isoOrNull(t.finishedAt),
        message: t.message,
        template: t.template,
        maxAttempts: t.maxAttempts,
        ...(t.approval ? { approval: approvalJson(t.approval) } : {}),
        reusedFrom: t.reusedFrom,
        results: t.results,
        ...(t.when ? { when: t.when } : {}),
        ...(t.matrix ? { matrix: t.matrix } : {}),
        ...(t.triage ? { triage: triageJson(t.triage) } : {}),
      })),
    })),
    pipelineName: v.pipelineName,
    number: v.number,
    params: v.params,
    trigger: v.trigger,
    priority: v.priority,
    ref: v.ref,
    scheduleId: v.scheduleId,
    rerunOf: v.rerunOf,
    event: v.event,
    createdBy: v.createdBy,
    createdAt: iso(v.createdAt),
    rev: v.rev,
  };
}

export function approvalJson(a: ApprovalState): ApprovalJson {
  return {
    ...a,
    deadline: isoOrNull(a.deadline),
    decisions: a.decisions.map((d) => ({ ...d, at: iso(d.at) })),
  };
}

export function approvalResultJson(r: Awaited<ReturnType<typeof decideApproval>>): ApprovalResultJson {
  return { ...r, decision: { ...r.decision, at: iso(r.decision.at) }, approval: approvalJson(r.approval) };
}

export function pendingApprovalJson(p: PendingApproval): PendingApprovalJson {
  const { projectSlug, ...rest } = p;
  return { ...rest, project: projectSlug, startedAt: isoOrNull(p.startedAt), approval: approvalJson(p.approval) };
}

export function runSummaryJson(r: RunSummary): RunSummaryJson {
  return { ...r, createdAt: iso(r.createdAt), startedAt: isoOrNull(r.startedAt), finishedAt: isoOrNull(r.finishedAt) };
}

export function pipelineSummaryJson(p: PipelineSummary): PipelineSummaryJson {
  return {
    ...p,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    lastRun: p.lastRun ? { ...p.lastRun, status: p.lastRun.status as RunJson["status"], createdAt: iso(p.lastRun.createdAt) } : null,
  };
}

/** As the schema describes it, keeping the spec's parsed type for the pages that read it. */
export function pipelineJson(p: PipelineDetail) {
  return { ...p, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) } satisfies PipelineDetailJson;
}

export function versionSummaryJson(v: VersionSummary): VersionSummaryJson {
  return { ...v, createdAt: iso(v.createdAt) };
}

export function versionJson(v: Awaited<ReturnType<typeof getVersion>>) {
  return { ...v, createdAt: iso(v.createdAt) } satisfies VersionDetailJson;
}

export function projectJson(p: ProjectView) {
  return { ...p, createdAt: iso(p.createdAt) };
}

export function memberJson(m: MemberView) {
  return { ...m, since: iso(m.since) };
}

/** Name, description and who/when: a secret's value never leaves the server. */
export function secretJson(s: SecretView) {
  return { name: s.name, description: s.description, createdBy: s.createdBy, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt) };
}

export function userJson(u: UserView) {
  return {
    ...u,
    createdAt: iso(u.createdAt),
    lastSignInAt: u.lastSignInAt ? iso(u.lastSignInAt) : null,
    lockedUntil: u.lockedUntil ? iso(u.lockedUntil) : null,
  };
}

export function auditJson(page: Awaited<ReturnType<typeof listAudit>>) {
  return { ...page, items: page.items.map((e) => ({ ...e, createdAt: iso(e.createdAt) })) };
}

export function triageJson(t: Triage): TriageJson {
  return {
    ...t,
    similarRuns: {
      ...t.similarRuns,
      firstSeen: isoOrNull(t.similarRuns.firstSeen),
      runs: t.similarRuns.runs.map((r) => ({ ...r, at: iso(r.at) })),
    },
  };
}
