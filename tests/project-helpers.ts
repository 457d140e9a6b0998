import type { Pool } from "mysql2/promise";
import type { Role } from "@/lib/projects";
import { createToken } from "@/server/auth/tokens";
import { createDb, type Db } from "@/server/db/client";
import { call, testEnv, uniqueName } from "./api-helpers";

/**
 * A project with one user per role (and an outsider), each with an admin-scope API token, made
 * through the REST API as the site administrator. Tokens are minted in the database because
 * creating a token is itself a signed-in user's action.
 */
export interface TestUser {
  id: string;
  username: string;
  token: string;
}
export interface TestProject {
  slug: string;
  id: string;
  users: Record<Role | "outsider", TestUser>;
  db: Db;
  pool: Pool;
}

export function openDb() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must name the running stack's database; `npm test` sets it");
  return createDb(url);
}

export async function createUserWithToken(db: Db, username: string, scope: "read" | "run" | "admin" = "admin"): Promise<TestUser> {
  const r = await call("POST", "/api/v1/users", {
    body: { username, name: username, email: `${username}@example.test`, password: "a-long-test-password" },
  });
  if (r.status !== 201) throw new Error(`creating user ${username}: ${r.status} ${r.text}`);
  return { id: r.body.id, username, token: await createToken(db, r.body.id, `${username}-token`, scope) };
}

export async function createTestProject(prefix = "proj"): Promise<TestProject> {
  testEnv();
  const { db, pool } = openDb();
  const slug = uniqueName(prefix);
  const r = await call("POST", "/api/v1/projects", { body: { slug, name: `Project ${slug}` } });
  if (r.status !== 201) throw new Error(`creating project: ${r.status} ${r.text}`);
  const users = {} as TestProject["users"];
  for (const role of ["viewer", "developer", "maintainer", "owner", "outsider"] as const) {
    users[role] = await createUserWithToken(db, uniqueName(role).slice(0, 60));
    if (role !== "outsider") {
      const m = await call("PUT", `/api/v1/projects/${slug}/members/${users[role].username}`, { body: { role } });
      if (m.status !== 200) throw new Error(`adding ${role}: ${m.status} ${m.text}`);
    }
  }
  return { slug, id: r.body.id, users, db, pool };
}
