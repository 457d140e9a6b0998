import type { FieldError } from "./pipeline-spec";

/** Error codes shared by the server, the REST API and the browser. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  unavailable: 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { errors?: FieldError[]; [k: string]: unknown },
  ) {
    super(message);
    this.name = "AppError";
  }
  get status() {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string, id: string) => new AppError("not_found", `${what} '${id}' not found`);

export function validationFailed(errors: FieldError[], what = "spec"): AppError {
  const first = errors
    .slice(0, 3)
    .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))
    .join("; ");
  return new AppError("validation_failed", `invalid ${what}: ${first}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ""}`, {
    errors,
  });
}
