import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requireRun } from "@/server/authz/authz";
import { runJson } from "@/server/http/present";
import { getRunView } from "@/server/runs/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The run with its stages and task runs (status, exit code, attempt, times, message). */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requireRun(getDb(), actor, id, "project.view");
  return json(runJson(await getRunView(getDb(), id)));
});
