import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { authenticate } from "@/server/auth/authenticate";
import { createTemplateAs } from "@/server/templates/commands";
import { parseQuery } from "@/server/http/request";
import { ProjectQuerySchema } from "@/lib/api-schemas";
import { listTemplates } from "@/server/templates/catalog";
import { createTemplate, parseTemplateDefinition } from "@/server/templates/manage";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** The catalog, each template with its params JSON Schema. */
export const GET = api(async (req) => {
  await authorize(req);
  return json({ items: await listTemplates(getDb()) });
});

/** Adds a user template (JSON or YAML body) as its version 1. In `?project=` (default `default`); needs the maintainer role there. */
export const POST = api(async (req) => {
  const actor = await authenticate(req);
  const { project } = parseQuery(req, ProjectQuerySchema);
  const body = await readBody(req);
  const def = parseTemplateDefinition(body.value, body.yaml ? body.text : undefined);
  const r = await createTemplateAs(getDb(), actor, def, project);
  return json(r, 201, { location: `/api/v1/templates/${r.name}` });
});
