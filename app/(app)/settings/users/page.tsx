import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { UsersPanel } from "@/components/users/users-panel";
import { PageHeader } from "@/components/ui/page-header";
import { listUsers } from "@/server/auth/users";
import { pageActor } from "@/server/authz/page";
import { getDb } from "@/server/db/client";
import { userJson } from "@/server/http/present";

export const metadata: Metadata = { title: "Users" };

/** Settings → Users: site administrators only; anyone else gets the 404 page, as for any page they may not see. */
export default async function UsersPage() {
  const actor = await pageActor();
  if (actor.role !== "admin") notFound();
  const users = (await listUsers(getDb())).map(userJson);
  return (
    <>
      <PageHeader
        title="Users"
        description="Who can sign in. Disabling or deleting a user ends their sessions and API tokens at once; deleted users stay named in the history."
      />
      <UsersPanel users={users} me={actor.id} />
    </>
  );
}
