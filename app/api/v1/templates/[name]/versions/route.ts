import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { listTemplateVersions } from "@/server/templates/manage";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The template's versions, newest first. */
export const GET = api<{ name: string }>(async (req, { params }) => {
  await authorize(req);
  const { name } = await params;
  const items = await listTemplateVersions(getDb(), name);
  return json({ items: items.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })) });
});
