import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { stringify } from "yaml";
import { secretParamsOf } from "@/lib/expressions/check-spec";
import { refsOf } from "@/lib/expressions/template";
import { specTasks, type PipelineSpec } from "@/lib/pipeline-spec";
import { audit, SYSTEM_ACTOR } from "../audit/audit";
import type { Db } from "../db/client";
import { pipelines, pipelineVersions, secrets } from "../db/schema";
import { encrypt } from "../secrets/crypto";
import { secretAad } from "../secrets/secrets";
import { listTemplates, type TemplateView } from "../templates/catalog";
import { logger } from "../logger";
import { savePipelineVersion } from "./pipelines";
import { resolveTemplates, type TemplatePins } from "./pins";

/**
 * Pipelines saved before secret references held secret template params (tokens, passwords) as
 * text in the spec. Run once per start (it is idempotent): each such value moves into a project
 * secret named after the task and param (`SONAR_TOKEN` for task `sonar`, param `token`), the
 * param becomes `{{ secrets.NAME }}`, the templates with secret params move to their latest
 * version (which takes the secret through env), and the result is saved as a new version,
 * recorded in the audit trail. Returns how many pipelines were rewritten.
 */
export async function migrateSecretLiterals(db: Db): Promise<number> {
  const latest = new Map((await listTemplates(db)).map((t) => [t.name, t]));
  const withSecrets = new Set([...latest.values()].filter((t) => secretParamsOf(t.paramsSchema).size).map((t) => t.name));
  // One query for every current version; only those using a template with secret params are looked at further.
  const rows = await db
    .select({
      id: pipelines.id,
      projectId: pipelines.projectId,
      name: pipelines.name,
      spec: pipelineVersions.spec,
      templates: pipelineVersions.templates,
    })
    .from(pipelines)
    .innerJoin(
      pipelineVersions,
      and(eq(pipelineVersions.pipelineId, pipelines.id), eq(pipelineVersions.version, pipelines.currentVersion)),
    );
  let rewritten = 0;
  for (const p of rows) {
    const v = { spec: p.spec, templates: p.templates };
    if (!specTasks(v.spec).some((t) => withSecrets.has(t.task.template))) continue;
    const used = await resolveTemplates(db, v.spec, v.templates);
    const plan = literalSecrets(v.spec, used, latest);
    if (!plan.moves.length && !plan.upgrade.size) continue;
    try {
      await rewrite(db, p, v.spec, plan, latest);
      rewritten++;
    } catch (e) {
      // One pipeline that no longer validates must not keep Gantry from starting: it is told, and left as it was.
      logger.warn(
        { pipeline: p.name, pipelineId: p.id, err: (e as Error).message },
        "could not move this pipeline's secret values into project secrets",
      );
    }
  }
  return rewritten;
}

async function rewrite(
  db: Db,
  p: { id: string; projectId: string; name: string },
  original: PipelineSpec,
  plan: ReturnType<typeof literalSecrets>,
  latest: ReadonlyMap<string, TemplateView>,
) {
  const created: string[] = [];
  try {
    const taken = new Set(
      (await db.select({ name: secrets.name }).from(secrets).where(eq(secrets.projectId, p.projectId))).map((s) => s.name),
    );
    const spec = structuredClone(original);
    const moved: { path: string; secret: string }[] = [];
    for (const m of plan.moves) {
      let name = m.secret;
      for (let i = 2; taken.has(name); i++) name = `${m.secret}_${i}`;
      taken.add(name);
      const { ciphertext, keyId } = encrypt(m.value, secretAad(p.projectId, name));
      await db.insert(secrets).values({
        id: randomUUID(),
        projectId: p.projectId,
        name,
        description: `moved out of pipeline '${p.name}' (${m.path}) by Gantry's secret-reference migration`,
        ciphertext,
        keyId,
        createdBy: null,
      });
      created.push(name);
      spec.stages[m.stage].tasks[m.task].params[m.param] = `{{ secrets.${name} }}`;
      moved.push({ path: m.path, secret: name });
    }
    const templates: TemplatePins = Object.fromEntries(
      [...plan.upgrade].flatMap((n) => {
        const t = latest.get(n);
        return t ? [[n, t.version]] : [];
      }),
    );
    const saved = await savePipelineVersion(db, p.id, {
      spec,
      source: stringify(spec),
      message: "secret values moved into project secrets; templates with secret params upgraded",
      templates,
    });
    await audit(db, SYSTEM_ACTOR, {
      action: "pipeline.migrate-secrets",
      targetType: "pipeline",
      targetId: p.id,
      targetName: p.name,
      projectId: p.projectId,
      details: { version: saved.version, moved, upgraded: Object.keys(templates) },
    });
  } catch (e) {
    for (const name of created) await db.delete(secrets).where(and(eq(secrets.projectId, p.projectId), eq(secrets.name, name)));
    throw e;
  }
}

interface Move {
  stage: number;
  task: number;
  param: string;
  path: string;
  value: string;
  secret: string;
}

/** What a spec needs: literal secret values to move, and templates whose pinned version differs from the latest in its secret params' use. */
export function literalSecrets(spec: PipelineSpec, used: ReadonlyMap<string, TemplateView>, latest: ReadonlyMap<string, TemplateView>) {
  const moves: Move[] = [];
  const upgrade = new Set<string>();
  spec.stages.forEach((st, si) =>
    st.tasks.forEach((t, ti) => {
      const pinned = used.get(t.template);
      const newest = latest.get(t.template);
      if (!pinned || !newest) return;
      const secret = new Set([...secretParamsOf(pinned.paramsSchema), ...secretParamsOf(newest.paramsSchema)]);
      if (secret.size === 0) return;
      if (pinned.version !== newest.version) upgrade.add(t.template);
      for (const k of secret) {
        const v = t.params[k];
        if (v === undefined || v === null || v === "") continue;
        if (typeof v === "string" && refsOf(v).length) continue;
        moves.push({
          stage: si,
          task: ti,
          param: k,
          path: `stages[${si}].tasks[${ti}].params.${k}`,
          value: typeof v === "string" ? v : JSON.stringify(v),
          secret: `${t.name}_${k}`
            .toUpperCase()
            .replace(/[^A-Z0-9_]/g, "_")
            .replace(/^([^A-Z_])/, "_$1"),
        });
      }
    }),
  );
  return { moves, upgrade };
}
