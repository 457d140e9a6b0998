import { AppError } from "@/lib/errors";
import { describeFileErrors, parsePipelineFile, sameSpec, withFileLines } from "@/lib/pipeline-file";
import type { FieldError } from "@/lib/pipeline-spec";
import { resolveSource, type SourceEvent } from "@/lib/repository";
import type { Db } from "../db/client";
import { getPipeline, savePipelineVersion } from "./pipelines";
import { readRepositoryFile, RepositoryFileError } from "./repository-file";

/**
 * Pipeline as code: before a run of a pipeline with `source: {from: repository}`, its file is
 * read at the event's commit (or, for a manual run, at the pipeline's revision), validated as
 * the editor validates a save, and saved as a new version when it says something new.
 */

export type FileSync =
  { ok: true; version: number; changed: boolean } | { ok: false; version: number; message: string; errors: FieldError[] };

/** What of a trigger event the read depends on: its repository and commit, and the commits' links. */
export type FileEvent = SourceEvent & { commits?: { sha: string; url?: string }[] };

/** null: the pipeline is not kept in its repository. */
export async function syncPipelineFile(
  db: Db,
  pipelineId: string,
  opts: { event?: FileEvent | null; params?: Record<string, string>; ref?: string | null } = {},
): Promise<FileSync | null> {
  const p = await getPipeline(db, pipelineId);
  const from = p.spec.source;
  if (!from) return null;
  const failed = (message: string, errors: FieldError[]): FileSync => ({ ok: false, version: p.version, message, errors });
  const checkout = resolveSource(p.spec.repository, { ...defaults(p.spec.params), ...opts.params }, opts.event, opts.ref);
  if (!checkout.ok) return failed(`cannot tell which revision to read ${from.path} at`, checkout.errors);
  if (!checkout.source) return failed(`${from.path} cannot be read: the pipeline has no repository`, []);
  let file;
  try {
    file = await readRepositoryFile(db, pipelineId, checkout.source, from.path);
  } catch (e) {
    if (!(e instanceof RepositoryFileError)) throw e;
    return failed(e.message, [{ path: "", message: e.message }]);
  }
  const at = `${from.path} at ${file.sha.slice(0, 12)}`;
  const parsed = parsePipelineFile(file.text, p.spec);
  if (!parsed.ok) return failed(invalid(at, from.path, parsed.errors), parsed.errors);
  if (sameSpec(parsed.spec, p.spec)) return { ok: true, version: p.version, changed: false };
  const url = opts.event?.commits?.find((c) => c.sha === file.sha)?.url;
  try {
    const saved = await savePipelineVersion(db, pipelineId, {
      spec: parsed.spec,
      source: parsed.source,
      message: file.subject,
      userId: null,
      commit: { sha: file.sha, author: file.author, ...(file.email ? { email: file.email } : {}), ...(url ? { url } : {}) },
    });
    return { ok: true, version: saved.version, changed: true };
  } catch (e) {
    // The catalog, secrets and references are checked by the save, as for the editor.
    if (!(e instanceof AppError) || e.code !== "validation_failed") throw e;
    const errors = withFileLines(file.text, fieldErrors(e));
    return failed(invalid(at, from.path, errors), errors);
  }
}

const defaults = (params: { name: string; default?: string }[]) =>
  Object.fromEntries(params.flatMap((x) => (x.default !== undefined ? [[x.name, x.default]] : [])));

function invalid(at: string, path: string, errors: FieldError[]): string {
  const n = errors.length;
  return `${at} is not a valid pipeline (${n} problem${n === 1 ? "" : "s"}):\n${describeFileErrors(path, errors)}`;
}

function fieldErrors(e: AppError): FieldError[] {
  const list = (e.details as { errors?: FieldError[] } | undefined)?.errors;
  return list?.length ? list : [{ path: "", message: e.message }];
}
