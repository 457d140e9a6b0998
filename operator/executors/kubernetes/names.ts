import { createHash } from "node:crypto";
import type { BuildJob } from "./buildjob-schema";

/**
 * Deterministic names and labels of what the controller creates, so that it can look a child up
 * before creating it and a second create of the same child is `AlreadyExists`, not a duplicate.
 */

export const LABEL = {
  run: "gantry.dev/run",
  taskRun: "gantry.dev/task-run",
  pipeline: "gantry.dev/pipeline",
  task: "gantry.dev/task",
  buildJob: "gantry.dev/build-job",
  managedBy: "app.kubernetes.io/managed-by",
} as const;
export const ANNOTATION = {
  attempt: "gantry.dev/attempt",
  template: "gantry.dev/template",
} as const;
export const MANAGED_BY = "gantry";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * 32 lowercase hex characters standing for an id: a UUID without its dashes (so a name can be
 * matched to the task run by eye), anything else hashed. As unique as the id itself: a collision
 * would make one task run adopt another's Job.
 */
export function idPart(id: string): string {
  return UUID.test(id) ? id.replace(/-/g, "").toLowerCase() : sha256(id).slice(0, 32);
}

/** `gantry-<task run>-a<attempt>`: at most 63 characters, a DNS-1123 label, like the Job controller needs. */
export function jobName(taskRunId: string, attempt: number): string {
  return `gantry-${idPart(taskRunId)}-a${attempt}`;
}
/** The BuildJob of an attempt has the same name as its Job: one look-up finds both. */
export const buildJobName = jobName;

/** The run's shared workspace. */
export function workspaceClaimName(runId: string): string {
  return `gantry-ws-${idPart(runId)}`;
}

/** The pipeline's build cache (pipeline names are DNS labels, unique in a project). */
export function cacheClaimName(pipeline: string): string {
  return `gantry-cache-${pipeline}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A string made safe as a label value (≤ 63 characters of [-A-Za-z0-9_.], alphanumeric at both
 * ends). Values that need no change are kept; the others get a hash suffix, so two different
 * inputs never end up with the same label.
 */
export function labelValue(v: string): string {
  if (v.length <= 63 && LABEL_VALUE.test(v)) return v;
  const hash = sha256(v).slice(0, 8);
  const cleaned = v
    .replace(/[^-A-Za-z0-9_.]/g, "-")
    .slice(0, 63 - hash.length - 1)
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/[^A-Za-z0-9]+$/, "");
  return cleaned ? `${cleaned}-${hash}` : hash;
}

/** Labels of the Job and of its pods; the informers select on them. */
export function childLabels(bj: BuildJob): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.run]: labelValue(bj.spec.runId),
    [LABEL.taskRun]: labelValue(bj.spec.taskRunId),
    [LABEL.pipeline]: labelValue(bj.spec.pipeline),
    [LABEL.task]: labelValue(bj.spec.task),
    [LABEL.buildJob]: labelValue(bj.metadata.name),
  };
}
