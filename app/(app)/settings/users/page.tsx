import type { Metadata } from "next";
import { UsersPanel } from "@/components/users/users-panel";
import { PageHeader } from "@/components/ui/page-header";
import { listUsersOp } from "@/server/auth/operations";
import { pageCall } from "@/server/operations/page";

export const metadata: Metadata = { title: "Users" };

/** Settings → Users: site administrators only; anyone else gets the 404 page, as for any page they may not see. */
export default async function UsersPage() {
  // The same operation as GET /api/v1/users, which only site administrators may call.
  const {
    data: { items: users },
    actor,
  } = await pageCall(listUsersOp, {});
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
