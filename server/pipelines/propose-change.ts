import { randomBytes } from "node:crypto";
import { AppError, validationFailed } from "@/lib/errors";
import { applyDesignToFile } from "@/lib/pipeline-file-edit";
import { parsePipelineFile, withFileLines } from "@/lib/pipeline-file";
import type { PipelineSpec } from "@/lib/pipeline-spec";
import { FORGES, type Forge } from "@/lib/triggers";
import type { DbOrTx } from "../db/client";
import {
  commitRequest,
  fileRequest,
  forgeRepoOf,
  githubCreateRefRequest,
  githubRefRequest,
  pullRequest,
  pullUrlOf,
  repoRequest,
  type ApiRequest,
  type ForgeRepo,
} from "../forge/change-requests";
import { outboundFetch } from "../net/outbound";
import { projectRunSettings } from "../projects/projects";
import { checkSpecSecrets, resolveSecrets } from "../secrets/secrets";
import type { TemplatePins } from "./pins";
import { checkSpecAgainstCatalog } from "./validate";
import { getPipeline } from "./pipelines";

/**
 * The designer's save for a pipeline kept in its repository (`source: {from: repository}`): the
 * design is written into the file on the default branch (lib/pipeline-file-edit.ts, comments
 * and layout kept), committed to a new branch through the forge's API with the token of the
 * project secret `source.token`, and proposed as a pull/merge request, whose own run then shows
 * the change working. Nothing is saved in Gantry: the file's next push does that.
 */

export interface ProposeInput {
  /** The designer's YAML, what it would save. */
  source: string;
  message?: string;
  /** The text the design started from (default: the current version's). */
  base?: string;
  /** Who proposes it, for the pull request's text. */
  by: string;
}

export interface Proposed {
  url: string;
  branch: string;
}

export interface ProposeDeps {
  fetch?: typeof outboundFetch;
}

/** Which forge the repository is on: `source.forge`, else a forge trigger's provider, else github.com's or gitlab.com's host. */
export function forgeOf(spec: PipelineSpec): Forge | null {
  if (spec.source?.forge) return spec.source.forge;
  const trigger = spec.triggers?.find((t) => (FORGES as readonly string[]).includes(t.provider));
  if (trigger) return trigger.provider as Forge;
  const url = spec.repository?.url ?? "";
  if (/^(https:\/\/|ssh:\/\/([^@/]+@)?|[^@/]+@)github\.com[/:]/.test(url)) return "github";
  if (/^(https:\/\/|ssh:\/\/([^@/]+@)?|[^@/]+@)gitlab\.com[/:]/.test(url)) return "gitlab";
  return null;
}

const bad = (message: string) => new AppError("bad_request", message);

export async function proposePipelineChange(
  db: DbOrTx,
  pipelineId: string,
  input: ProposeInput,
  deps: ProposeDeps = {},
): Promise<Proposed> {
  const p = await getPipeline(db, pipelineId);
  const src = p.spec.source;
  if (!src) throw bad(`pipeline '${p.name}' is kept in Gantry, not in its repository: save it instead`);
  if (!src.token) throw bad("source.token names no project secret: set it to a secret holding a forge API token to propose changes");
  const forge = forgeOf(p.spec);
  if (!forge) throw bad(`cannot tell which forge ${p.spec.repository?.url} is on: set source.forge (${FORGES.join(", ")})`);
  const repo = forgeRepoOf(forge, p.spec.repository?.url ?? "", src.apiUrl);
  if (!repo)
    throw bad(`cannot find the ${forge} repository of ${p.spec.repository?.url}: set source.apiUrl, or use the repository's https:// URL`);
  const token = (await resolveSecrets(db, pipelineId, [src.token]))[src.token];
  const call = caller(repo, deps);

  const info = await call<{ default_branch?: string }>("reading the repository", repoRequest(repo, token));
  const from = info.default_branch;
  if (!from) throw bad(`the ${forge} repository names no default branch`);
  const file = await call<{ content?: string; sha?: string }>(`reading ${src.path} on ${from}`, fileRequest(repo, token, src.path, from));
  const text = Buffer.from(file.content ?? "", "base64").toString("utf8");

  // Only what the designer changed from the version it loaded: a commit since then is not undone.
  const edit = applyDesignToFile(text, input.source, input.base ?? p.source ?? undefined);
  if (!edit.ok) throw bad(edit.message);
  if (!edit.changed) throw bad(`nothing to propose: ${src.path} on ${from} already says what the design says`);
  const parsed = parsePipelineFile(edit.text, p.spec);
  if (!parsed.ok) throw validationFailed(parsed.errors, "pipeline file");
  await checkAsSaved(db, p.project.id, p.templates, parsed.spec, edit.text);

  const branch = `gantry/${p.name}-${randomBytes(3).toString("hex")}`;
  const title = input.message?.trim() || `Update ${src.path} (pipeline ${p.name})`;
  if (forge === "github") {
    const head = await call<{ object?: { sha?: string } }>(`reading ${from}`, githubRefRequest(repo, token, from));
    if (!head.object?.sha) throw bad(`GitHub named no commit for ${from}`);
    await call("creating the branch", githubCreateRefRequest(repo, token, branch, head.object.sha));
  }
  await call(
    "committing the file",
    commitRequest(repo, token, {
      path: src.path,
      text: edit.text,
      message: title,
      from,
      branch,
      sha: forge === "gitlab" ? "" : (file.sha ?? null),
    }),
  );
  const body = `Proposed by ${input.by} in Gantry's pipeline designer, for the pipeline \`${p.name}\` (${src.path}). This request's own run shows the change working.`;
  const pr = await call<unknown>("opening the pull request", pullRequest(repo, token, { branch, into: from, title, body }));
  const url = pullUrlOf(forge, pr);
  if (!url) throw bad(`the ${forge} answer names no page of the pull request`);
  return { url, branch };
}

/** The catalog and the secrets, checked as the file's next push will save it; problems carry the file's lines. */
async function checkAsSaved(db: DbOrTx, projectId: string, pins: TemplatePins | null, spec: PipelineSpec, text: string) {
  try {
    const used = await checkSpecAgainstCatalog(db, spec, { pins, ...(await projectRunSettings(db, projectId)) });
    await checkSpecSecrets(db, projectId, spec, used);
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "validation_failed") throw e;
    throw validationFailed(withFileLines(text, e.details?.errors ?? []), "pipeline file");
  }
}

/** Sends a request through the outbound guard; a refusal becomes a 400 that quotes the forge. */
function caller(repo: ForgeRepo, deps: ProposeDeps) {
  return async <T>(what: string, req: ApiRequest): Promise<T> => {
    const res = await (deps.fetch ?? outboundFetch)(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ? JSON.stringify(req.body) : undefined,
      timeoutMs: 20_000,
      maxBytes: 4 * 1024 * 1024,
    });
    const answer = await res.text();
    if (!res.ok) throw bad(`${what} failed: ${repo.forge} answered ${res.status}: ${answer.slice(0, 300)}`);
    try {
      return (answer ? JSON.parse(answer) : {}) as T;
    } catch {
      throw bad(`${what}: ${repo.forge} answered with something that is not JSON`);
    }
  };
}
