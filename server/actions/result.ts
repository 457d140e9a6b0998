import type { ErrorCode } from "@/lib/errors";
import type { FieldError } from "@/lib/pipeline-spec";
import { headers } from "next/headers";
import { clientAddress, currentUser } from "../auth/authenticate";
import { sessionActor, type Actor } from "../authz/authz";
import { mapError } from "../http/errors";

/**
 * What a server action returns to the browser. Expected failures (validation, conflicts) are
 * values the form shows, not thrown errors, which Next would hide behind a generic message.
 */
export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };
export interface ActionError {
  code: ErrorCode;
  message: string;
  errors?: FieldError[];
  details?: Record<string, unknown>;
}

/** Signs in, runs the action, maps errors the same way the REST API does (STYLE.md #3). */
export async function action<T>(name: string, fn: (actor: Actor) => Promise<T>): Promise<ActionResult<T>> {
  try {
    const user = await currentUser();
    if (!user) return { ok: false, error: { code: "unauthorized", message: "your session has expired: sign in again" } };
    const actor = sessionActor(user, clientAddress(await headers()));
    return { ok: true, data: await fn(actor) };
  } catch (e) {
    const { code, message, errors, details } = mapError(e, { action: name });
    const { errors: _fieldErrors, ...rest } = details ?? {};
    return { ok: false, error: { code, message, ...(errors ? { errors } : {}), ...(Object.keys(rest).length ? { details: rest } : {}) } };
  }
}
