import { parse as parseYaml } from "yaml";
import { AppError } from "@/lib/errors";
import { config } from "../config";
import { mapError } from "./errors";
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
  const m = mapError(e, { url: req?.url, method: req?.method });
  return json(
    { error: { code: m.code, message: m.message, details: m.details } },
    m.status,
    m.status === 503 ? { "retry-after": "2" } : {},
  );
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
