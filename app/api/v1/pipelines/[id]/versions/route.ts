import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { versionSummaryJson } from "@/server/http/present";
import { listVersions } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The pipeline's history, newest version first. */
export const GET = api<{ id: string }>(async (req, { params }) => {
  await authorize(req, "read");
  const { id } = await params;
  return json({ items: (await listVersions(getDb(), id)).map(versionSummaryJson) });
});
