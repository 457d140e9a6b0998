import { firstErrorText, firstErrorUrl, type RunFirstError } from "@/lib/first-error-text";
import type { RunStatus } from "@/lib/status";
import type { Forge } from "@/lib/triggers";
import { formatDuration } from "../approvals/gate";
import type { ForgeTarget } from "./target";

/**
 * The HTTP requests that tell a forge about a run, in each forge's published shape: GitHub's
 * "Create a commit status" and issue comments, GitLab's commit status API and merge request
 * notes, Gitea's statuses and issue comments (server/forge/requests.test.ts checks them against
 * the docs). Pure: server/forge/report.ts sends them.
 */

/** What is said about a run, read when the report is sent (so a late retry never says an older state). */
export interface RunReport {
  pipeline: string;
  pipelineId: string;
  number: number;
  status: RunStatus;
  url: string;
  /** Seconds from start to end (or to now while it runs); null before it started. */
  seconds: number | null;
  failedTasks: string[];
  /** Why the first failed task failed (server/triage), when it is known. */
  firstError?: RunFirstError | null;
  /** The run waits at its fork gate (server/runs/fork-gate.ts): a maintainer must approve it first. */
  forkGate?: boolean;
}

export interface ForgeRequest {
  method: "POST" | "PATCH" | "PUT";
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

type GitLabState = "pending" | "running" | "success" | "failed" | "canceled";
type StatusState = "pending" | "success" | "failure" | "error";

/** GitHub's and Gitea's four states. */
export function statusState(s: RunStatus): StatusState {
  if (s === "succeeded") return "success";
  if (s === "failed") return "failure";
  if (s === "cancelled" || s === "skipped") return "error";
  return "pending";
}

/** GitLab's states; a waiting gate keeps the status `running` (GitLab refuses running → pending). */
export function gitlabState(s: RunStatus): GitLabState {
  if (s === "queued") return "pending";
  if (s === "succeeded") return "success";
  if (s === "failed") return "failed";
  if (s === "cancelled" || s === "skipped") return "canceled";
  return "running";
}

export const contextOf = (pipeline: string) => `gantry/${pipeline}`;

const WORDS: Record<RunStatus, string> = {
  queued: "is queued",
  running: "is running",
  waiting: "is waiting for approval",
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "was cancelled",
  skipped: "was skipped",
};

/** One line for the status's description (GitHub keeps 140 characters). */
export function describe(r: RunReport): string {
  const took = r.seconds !== null && (r.status === "succeeded" || r.status === "failed") ? ` in ${formatDuration(r.seconds)}` : "";
  const failed = r.firstError ? `: ${firstErrorText(r.firstError)}` : r.failedTasks.length ? `: ${r.failedTasks.join(", ")}` : "";
  const line = `Run #${r.number} ${WORDS[r.status]}${took}${failed}`;
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}

export function authHeaders(forge: Forge, token: string): Record<string, string> {
  const common = { "content-type": "application/json", "user-agent": "Gantry" };
  if (forge === "github")
    return { ...common, authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" };
  if (forge === "gitea") return { ...common, authorization: `token ${token}`, accept: "application/json" };
  return { ...common, "private-token": token, accept: "application/json" };
}

/** `owner/name` as path segments, each encoded; GitLab's project id or already encoded path as it is. */
export const repoPath = (t: Pick<ForgeTarget, "forge" | "repo">) =>
  t.forge === "gitlab"
    ? `projects/${t.repo}`
    : `repos/${t.repo
        .split("/")
        .map((s) => encodeURIComponent(s))
        .join("/")}`;

/** The commit status for the run's current state. */
export function statusRequest(t: ForgeTarget, token: string, r: RunReport): ForgeRequest {
  const url = `${t.api}/${repoPath(t)}/statuses/${encodeURIComponent(t.sha)}`;
  const description = describe(r);
  const headers = authHeaders(t.forge, token);
  if (t.forge === "gitlab")
    return {
      method: "POST",
      url,
      headers,
      body: { state: gitlabState(r.status), name: contextOf(r.pipeline), target_url: r.url, description, ...(t.ref ? { ref: t.ref } : {}) },
    };
  return {
    method: "POST",
    url,
    headers,
    body: { state: statusState(r.status), target_url: r.url, description, context: contextOf(r.pipeline) },
  };
}

const ICON: Partial<Record<RunStatus, string>> = {
  succeeded: "✅",
  failed: "❌",
  cancelled: "⚪",
  running: "🔄",
  queued: "⏳",
  waiting: "⏸️",
};
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

/** The marker that names the pipeline a summary comment belongs to. */
export const commentMarker = (pipelineId: string) => `<!-- gantry:${pipelineId} -->`;

/** The summary comment's Markdown: the run's state, how long it took, what failed, the link. */
export function commentBody(r: RunReport): string {
  const lines = [
    commentMarker(r.pipelineId),
    `${ICON[r.status] ?? "•"} **${contextOf(r.pipeline)}**: [run #${r.number}](${r.url}) ${WORDS[r.status]}`,
  ];
  if (r.seconds !== null) lines.push("", `Duration: ${formatDuration(r.seconds)}`);
  if (r.failedTasks.length) lines.push("", `Failed tasks: ${r.failedTasks.map(code).join(", ")}`);
  if (r.firstError)
    lines.push(
      "",
      `First error, in ${code(r.firstError.task)}${r.firstError.reason ? ` (${r.firstError.reason})` : ""} ([line ${r.firstError.line ?? "?"}](${firstErrorUrl(r.url, r.firstError)})):`,
      "",
      "```",
      r.firstError.text.replace(/```/g, "ʼʼʼ"),
      "```",
    );
  if (r.forkGate)
    lines.push(
      "",
      "This pull request comes from a fork, so nothing of it runs until a maintainer of the project reads the change and approves the run on its page (denying it ends the run).",
    );
  lines.push("", `[Open the run in Gantry](${r.url})`);
  return lines.join("\n");
}

/** Creates the summary comment on the pull/merge request. */
export function createCommentRequest(t: ForgeTarget, token: string, r: RunReport): ForgeRequest {
  const where = t.forge === "gitlab" ? `merge_requests/${t.pr}/notes` : `issues/${t.pr}/comments`;
  return { method: "POST", url: `${t.api}/${repoPath(t)}/${where}`, headers: authHeaders(t.forge, token), body: { body: commentBody(r) } };
}

/** Edits the summary comment made before (`t.commentId`). */
export function editCommentRequest(t: ForgeTarget, token: string, r: RunReport, commentId: number): ForgeRequest {
  const headers = authHeaders(t.forge, token);
  const body = { body: commentBody(r) };
  if (t.forge === "gitlab")
    return { method: "PUT", url: `${t.api}/${repoPath(t)}/merge_requests/${t.pr}/notes/${commentId}`, headers, body };
  return { method: "PATCH", url: `${t.api}/${repoPath(t)}/issues/comments/${commentId}`, headers, body };
}
