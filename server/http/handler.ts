import { ZodError } from "zod";
import { parse as parseYaml } from "yaml";
import { AppError, ERROR_STATUS } from "@/lib/errors";
import { zodIssuesToFieldErrors } from "@/lib/pipeline-spec";
import { config } from "../config";
import { logger } from "../logger";
import { observeHttp } from "../metrics/web";

/** Route-handler glue: one error mapper for every REST endpoint (STYLE.md #3). */
type Ctx<P> = { params: Promise<P> };

export function api<P = Record<string, string>>(fn: (req: Request, ctx: Ctx<P>) => Promise<Response>) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    const t0 = performance.now();
    let res: Response;
    try {
      res = await fn(req, ctx);
    } catch (e) {
      res = errorResponse(e, req);
    }
    observeHttp(req.method, res.status, t0);
    return res;
  };
}

export function errorResponse(e: unknown, req?: Request): Response {
  if (e instanceof AppError) return json({ error: { code: e.code, message: e.message, details: e.details ?? null } }, e.status);
  if (e instanceof ZodError) {
    const errors = zodIssuesToFieldErrors(e.issues);
    const first = errors
      .slice(0, 3)
      .map((x) => `${x.path || "(body)"}: ${x.message}`)
      .join("; ");
    return json({ error: { code: "validation_failed", message: `invalid request: ${first}`, details: { errors } } }, 422);
  }
  if (isDbDown(e)) {
    logger.warn({ err: (e as Error).message, url: req?.url }, "database unavailable");
    return json({ error: { code: "unavailable", message: "the database is unavailable; try again shortly", details: null } }, 503, {
      "retry-after": "2",
    });
  }
  logger.error({ err: e, url: req?.url, method: req?.method }, "unhandled error in API route");
  return json({ error: { code: "internal", message: "internal error", details: null } }, ERROR_STATUS.internal);
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
export function isDbDown(e: unknown): boolean {
  for (let cur: unknown = e, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    const code = (cur as { code?: string }).code;
    if (code && DB_DOWN.has(code)) return true;
    if (/Connection lost|connect ECONNREFUSED|Pool is closed|closed state/i.test((cur as Error).message ?? "")) return true;
  }
  return false;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);
const isJsonType = (t: string) => t === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(t);

/**
 * Reads a JSON or YAML body (by Content-Type) within the size limit. Returns the parsed value and
 * the original text, so a YAML spec can be stored as written.
 */
export async function readBody(req: Request): Promise<{ value: unknown; text: string; yaml: boolean }> {
  const limit = config().GANTRY_MAX_BODY_BYTES;
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > limit) throw new AppError("payload_too_large", `request body is ${declared} bytes; the limit is ${limit}`);
  const text = await readLimited(req, limit);
  const header = req.headers.get("content-type");
  const type = header?.split(";")[0].trim().toLowerCase() ?? "";
  if (text.trim() === "" && !header) return { value: {}, text, yaml: false };
  // Only types a browser cannot send across sites without asking first (a CORS preflight):
  // text/plain, forms and a typeless body are what a forged request would use.
  const yaml = YAML_TYPES.has(type);
  if (!yaml && !isJsonType(type)) {
    throw new AppError(
      "unsupported_media_type",
      header
        ? `unsupported Content-Type '${type}': send application/json or application/yaml`
        : "the request has a body but no Content-Type: send application/json or application/yaml",
    );
  }
  if (text.trim() === "") return { value: {}, text, yaml };
  try {
    return { value: yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text), text, yaml };
  } catch (e) {
    throw new AppError("bad_request", `malformed ${yaml ? "YAML" : "JSON"} body: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** The body exactly as sent (signatures are computed over it), within the size limit (413). */
export async function readRawBody(req: Request): Promise<string> {
  const limit = config().GANTRY_MAX_BODY_BYTES;
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > limit) throw new AppError("payload_too_large", `request body is ${declared} bytes; the limit is ${limit}`);
  return readLimited(req, limit);
}

async function readLimited(req: Request, limit: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AppError("payload_too_large", `request body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
