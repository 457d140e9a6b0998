import { CreateProjectBodySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { projectJson } from "@/server/http/present";
import { createProject, listProjects } from "@/server/projects/projects";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Projects the caller belongs to (site administrators: all), with their role in each. */
export const GET = api(async (req) => {
  const actor = await authenticate(req);
  return json({ items: (await listProjects(getDb(), actor)).map(projectJson) });
});

/** Creates a project; the caller becomes its owner. */
export const POST = api(async (req) => {
  const actor = await authenticate(req);
  const body = CreateProjectBodySchema.parse((await readBody(req)).value);
  const r = await createProject(getDb(), actor, body);
  return json(r, 201, { location: `/api/v1/projects/${r.slug}` });
});
