import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { getTemplate } from "@/server/templates/catalog";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = api<{ name: string }>(async (req, { params }) => {
  await authorize(req, "read");
  const { name } = await params;
  return json(await getTemplate(getDb(), name));
});
