import type { TaskPlan } from "@/lib/plan";
import { planStrings } from "@/lib/expressions/plan";
import { config } from "../config";
import { keyring, type Keyring } from "../secrets/crypto";
import { issueUploadToken } from "./token";

/**
 * What the operator gives tasks so they can upload artifacts of their run through Gantry:
 * Gantry's URL as tasks reach it (every task) and an upload token bound to the task run (tasks
 * whose command or env names `GANTRY_ARTIFACT_TOKEN`, as artifact-upload's does). The token is a
 * secret of the task (masked in its log, a Secret in Kubernetes: one more API write, so only
 * where it is used); store credentials never reach a task.
 */

/** Room after the task's own time limit (queueing of a pod, a slow upload at the end). */
const GRACE_SECONDS = 3600;

export function gantryUrl(): string {
  const c = config();
  return (c.GANTRY_URL ?? process.env.NEXTAUTH_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, "");
}

export function uploadTokenEnv(taskRunId: string, totalTimeoutSeconds: number, now: Date, kr: Keyring = keyring()) {
  const expiresAt = Math.floor(now.getTime() / 1000) + totalTimeoutSeconds + GRACE_SECONDS;
  return { GANTRY_ARTIFACT_TOKEN: issueUploadToken(kr, { taskRunId, expiresAt }) };
}

/** Whether the task asks for an upload token: its command, args or env name the variable. */
export const wantsUploadToken = (plan: TaskPlan) => [...planStrings(plan)].some((s) => s.includes("GANTRY_ARTIFACT_TOKEN"));
