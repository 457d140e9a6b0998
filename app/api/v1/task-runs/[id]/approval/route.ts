import { DecideApprovalBodySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { decideApproval } from "@/server/approvals/approvals";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { approvalResultJson } from "@/server/http/present";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Approves or denies a waiting manual-approval gate. 403 for a caller who is not one of its
 * approvers (or whose token lacks the `run` scope); 409 when they already decided, when the gate
 * is not waiting any more, or after its deadline.
 */
export const POST = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const body = DecideApprovalBodySchema.parse((await readBody(req)).value);
  return json(approvalResultJson(await decideApproval(getDb(), actor, id, body)));
});
