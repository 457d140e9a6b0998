import { PutSecretBodySchema, SecretNameSchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { secretJson } from "@/server/http/present";
import { deleteSecret, putSecret } from "@/server/secrets/secrets";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type P = { project: string; name: string };

/** Creates (201) or replaces (200) a secret; maintainers and owners. The value is never sent back. */
export const PUT = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { project, name } = await params;
  const secretName = SecretNameSchema.parse(name);
  const body = PutSecretBodySchema.parse((await readBody(req)).value);
  const r = await putSecret(getDb(), actor, project, secretName, body);
  return json(secretJson(r.secret), r.created ? 201 : 200);
});

export const DELETE = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { project, name } = await params;
  await deleteSecret(getDb(), actor, project, SecretNameSchema.parse(name));
  return new Response(null, { status: 204 });
});
