import { z } from "zod";
import * as S from "@/lib/api-schemas";
import { secretJson } from "../http/present";
import { byProject, defineOperation } from "../operations/define";
import { deleteSecret, listSecrets, putSecret } from "./secrets";

/** A project's secrets: names and descriptions for every member, values written by maintainers and never read back. */

const ProjectParams = z.object({ project: z.string().meta({ description: "project slug (or id)" }) });
const SecretParams = ProjectParams.extend({ name: z.string().meta({ description: "secret name (upper-case letters, digits and _)" }) });

export const listSecretsOp = defineOperation({
  name: "secret.list",
  summary: "The project's secrets: names and descriptions, never values",
  method: "GET",
  path: "/api/v1/projects/{project}/secrets",
  tags: ["projects"],
  params: ProjectParams,
  output: S.SecretListSchema,
  errors: { 404: "No such project, or one the caller is not a member of" },
  authorize: { permission: "project.view", project: byProject("project") },
  run: async ({ db, project }) => ({ items: (await listSecrets(db, project.projectId)).map(secretJson) }),
});

export const putSecretOp = defineOperation({
  name: "secret.put",
  summary: "Create (201) or replace (200) a secret; the value is never sent back",
  method: "PUT",
  path: "/api/v1/projects/{project}/secrets/{name}",
  tags: ["projects"],
  params: SecretParams,
  body: S.PutSecretBodySchema,
  output: S.SecretSchema,
  errors: { 404: "No such project, or one the caller is not a member of", 422: "A bad name, or a value over the size limit" },
  authorize: { permission: "secret.manage", project: byProject("project") },
  // The change and its audit record share a transaction, inside putSecret. A bad name is a
  // validation error (422) like the body's, as it was before the name was part of the declaration.
  run: ({ db, actor, project }, i) => putSecret(db, actor, project, S.SecretNameSchema.parse(i.name), i.body),
});

export const deleteSecretOp = defineOperation({
  name: "secret.delete",
  summary: "Delete a secret",
  method: "DELETE",
  path: "/api/v1/projects/{project}/secrets/{name}",
  tags: ["projects"],
  params: SecretParams,
  status: 204,
  errors: { 404: "No such project or secret", 422: "A bad name" },
  authorize: { permission: "secret.manage", project: byProject("project") },
  run: ({ db, actor, project }, i) => deleteSecret(db, actor, project, S.SecretNameSchema.parse(i.name)),
});

export const secretOperations = [listSecretsOp, putSecretOp, deleteSecretOp];
