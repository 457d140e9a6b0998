import { UpdateProjectBodySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { projectJson } from "@/server/http/present";
import { deleteProject, getProject, updateProject } from "@/server/projects/projects";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type P = { project: string };

export const GET = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  return json(projectJson(await getProject(getDb(), actor, (await params).project)));
});

/** Name, description and settings (executor, namespace, node selector, quota…); owners only. */
export const PATCH = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const body = UpdateProjectBodySchema.parse((await readBody(req)).value);
  return json(projectJson(await updateProject(getDb(), actor, (await params).project, body)));
});

/** Deletes an empty project (409 while it still has pipelines or templates); owners only. */
export const DELETE = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  await deleteProject(getDb(), actor, (await params).project);
  return new Response(null, { status: 204 });
});
