import type { PipelineDoc } from "../types";

type RepositoryDoc = NonNullable<PipelineDoc["repository"]>;
type CredentialsDoc = NonNullable<RepositoryDoc["credentials"]>;

/**
 * Sets fields of the pipeline's repository (the checkout before every task). An empty revision
 * or directory is dropped, so the default applies and the YAML only says what the user set; with
 * no URL and nothing else left, or `patch: null`, the repository goes and runs clone nothing.
 * `credentials` is merged field by field the same way (names of project secrets, never values);
 * with no field left it goes, and the repository is public again.
 */
export interface SetRepository {
  type: "setRepository";
  patch: { url?: string; revision?: string; dir?: string; credentials?: Partial<CredentialsDoc> | null } | null;
}

export function setRepository(doc: PipelineDoc, op: SetRepository): PipelineDoc {
  const { repository: current, ...rest } = doc;
  if (op.patch === null) return rest;
  const { credentials, ...fields } = op.patch;
  const next: RepositoryDoc = { ...(current ?? { url: "" }), ...fields };
  if (!next.revision) delete next.revision;
  if (!next.dir) delete next.dir;
  if (credentials !== undefined) {
    const given: Record<string, string | undefined> = credentials === null ? {} : { ...next.credentials, ...credentials };
    const merged = Object.fromEntries(Object.entries(given).filter(([, v]) => v));
    if (Object.keys(merged).length) next.credentials = merged as CredentialsDoc;
    else delete next.credentials;
  }
  if (!next.url && next.revision === undefined && next.dir === undefined && next.credentials === undefined) return rest;
  if (current) return { ...doc, repository: next };
  // A new key goes where the README puts it: after the pipeline's own fields, before triggers and stages.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (!("repository" in out) && LATER.has(k)) out.repository = next;
    out[k] = v;
  }
  if (!("repository" in out)) out.repository = next;
  return out as PipelineDoc;
}

const LATER = new Set(["triggers", "notifications", "stages"]);
