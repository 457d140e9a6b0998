import { ZodError } from "zod";
import { AppError, type ErrorCode } from "@/lib/errors";
import { zodIssuesToFieldErrors, type FieldError } from "@/lib/pipeline-spec";
import { headers } from "next/headers";
import { clientAddress, currentUser } from "../auth/authenticate";
import { sessionActor, type Actor } from "../authz/authz";
import { isDbDown } from "../http/handler";
import { logger } from "../logger";

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
    if (e instanceof AppError) {
      const { errors, ...details } = e.details ?? {};
      return { ok: false, error: { code: e.code, message: e.message, errors: errors as FieldError[] | undefined, details } };
    }
    if (e instanceof ZodError) {
      const errors = zodIssuesToFieldErrors(e.issues);
      return { ok: false, error: { code: "validation_failed", message: errors.map((x) => `${x.path}: ${x.message}`).join("; "), errors } };
    }
    if (isDbDown(e)) return { ok: false, error: { code: "unavailable", message: "the database is unavailable; try again shortly" } };
    logger.error({ err: e, action: name }, "server action failed");
    return { ok: false, error: { code: "internal", message: "something went wrong on the server; the error was logged" } };
  }
}
