import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { runJson } from "@/server/http/present";
import { getRunView } from "@/server/runs/queries";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The run with its stages and task runs (status, exit code, attempt, times, message). */
export const GET = api<{ id: string }>(async (req, { params }) => {
  await authorize(req, "read");
  const { id } = await params;
  return json(runJson(await getRunView(getDb(), id)));
});
