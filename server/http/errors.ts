import { ZodError } from "zod";
import { AppError, ERROR_STATUS, type ErrorCode } from "@/lib/errors";
import { zodIssuesToFieldErrors, type FieldError } from "@/lib/pipeline-spec";
import { logger } from "../logger";

/**
 * The one error mapper (STYLE.md #3): what a caller is told about a failure, whichever door it
 * came through (REST handlers in handler.ts, server actions in server/actions/result.ts). Known
 * errors keep their code and message, zod errors become 422 with field paths, a database that is
 * down becomes 503, and anything else an opaque 500 whose detail goes to the log only.
 */
export interface MappedError {
  status: number;
  code: ErrorCode;
  message: string;
  details: Record<string, unknown> | null;
  /** Field-level problems (validation), also under `details.errors`. */
  errors?: FieldError[];
}

export function mapError(e: unknown, where: Record<string, unknown>): MappedError {
  if (e instanceof AppError) {
    const errors = (e.details?.errors as FieldError[] | undefined) ?? undefined;
    return { status: e.status, code: e.code, message: e.message, details: e.details ?? null, errors };
  }
  if (e instanceof ZodError) {
    const errors = zodIssuesToFieldErrors(e.issues);
    const first = errors
      .slice(0, 3)
      .map((x) => `${x.path || "(body)"}: ${x.message}`)
      .join("; ");
    const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : "";
    return { status: 422, code: "validation_failed", message: `invalid request: ${first}${more}`, details: { errors }, errors };
  }
  if (isDbDown(e)) {
    logger.warn({ err: (e as Error).message, ...where }, "database unavailable");
    return { status: 503, code: "unavailable", message: "the database is unavailable; try again shortly", details: null };
  }
  logger.error({ err: e, ...where }, "unhandled error");
  return { status: ERROR_STATUS.internal, code: "internal", message: "internal error; it was logged on the server", details: null };
}

const DB_DOWN = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "PROTOCOL_CONNECTION_LOST",
  "ETIMEDOUT",
  "EPIPE",
  "ER_SERVER_SHUTDOWN",
  "ENOTFOUND",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
]);

/** A failure that means the database cannot be reached now (its cause chain is followed). */
export function isDbDown(e: unknown): boolean {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    const code = (cur as { code?: string }).code;
    if (code && DB_DOWN.has(code)) return true;
    if (/Connection lost|connect ECONNREFUSED|Pool is closed|closed state/i.test((cur as Error).message ?? "")) return true;
  }
  return false;
}
