import { SetMemberBodySchema } from "@/lib/api-schemas";
import { authenticate } from "@/server/auth/authenticate";
import { getDb } from "@/server/db/client";
import { api, json, readBody } from "@/server/http/handler";
import { removeMember, setMember } from "@/server/projects/projects";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type P = { project: string; username: string };

/** Adds the user as a member with `role`, or changes their role; owners only. */
export const PUT = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { project, username } = await params;
  const { role } = SetMemberBodySchema.parse((await readBody(req)).value);
  return json(await setMember(getDb(), actor, project, username, role));
});

export const DELETE = api<P>(async (req, { params }) => {
  const actor = await authenticate(req);
  const { project, username } = await params;
  await removeMember(getDb(), actor, project, username);
  return new Response(null, { status: 204 });
});
