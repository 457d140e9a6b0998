import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { AppError } from "@/lib/errors";
import { allowedActions, type Action } from "@/lib/permissions";
import { clientAddress, currentUser } from "../auth/authenticate";
import { sessionActor, type Actor, type ProjectAccess } from "./authz";

/** For server components: the signed-in user as an actor, or off to the sign-in page. */
export async function pageActor(): Promise<Actor> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return sessionActor(user, clientAddress(await headers()));
}

/**
 * Runs a permission check for a page. What the user may not see renders the 404 page (as for an
 * unknown id); the actions their role allows come back for the page to show or hide controls.
 */
export async function pageAccess(check: Promise<ProjectAccess>): Promise<ProjectAccess & { can: Action[] }> {
  try {
    const access = await check;
    return { ...access, can: allowedActions(access.role) };
  } catch (e) {
    if (e instanceof AppError && (e.code === "not_found" || e.code === "forbidden")) notFound();
    throw e;
  }
}
