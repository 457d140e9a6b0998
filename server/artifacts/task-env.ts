import { config } from "../config";
import { keyring, type Keyring } from "../secrets/crypto";
import { issueUploadToken } from "./token";

/**
 * What the operator gives every task so it can upload artifacts of its run through Gantry:
 * Gantry's URL as tasks reach it and an upload token bound to the task run. The token is a
 * secret of the task (masked in its log, a Secret in Kubernetes); store credentials never are.
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
