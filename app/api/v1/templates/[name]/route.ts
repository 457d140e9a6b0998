import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { authorize } from "@/server/http/guard";
import { authenticate } from "@/server/auth/authenticate";
import { deleteTemplateAs, updateTemplateAs } from "@/server/templates/commands";
import { getTemplate } from "@/server/templates/catalog";
import { deleteTemplate, parseTemplateDefinition, updateTemplate } from "@/server/templates/manage";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = api<{ name: string }>(async (req, { params }) => {
  await authorize(req);
  const { name } = await params;
  return json(await getTemplate(getDb(), name));
});

/** A new version of a user template; pipelines keep their pinned version until upgraded. */
export const PUT = api<{ name: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { name } = await params;
  const body = await readBody(req);
  const def = parseTemplateDefinition(body.value, body.yaml ? body.text : undefined);
  return json(await updateTemplateAs(getDb(), actor, name, def));
});

/** Deletes a user template no pipeline version uses (409 otherwise: deprecate it). */
export const DELETE = api<{ name: string }>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { name } = await params;
  await deleteTemplateAs(getDb(), actor, name);
  return new Response(null, { status: 204 });
});
