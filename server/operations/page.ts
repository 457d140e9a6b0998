import { notFound } from "next/navigation";
import { ZodError } from "zod";
import { AppError } from "@/lib/errors";
import { allowedActions } from "@/lib/permissions";
import { pageActor } from "../authz/page";
import { getDb } from "../db/client";
import { parseInput, type CallInput } from "./call";
import { authorizeOperation, execute, type Callable } from "./define";

/**
 * The adapter for server-rendered pages: the signed-in user calls the operation; what they may
 * not see (or a malformed id in the URL) renders the 404 page, as an unknown id does. The
 * actions their role allows come back for the page to show or hide controls.
 */
export async function pageCall<I, O>(op: Callable<I, O>, input: CallInput<I>) {
  const actor = await pageActor();
  const db = getDb();
  try {
    const parsed = parseInput(op, input as Record<string, unknown>);
    const access = await authorizeOperation(op, db, actor, parsed);
    const data = await execute(op, db, actor, access, parsed);
    return { data, actor, access, can: access ? allowedActions(access.role) : [] };
  } catch (e) {
    if (e instanceof ZodError || (e instanceof AppError && (e.code === "not_found" || e.code === "forbidden"))) notFound();
    throw e;
  }
}
