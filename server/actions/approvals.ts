"use server";

import type { z } from "zod";
import type { DecideApprovalBodySchema } from "@/lib/api-schemas";
import { callAs } from "../operations/call";
import { decideApprovalOp } from "../runs/operations";
import { action } from "./result";

/** Same body and rules as POST /api/v1/task-runs/{id}/approval. */
export async function decideApprovalAction(taskRunId: string, body: z.input<typeof DecideApprovalBodySchema>) {
  return action("decideApproval", async (actor) => callAs(actor, decideApprovalOp, { id: taskRunId, body }));
}
