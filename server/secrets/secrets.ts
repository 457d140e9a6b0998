import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray } from "drizzle-orm";
import { AppError, notFound, validationFailed } from "@/lib/errors";
import { specTasks, type FieldError, type PipelineSpec } from "@/lib/pipeline-spec";
import type { Db, DbOrTx } from "../db/client";
import { pipelines, projects, secrets, users } from "../db/schema";
import { audit } from "../audit/audit";
import type { Actor, ProjectAccess } from "../authz/authz";
import { decrypt, encrypt } from "./crypto";

/**
 * Project secrets: named values, encrypted at rest (./crypto.ts), that tasks receive as
 * environment variables. No function here returns a value except `resolveSecrets`, which the
 * operator calls when a task starts, and the web app for a webhook's signature and for reading a
 * pipeline file with the repository's credentials (server/pipelines/repository-file.ts).
 */

export interface SecretView {
  name: string;
  description: string | null;
  /** User name of who created it; null when that user was deleted. */
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Binds a ciphertext to its row: copied into another project or name, it does not decrypt. */
export const secretAad = (projectId: string, name: string) => `secret:${projectId}:${name}`;

const isDuplicate = (e: unknown) => /ER_DUP_ENTRY|Duplicate entry/.test(String((e as { code?: string })?.code ?? (e as Error)?.message));

async function views(db: DbOrTx, projectId: string, names?: string[]): Promise<SecretView[]> {
  return db
    .select({
      name: secrets.name,
      description: secrets.description,
      createdBy: users.username,
      createdAt: secrets.createdAt,
      updatedAt: secrets.updatedAt,
    })
    .from(secrets)
    .leftJoin(users, eq(users.id, secrets.createdBy))
    .where(names ? and(eq(secrets.projectId, projectId), inArray(secrets.name, names)) : eq(secrets.projectId, projectId))
    .orderBy(asc(secrets.name));
}

/** Names and descriptions, never values: every member may see which secrets exist. */
export async function listSecrets(db: DbOrTx, projectId: string): Promise<SecretView[]> {
  return views(db, projectId);
}

/**
 * Creates the secret or replaces its value (and its description when one is given). Audited
 * as `secret.create` / `secret.update`, with the name only.
 */
export async function putSecret(
  db: Db,
  actor: Actor,
  access: ProjectAccess,
  name: string,
  input: { value: string; description?: string | null },
): Promise<{ created: boolean; secret: SecretView }> {
  const { ciphertext, keyId } = encrypt(input.value, secretAad(access.projectId, name));
  const write = () =>
    db.transaction(async (tx) => {
      const [cur] = await tx
        .select({ id: secrets.id })
        .from(secrets)
        .where(and(eq(secrets.projectId, access.projectId), eq(secrets.name, name)))
        .for("update");
      if (cur) {
        await tx
          .update(secrets)
          .set({
            ciphertext,
            keyId,
            ...(input.description !== undefined && { description: input.description || null }),
            updatedAt: new Date(),
          })
          .where(eq(secrets.id, cur.id));
      } else {
        await tx.insert(secrets).values({
          id: randomUUID(),
          projectId: access.projectId,
          name,
          description: input.description || null,
          ciphertext,
          keyId,
          createdBy: actor.id,
        });
      }
      await audit(tx, actor, {
        action: cur ? "secret.update" : "secret.create",
        targetType: "secret",
        targetId: name,
        targetName: name,
        projectId: access.projectId,
        details: input.description !== undefined ? { description: input.description } : undefined,
      });
      return !cur;
    });
  let created: boolean;
  try {
    created = await write();
  } catch (e) {
    // Two creates at once: the loser's insert hits the unique key; it becomes a replace.
    if (!isDuplicate(e)) throw e;
    created = await write();
  }
  const [secret] = await views(db, access.projectId, [name]);
  return { created, secret };
}

export async function deleteSecret(db: Db, actor: Actor, access: ProjectAccess, name: string) {
  await db.transaction(async (tx) => {
    const [cur] = await tx
      .select({ id: secrets.id })
      .from(secrets)
      .where(and(eq(secrets.projectId, access.projectId), eq(secrets.name, name)));
    if (!cur) throw notFound("secret", name);
    await tx.delete(secrets).where(eq(secrets.id, cur.id));
    await audit(tx, actor, {
      action: "secret.delete",
      targetType: "secret",
      targetId: name,
      targetName: name,
      projectId: access.projectId,
    });
  });
}

/** Which of `names` exist in the project (for validating a pipeline on save). */
export async function existingSecretNames(db: DbOrTx, projectId: string, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await db
    .select({ name: secrets.name })
    .from(secrets)
    .where(and(eq(secrets.projectId, projectId), inArray(secrets.name, [...new Set(names)])));
  return new Set(rows.map((r) => r.name));
}

/**
 * The operator, at task start: the values of the named secrets of the pipeline's project. A
 * secret deleted since the pipeline was saved fails the task with a message naming it.
 */
export async function resolveSecrets(db: DbOrTx, pipelineId: string, names: readonly string[]): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  const [p] = await db
    .select({ projectId: pipelines.projectId, slug: projects.slug })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .where(eq(pipelines.id, pipelineId));
  if (!p) throw new AppError("not_found", `pipeline ${pipelineId} not found`);
  const rows = await db
    .select({ name: secrets.name, ciphertext: secrets.ciphertext, keyId: secrets.keyId })
    .from(secrets)
    .where(and(eq(secrets.projectId, p.projectId), inArray(secrets.name, [...new Set(names)])));
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) {
    throw new AppError(
      "not_found",
      `secret${missing.length > 1 ? "s" : ""} ${missing.map((n) => `'${n}'`).join(", ")} no longer exist${missing.length > 1 ? "" : "s"} in project '${p.slug}'`,
    );
  }
  return Object.fromEntries(rows.map((r) => [r.name, decrypt(r.ciphertext, r.keyId, secretAad(p.projectId, r.name))]));
}

/**
 * On save: every secret a task or the repository's credentials name exists in the pipeline's
 * project. A 422 lists each missing one at its field path (`stages[0].tasks[1].secrets[0]`,
 * `finally[0].secrets[0]`, `repository.credentials.secret`).
 */
export async function checkSpecSecrets(
  db: DbOrTx,
  projectId: string,
  spec: PipelineSpec,
  templates?: ReadonlyMap<string, { env: Record<string, string> }>,
) {
  const refs: { name: string; template?: string; path: string }[] = specTasks(spec).flatMap(({ task: t, at }) =>
    (t.secrets ?? []).map((name, i) => ({ name, template: t.template, path: `${at}.secrets[${i}]` })),
  );
  const cred = spec.repository?.credentials;
  for (const field of ["secret", "sshKey", "knownHosts"] as const) {
    if (cred?.[field]) refs.push({ name: cred[field], path: `repository.credentials.${field}` });
  }
  if (refs.length === 0) return;
  const have = await existingSecretNames(
    db,
    projectId,
    refs.map((r) => r.name),
  );
  const errors: FieldError[] = [];
  for (const r of refs) {
    const templateEnv = r.template ? templates?.get(r.template)?.env : undefined;
    if (!have.has(r.name))
      errors.push({ path: r.path, message: `no secret named '${r.name}' in this project (add it on the project's Secrets tab)` });
    // Executors disagree on which wins when the template sets the variable itself: refuse the clash.
    else if (templateEnv && r.name in templateEnv) {
      errors.push({ path: r.path, message: `template '${r.template}' sets '${r.name}' itself; give the secret another name` });
    }
  }
  if (errors.length) throw validationFailed(errors);
}
