import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authenticate } from "@/server/auth/authenticate";
import { requirePipeline } from "@/server/authz/authz";
import { versionSummaryJson } from "@/server/http/present";
import { listVersions } from "@/server/pipelines/pipelines";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The pipeline's history, newest version first. */
export const GET = api<{ id: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { id } = await params;
  await requirePipeline(getDb(), actor, id, "project.view");
  return json({ items: (await listVersions(getDb(), id)).map(versionSummaryJson) });
});
