import { specTasks, type FieldError, type PipelineSpec } from "@/lib/pipeline-spec";
import { validationFailed } from "@/lib/errors";
import type { DbOrTx } from "../db/client";
import type { TemplateView } from "../templates/catalog";
import { validateParams } from "../templates/params";
import { config } from "../config";
import { resolveTemplates, type TemplatePins } from "./pins";
import { roleOfEntry } from "@/lib/approvals";
import { eq } from "drizzle-orm";
import { checkSpecExpressions, secretParamsOf, type TemplateRefInfo } from "@/lib/expressions/check-spec";
import { secrets } from "../db/schema";
import { noDeployAccountMessage } from "@/lib/cluster-access";

export interface CatalogCheckOptions {
  /** Template versions to check against (the pipeline's pins); unpinned templates use the latest. */
  pins?: TemplatePins | null;
  /** Templates the previous version already used: these may stay even when deprecated. */
  previous?: ReadonlySet<string>;
  /** The executor tasks will run on; cluster-only templates are refused on the local one. */
  executor?: "local" | "kubernetes";
  /** The project's deploy service account; null: templates that need cluster access are refused. Unset: not checked. */
  deployServiceAccount?: string | null;
}

/**
 * Checks a shape-valid spec against the catalog: templates exist, task params satisfy each
 * template's JSON Schema, and the template can run on the configured executor. Throws a 422
 * AppError listing every problem with its field path; returns the templates used (at the
 * versions checked).
 */
export async function checkSpecAgainstCatalog(
  db: DbOrTx,
  spec: PipelineSpec,
  opts: CatalogCheckOptions = {},
): Promise<Map<string, TemplateView>> {
  const found = await resolveTemplates(db, spec, opts.pins);
  const executor = opts.executor ?? config().GANTRY_EXECUTOR;
  const errors: FieldError[] = [];
  for (const { task, at, stage } of specTasks(spec)) {
    const tpl = found.get(task.template);
    if (!tpl) {
      const pin = opts.pins?.[task.template];
      errors.push({
        path: `${at}.template`,
        message: pin ? `template '${task.template}' version ${pin} no longer exists` : `unknown template '${task.template}'`,
      });
      continue;
    }
    if (tpl.deprecated && !opts.previous?.has(tpl.name)) {
      errors.push({
        path: `${at}.template`,
        message: `template '${tpl.name}' is deprecated: pipelines that use it keep it, new tasks cannot`,
      });
    }
    if (tpl.gate) {
      // An approval is asked of people once, for the run: not after it, not once per combination.
      if (!stage) errors.push({ path: `${at}.template`, message: "an approval gate cannot be a finally task" });
      if (task.matrix) errors.push({ path: `${at}.matrix`, message: "an approval gate cannot have a matrix" });
      // Not a process on any executor: the scheduler decides it, so the executor check does not apply.
      const r = validateParams(tpl.paramsSchema, task.params, `${at}.params`);
      if (!r.ok) errors.push(...r.errors);
      else errors.push(...gateProblems(r.value, `${at}.params`));
      continue;
    }
    if (executor === "local") {
      // Resources are only a request to a scheduler; these two cannot mean anything to a local process.
      for (const k of ["envFrom", "jobSpec"] as const) {
        if (task.kubernetes?.[k])
          errors.push({
            path: `${at}.kubernetes.${k}`,
            message: `${k} needs the Kubernetes executor; this project's tasks run as local processes`,
          });
      }
    }
    if (executor === "local" && !tpl.local.supported) {
      errors.push({
        path: `${at}.template`,
        message: `template '${tpl.name}' cannot run on the local executor${tpl.local.reason ? `: ${tpl.local.reason}` : ""}`,
      });
    }
    if (tpl.needsClusterAccess && opts.deployServiceAccount === null)
      errors.push({ path: `${at}.template`, message: noDeployAccountMessage(tpl.name) });
    const r = validateParams(tpl.paramsSchema, task.params, `${at}.params`, { deferRefs: true });
    if (!r.ok) errors.push(...r.errors);
  }
  if (errors.length) throw validationFailed(errors);
  return found;
}

/**
 * The spec's `{{ … }}` references and `when` conditions against the templates it uses and the
 * project's secrets (lib/expressions/check-spec.ts); 422 with each problem at its field.
 */
export async function checkSpecReferences(db: DbOrTx, projectId: string, spec: PipelineSpec, used: ReadonlyMap<string, TemplateView>) {
  const secretNames = await db.select({ name: secrets.name }).from(secrets).where(eq(secrets.projectId, projectId));
  const errors = checkSpecExpressions(spec, (name) => templateRefInfo(used.get(name)), new Set(secretNames.map((s) => s.name)));
  if (errors.length) throw validationFailed(errors);
}

export function templateRefInfo(tpl: TemplateView | undefined): TemplateRefInfo | undefined {
  return tpl && { secretParams: secretParamsOf(tpl.paramsSchema), results: (tpl.results ?? []).map((r) => r.name) };
}

/** What a schema cannot say about an approval gate: a quorum that named approvers alone can never reach. */
function gateProblems(p: Record<string, unknown>, at: string): FieldError[] {
  const approvers = Array.isArray(p.approvers) ? p.approvers.map(String) : [];
  const required = typeof p.requiredApprovals === "number" ? p.requiredApprovals : 1;
  if (approvers.some((a) => roleOfEntry(a))) return [];
  if (required > approvers.length) {
    return [
      {
        path: `${at}.requiredApprovals`,
        message: `needs ${required} approvals but names only ${approvers.length} approver${approvers.length === 1 ? "" : "s"}`,
      },
    ];
  }
  return [];
}
