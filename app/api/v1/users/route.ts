import { CreateUserBodySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { createUser, listUsers } from "@/server/auth/users";
import { audit } from "@/server/audit/audit";
import { requireSiteAdmin } from "@/server/authz/authz";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { userJson } from "@/server/http/present";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Every user; site administrators only. */
export const GET = api(async (req) => {
  const actor = await authenticate(req);
  requireSiteAdmin(actor, "list users");
  return json({ items: (await listUsers(getDb())).map(userJson) });
});

/** Adds a user (a password, or none for SSO-only users); site administrators only. */
export const POST = api(async (req) => {
  const actor = await authenticate(req);
  requireSiteAdmin(actor, "add users");
  const body = CreateUserBodySchema.parse((await readBody(req)).value);
  const db = getDb();
  const u = await createUser(db, body);
  await audit(db, actor, { action: "user.create", targetType: "user", targetId: u.id, targetName: u.username, details: { role: u.role } });
  return json(userJson(u), 201);
});
