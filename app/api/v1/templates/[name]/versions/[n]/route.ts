import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { intParam } from "@/server/http/request";
import { getTemplateVersion } from "@/server/templates/manage";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** One version of a template, as pipelines pinned to it run it. */
export const GET = api<{ name: string; n: string }>(async (req, { params }) => {
  await authorize(req);
  const { name, n } = await params;
  const v = await getTemplateVersion(getDb(), name, intParam(n, "version"));
  return json({ ...v, createdAt: v.createdAt?.toISOString() ?? null });
});
