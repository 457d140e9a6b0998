import type { z } from "zod";
import { getDb } from "../db/client";
import type { Actor } from "../authz/authz";
import { invoke, type Callable } from "./define";

/**
 * The adapter for server actions and server-rendered pages: the input is parsed with the
 * declaration's schemas (as the REST adapter parses the URL and body), then the same permission
 * check and audit record as the REST route, with the signed-in user as the actor.
 */
export function callAs<I, O>(actor: Actor, op: Callable<I, O>, input: CallInput<I>): Promise<O> {
  return invoke(op, getDb(), actor, parseInput(op, input as Record<string, unknown>));
}

/** What a caller passes: like the operation's input, before the schemas' defaults and transforms. */
export type CallInput<I> = { [K in keyof I]?: unknown };

export function parseInput<I>(op: Callable<I, unknown>, raw: Record<string, unknown>): I {
  const { body, ...fields } = raw;
  const out: Record<string, unknown> = { ...fields };
  if (op.params) Object.assign(out, (op.params as z.ZodType).parse(pick(fields, op.params)));
  if (op.query) Object.assign(out, (op.query as z.ZodType).parse(pick(fields, op.query)));
  if (op.extra) Object.assign(out, (op.extra as z.ZodType).parse(pick(fields, op.extra)));
  if (op.body) out.body = (op.body as z.ZodType).parse(body ?? {});
  return out as I;
}

const pick = (o: Record<string, unknown>, schema: z.ZodObject) =>
  Object.fromEntries(
    Object.keys(schema.shape)
      .filter((k) => k in o)
      .map((k) => [k, o[k]]),
  );
