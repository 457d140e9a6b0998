import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { notFound } from "@/lib/errors";
import { userJson } from "../http/present";
import { tokenJson } from "../http/token-json";
import { defineOperation, pathId } from "../operations/define";
import { issueToken, listTokens, revokeToken } from "./personal-tokens";
import { deleteUser, unlockUserSignIn, updateUser } from "./user-lifecycle";
import { createUser, getUserView, listUsers } from "./users";

/**
 * Users (site administrators) and each caller's own API tokens. A token's limits (what scope it
 * may mint, whose it may revoke) are rules of ./personal-tokens.ts, not of a project role.
 */

const UserParams = z.object({ id: pathId("user id") });

export const listTokensOp = defineOperation({
  name: "token.list",
  summary: "The caller's own API tokens (never the secrets)",
  method: "GET",
  path: "/api/v1/tokens",
  tags: ["tokens"],
  output: S.ApiTokenListSchema,
  authorize: "authenticated",
  run: async ({ db, actor }) => ({ items: (await listTokens(db, actor)).map(tokenJson) }),
});

export const createTokenOp = defineOperation({
  name: "token.create",
  summary: "Create a token for the caller; the secret is in this response only",
  description: "Through a session or an `admin` token, never with a wider scope than the caller's.",
  method: "POST",
  path: "/api/v1/tokens",
  tags: ["tokens"],
  body: S.CreateTokenBodySchema,
  output: S.ApiTokenCreatedSchema,
  status: 201,
  authorize: "authenticated",
  // Audited in the same transaction as the insert, inside issueToken.
  run: async ({ db, actor }, i) => {
    const t = await issueToken(db, actor, {
      name: i.body.name,
      scope: i.body.scope,
      expiresAt: i.body.expiresAt ? new Date(i.body.expiresAt) : null,
    });
    return { ...tokenJson(t), token: t.token };
  },
});

export const revokeTokenOp = defineOperation({
  name: "token.revoke",
  summary: "Revoke one of the caller's tokens (site administrators: anyone's)",
  method: "DELETE",
  path: "/api/v1/tokens/{id}",
  tags: ["tokens"],
  params: z.object({ id: pathId("token id") }),
  status: 204,
  errors: { 404: "No such token of the caller's" },
  authorize: "authenticated",
  run: ({ db, actor }, i) => revokeToken(db, actor, i.id),
});

export const listUsersOp = defineOperation({
  name: "user.list",
  summary: "Every user",
  method: "GET",
  path: "/api/v1/users",
  tags: ["users"],
  output: S.UserListSchema,
  authorize: { siteAdmin: "list users" },
  run: async ({ db }) => ({ items: (await listUsers(db)).map(userJson) }),
});

export const createUserOp = defineOperation({
  name: "user.create",
  summary: "Add a user (a password, or none for SSO-only users)",
  method: "POST",
  path: "/api/v1/users",
  tags: ["users"],
  body: S.CreateUserBodySchema,
  output: S.UserSchema,
  status: 201,
  errors: { 409: "The username or email is taken" },
  authorize: { siteAdmin: "add users" },
  run: async ({ db }, i) => userJson(await createUser(db, i.body)),
  audit: (_i, u) => ({ action: "user.create", targetType: "user", targetId: u.id, targetName: u.username, details: { role: u.role } }),
});

export const getUserOp = defineOperation({
  name: "user.get",
  summary: "One user",
  method: "GET",
  path: "/api/v1/users/{id}",
  tags: ["users"],
  params: UserParams,
  output: S.UserSchema,
  errors: { 404: "No such user" },
  authorize: { siteAdmin: "view users" },
  run: async ({ db }, i) => {
    const u = await getUserView(db, i.id);
    if (!u) throw notFound("user", i.id);
    return userJson(u);
  },
});

export const updateUserOp = defineOperation({
  name: "user.update",
  summary: "Change name, email, role, disabled",
  description: "The last enabled administrator cannot be disabled or demoted (409).",
  method: "PATCH",
  path: "/api/v1/users/{id}",
  tags: ["users"],
  params: UserParams,
  body: S.UpdateUserBodySchema,
  output: S.UserSchema,
  errors: { 404: "No such user", 409: "The last enabled administrator, or an email that is taken" },
  authorize: { siteAdmin: "change users" },
  // Audited in the same transaction as the change, inside updateUser.
  run: async ({ db, actor }, i) => userJson(await updateUser(db, actor, i.id, i.body)),
});

export const deleteUserOp = defineOperation({
  name: "user.delete",
  summary: "Delete a user: sessions, tokens, SSO links and memberships end at once; the history keeps their name",
  method: "DELETE",
  path: "/api/v1/users/{id}",
  tags: ["users"],
  params: UserParams,
  status: 204,
  errors: { 404: "No such user", 409: "The last enabled administrator, or the only owner of a project" },
  authorize: { siteAdmin: "delete users" },
  run: ({ db, actor }, i) => deleteUser(db, actor, i.id),
});

export const unlockUserOp = defineOperation({
  name: "user.unlock",
  summary: "Lift a user's sign-in lock and every address's delays for them",
  method: "POST",
  path: "/api/v1/users/{id}/unlock",
  tags: ["users"],
  params: UserParams,
  output: S.UnlockResultSchema,
  errors: { 404: "No such user" },
  authorize: { siteAdmin: "unlock users" },
  run: async ({ db, actor }, i) => {
    const r = await unlockUserSignIn(db, actor, i.id);
    return { user: userJson(r.user), cleared: r.cleared };
  },
});

export const authOperations = [
  listTokensOp,
  createTokenOp,
  revokeTokenOp,
  listUsersOp,
  createUserOp,
  getUserOp,
  updateUserOp,
  deleteUserOp,
  unlockUserOp,
];
