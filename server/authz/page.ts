import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { clientAddress, currentUser } from "../auth/authenticate";
import { sessionActor, type Actor } from "./authz";

/**
 * For server components: the signed-in user as an actor, or off to the sign-in page. Pages read
 * through `pageCall` (server/operations/page.ts), which checks what the actor may see.
 */
export async function pageActor(): Promise<Actor> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return sessionActor(user, clientAddress(await headers()));
}
