import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requireRun } from "@/server/authz/authz";
import { approverIdentity, markDecidable } from "@/server/approvals/approvals";
import { runJson } from "@/server/http/present";
import { getRunView } from "@/server/runs/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The run with its stages and task runs (status, exit code, attempt, times, message). */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  const access = await requireRun(getDb(), actor, id, "project.view");
  // Approval gates say whether this caller may decide them now.
  return json(runJson(markDecidable(await getRunView(getDb(), id), approverIdentity(actor, access.role))));
});
