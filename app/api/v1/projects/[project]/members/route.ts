import { authenticate } from "@/server/auth/authenticate";
import { getDb } from "@/server/db/client";
import { api, json } from "@/server/http/handler";
import { memberJson } from "@/server/http/present";
import { listMembers } from "@/server/projects/projects";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = api<{ project: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  return json({ items: (await listMembers(getDb(), actor, (await params).project)).map(memberJson) });
});
