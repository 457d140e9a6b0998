import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { listTemplates } from "@/server/templates/catalog";
import { createTemplate, parseTemplateDefinition } from "@/server/templates/manage";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The catalog, each template with its params JSON Schema. */
export const GET = api(async (req) => {
  await authorize(req, "read");
  return json({ items: await listTemplates(getDb()) });
});

/** Adds a user template (JSON or YAML body) as its version 1. Needs an admin token until roles arrive (issue 5). */
export const POST = api(async (req) => {
  const user = await authorize(req, "admin");
  const body = await readBody(req);
  const def = parseTemplateDefinition(body.value, body.yaml ? body.text : undefined);
  const r = await createTemplate(getDb(), def, user.id ?? null);
  return json(r, 201, { location: `/api/v1/templates/${r.name}` });
});
