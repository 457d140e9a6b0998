/**
 * Kubernetes reasons that explain a failed task better than any log line (docs/triage.md): the
 * triage shows them first and fingerprints by them. Pure: the Kubernetes executor's status
 * derivation and the server both use it.
 */
export const FAILURE_REASONS = ["OOMKilled", "ImagePullBackOff", "DeadlineExceeded", "Evicted", "Unschedulable"] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const isReason = (r: string | null | undefined): r is FailureReason => !!r && (FAILURE_REASONS as readonly string[]).includes(r);

/**
 * The reason of a failure from the executor's reason (a BuildJob condition's) and the task run's
 * message. What a timed-out pod was waiting for (an image it could not pull, a node it did not
 * get) says more than the time-out.
 */
export function failureReason(reason: string | null | undefined, message: string | null | undefined): FailureReason | null {
  const m = message ?? "";
  if (/\b(ImagePullBackOff|ErrImagePull|InvalidImageName)\b|^cannot pull image\b/.test(m)) return "ImagePullBackOff";
  if (/\bUnschedulable\b/.test(m)) return "Unschedulable";
  if (isReason(reason)) return reason;
  if (/^out of memory\b|\bOOMKilled\b/.test(m)) return "OOMKilled";
  if (/^the pod was evicted\b/.test(m)) return "Evicted";
  if (/^timed out after \d+s/.test(m)) return "DeadlineExceeded";
  return null;
}
