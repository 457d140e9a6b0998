import { readFileSync } from "node:fs";
import path from "node:path";
import type { Db } from "../db/client";
import { ensureAdmin } from "../auth/users";
import { ensureAdminToken } from "../auth/tokens";
import { syncBuiltinTemplates } from "../templates/catalog";
import { createPipeline, findPipelineByName } from "../pipelines/pipelines";
import { parseSpecText } from "@/lib/parse-spec";
import { migrateSecretLiterals } from "../pipelines/secret-literals";
import { DEFAULT_PROJECT_ID } from "@/lib/projects";

export interface SeedResult {
  adminCreated: boolean;
  generatedPassword?: string;
  demoPipelineId: string | null;
}

/** Idempotent: built-in templates, the admin user (and token), and the demo pipeline once. */
export async function seed(db: Db, opts: { adminPassword?: string; adminToken?: string; demo?: boolean } = {}): Promise<SeedResult> {
  await syncBuiltinTemplates(db);
  // Secret values written into specs before secret references existed become project secrets.
  await migrateSecretLiterals(db);
  const admin = await ensureAdmin(db, opts.adminPassword);
  if (opts.adminToken) await ensureAdminToken(db, opts.adminToken);
  let demoPipelineId: string | null = null;
  if (opts.demo !== false) {
    const text = readFileSync(path.join(process.cwd(), "server/seed/demo-pipeline.yaml"), "utf8");
    const parsed = parseSpecText(text);
    if (!parsed.ok) throw new Error(`demo pipeline is invalid: ${JSON.stringify(parsed.errors)}`);
    demoPipelineId = await findPipelineByName(db, DEFAULT_PROJECT_ID, parsed.spec.name);
    // Only on first start: a user who deleted or renamed it doesn't want it back.
    if (!demoPipelineId && admin.created) {
      demoPipelineId = (
        await createPipeline(db, { spec: parsed.spec, source: text, message: "demo pipeline", projectId: DEFAULT_PROJECT_ID })
      ).id;
    }
  }
  return { adminCreated: admin.created, generatedPassword: admin.generatedPassword, demoPipelineId };
}
