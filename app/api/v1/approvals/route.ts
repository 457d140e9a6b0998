import { authenticate } from "@/server/auth/authenticate";
import { listPendingApprovals } from "@/server/approvals/approvals";
import { checkScope } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { pendingApprovalJson } from "@/server/http/present";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Approval gates waiting for the caller's decision, in every project they belong to, oldest first. */
export const GET = api(async (req) => {
  const actor = await authenticate(req);
  checkScope(actor, "project.view");
  return json({ items: (await listPendingApprovals(getDb(), actor)).map(pendingApprovalJson) });
});
