import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { authenticate } from "../auth/authenticate";
import { getDb } from "../db/client";
import { api, json, readBody, readRawBody } from "../http/handler";
import { parseQuery } from "../http/request";
import type { Actor } from "../authz/authz";
import { authorizeOperation, execute, isPublic, type AnyOperation, type Operation } from "./define";

/**
 * The REST adapter: a Next route handler from a declared operation. It authenticates, reads the
 * path params and query, checks the declared permission, then reads the body, runs the
 * operation and writes its audit record (in `execute`). Errors go through `api()`'s one mapper.
 */

export interface RestOptions<I, O> {
  /** Reads what the default JSON body reading cannot (a spec with YAML line numbers, headers). */
  read?: (req: Request) => Promise<Partial<I> & { locate?: (e: unknown) => unknown }>;
  /** The success response when it is not the output as JSON with the declared status. */
  respond?: (output: O, input: I, req: Request) => Response;
  headers?: (output: O, input: I) => Record<string, string>;
  status?: (output: O) => number;
  /** The response body when it is not the whole output (what the audit record needed but clients do not get). */
  body?: (output: O) => unknown;
}

type RouteCtx = { params: Promise<Record<string, string>> };

export function rest<I, O>(op: Operation<I, O>, opts: RestOptions<I, O> = {}) {
  return api<Record<string, string>>(async (req, ctx: RouteCtx) => {
    // Path and query are read after the caller is known, except to find out whether a caller is needed.
    let parsed: Record<string, unknown> | undefined;
    const fields = async () => (parsed ??= { ...parsePath(op, await ctx.params), ...(op.query ? parseQuery(req, op.query) : {}) });
    const db = getDb();
    let actor: Actor | null = null;
    if (op.authorize !== "public-signed") {
      try {
        actor = await authenticate(req);
      } catch (e) {
        // An operation public for some inputs (a published badge) answers those without credentials.
        if (!(await isPublic(op, db, (await fields()) as I))) throw e;
      }
    }
    const access = await authorizeOperation(op, db, actor, (await fields()) as I);
    const extra = opts.read ? await opts.read(req) : {};
    const { locate, ...read } = extra as Record<string, unknown> & { locate?: (e: unknown) => unknown };
    const input = { ...(await fields()), ...read } as Record<string, unknown>;
    if (op.body && !("body" in read)) {
      // A raw body is the bytes as sent (a webhook's signature covers them), read within the size limit.
      input.body = op.bodyTypes?.includes("raw") ? await readRawBody(req) : (op.body as z.ZodType).parse((await readBody(req)).value ?? {});
    }
    let output: O;
    try {
      output = await execute(op, db, actor, access, input as I, { entry: "rest", headers: req.headers });
    } catch (e) {
      throw locate ? locate(e) : e;
    }
    if (opts.respond) return opts.respond(output, input as I, req);
    const status = opts.status?.(output) ?? op.status ?? 200;
    const headers = opts.headers?.(output, input as I) ?? {};
    return status === 204 ? new Response(null, { status, headers }) : json(opts.body ? opts.body(output) : output, status, headers);
  });
}

/** Path segments are part of the URL: a bad one is the client's 400, with the schema's own message. */
function parsePath(op: AnyOperation, params: Record<string, string>): Record<string, unknown> {
  if (!op.params) return {};
  const r = (op.params as z.ZodType).safeParse(params);
  if (r.success) return r.data as Record<string, unknown>;
  throw new AppError(
    "bad_request",
    r.error.issues.map((i) => (i.code === "custom" ? i.message : `${i.path.join(".")}: ${i.message}`)).join("; "),
  );
}
