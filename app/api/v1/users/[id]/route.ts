import { UpdateUserBodySchema } from "@/lib/api-schemas";
import { notFound } from "@/lib/errors";
import { authenticate } from "@/server/auth/authenticate";
import { deleteUser, updateUser } from "@/server/auth/user-lifecycle";
import { getUserView } from "@/server/auth/users";
import { requireSiteAdmin } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { userJson } from "@/server/http/present";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type P = { id: string };

/** One user; site administrators only. */
export const GET = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  requireSiteAdmin(actor, "view users");
  const { id } = await params;
  const u = await getUserView(getDb(), id);
  if (!u) throw notFound("user", id);
  return json(userJson(u));
});

/** Name, email, role, disabled; the last enabled administrator cannot be disabled or demoted (409). */
export const PATCH = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  requireSiteAdmin(actor, "change users");
  const body = UpdateUserBodySchema.parse((await readBody(req)).value);
  return json(userJson(await updateUser(getDb(), actor, (await params).id, body)));
});

/** Deletes a user: sessions, tokens, SSO links and memberships end at once; the history keeps their name. */
export const DELETE = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  requireSiteAdmin(actor, "delete users");
  await deleteUser(getDb(), actor, (await params).id);
  return new Response(null, { status: 204 });
});
