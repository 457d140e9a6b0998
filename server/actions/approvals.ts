"use server";

import { z } from "zod";
import { DecideApprovalBodySchema } from "@/lib/api-schemas";
import { decideApproval } from "../approvals/approvals";
import { getDb } from "../db/client";
import { approvalResultJson } from "../http/present";
import { action } from "./result";

const Id = z.string().min(1).max(64);

/** Same body and rules as POST /api/v1/task-runs/{id}/approval. */
export async function decideApprovalAction(taskRunId: string, body: z.input<typeof DecideApprovalBodySchema>) {
  return action("decideApproval", async (actor) => {
    const id = Id.parse(taskRunId);
    const b = DecideApprovalBodySchema.parse(body);
    return approvalResultJson(await decideApproval(getDb(), actor, id, b));
  });
}
