import { z } from "zod";

/**
 * The pipeline's repository (its spec's `repository`): cloned into the run's workspace before
 * its first task, by the clone init container in Kubernetes mode and by the same script in
 * local mode. URL, revision and directory reach git as arguments, never as shell text.
 */

const text = (what: string) => z.string({ error: (i) => (i.input === undefined ? "required" : `${what} must be a string`) });

/** https://host/path, ssh://[user@]host[:port]/path, user@host:path (scp style), file:///path. */
const URL_FORMS = [/^https:\/\/[^/\s@]+(@[^/\s@]+)?\/\S+$/, /^ssh:\/\/([^@/\s]+@)?[^@/\s]+\/\S+$/, /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s/]\S*$/, /^file:\/\/\/\S+$/];
export const REPOSITORY_URL_MESSAGE = "must be an https://, ssh://, git@host:path or file:/// URL";

export const repositoryUrl = text("url")
  .min(1, "required")
  .max(2000, "must be at most 2,000 characters")
  .refine((u) => !/[\u0000-\u001f\u007f]/.test(u), "must not contain control characters")
  .refine((u) => URL_FORMS.some((re) => re.test(u)), REPOSITORY_URL_MESSAGE)
  // The spec is readable by every member of the project and shows in every BuildJob.
  .refine((u) => !/^https:\/\/[^/@]*:[^/@]*@/.test(u), "must not hold a password or token: use a URL without credentials");

/** `{{params.NAME}}`: a pipeline param's value at run time, as in templates' commands. */
export const PARAM_REF = /\{\{\s*params\.([A-Za-z0-9_]+)\s*\}\}/g;

/** Why a revision (after params are filled in) cannot be given to git, or null. */
export function revisionProblem(rev: string): string | null {
  if (rev.length > 250) return "must be at most 250 characters";
  // A leading '-' would reach git as an option.
  if (rev.startsWith("-")) return "must not start with '-'";
  if (/[\s\u0000-\u001f\u007f]/.test(rev)) return "must not contain spaces or control characters";
  // No ref or commit has one; given to `git fetch` it would name a destination ref.
  if (rev.includes(":")) return "must not contain ':'";
  return null;
}

export const repositoryRevision = text("revision").superRefine((rev, ctx) => {
  // Placeholders stand for a value checked when the run is created.
  const problem = revisionProblem(rev.replace(PARAM_REF, "x"));
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const SEGMENT = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
export const repositoryDir = text("dir")
  .min(1, "required")
  .max(200, "must be at most 200 characters")
  .refine(
    (d) => d.split("/").every((s) => SEGMENT.test(s) && s !== "." && s !== ".."),
    "must be a relative path inside the workspace: letters, digits, '.', '_', '-' and '/', no '.' or '..' parts",
  );

export const DEFAULT_REPOSITORY_DIR = "src";

export const RepositorySpecSchema = z.strictObject({
  url: repositoryUrl.meta({ description: "https://, ssh://, git@host:path or file:/// URL of the repository, without credentials" }),
  /**
   * Branch, tag or commit, may use `{{params.NAME}}`. A run started by a webhook of this same
   * repository checks out the event's commit instead; empty (or absent): the default branch.
   */
  revision: repositoryRevision.meta({ description: "Branch, tag or commit ({{params.NAME}} allowed); a webhook of this repository checks out its own commit; default: the default branch" }).optional(),
  /** Directory of the checkout inside the workspace. */
  dir: repositoryDir.default(DEFAULT_REPOSITORY_DIR).meta({ description: "Directory of the checkout in the workspace" }),
}).meta({ description: "Cloned into the run's workspace before every task (docs/repository.md)" });
export type RepositorySpec = z.output<typeof RepositorySpecSchema>;

/** The pipeline params a revision refers to. */
export const paramRefs = (s: string): string[] => [...s.matchAll(PARAM_REF)].map((m) => m[1]);

/**
 * host/path of a repository URL, lower-cased, without user, port, scheme or `.git`: the same
 * repository however a provider and a spec spell it (`https://github.com/a/b.git`, `git@github.com:a/b`).
 */
export function repositoryKey(url: string): string | null {
  const u = url.trim();
  const m =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+)$/i.exec(u) ??
    /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(u) ??
    /^file:\/\/()(\/.+)$/i.exec(u);
  if (!m) return null;
  const path = m[2].replace(/\/+$/, "").replace(/\.git$/i, "").replace(/^\/+/, "");
  return `${m[1].toLowerCase()}/${path.toLowerCase()}`;
}

export const sameRepository = (a: string, b: string): boolean => {
  const ka = repositoryKey(a);
  return ka !== null && ka === repositoryKey(b);
};

/** The parts of a trigger event (server/hooks) the checkout depends on. */
export interface SourceEvent {
  repoUrl?: string | null;
  sha?: string | null;
  branch?: string | null;
  tag?: string | null;
}

/** What every task of a run checks out: the frozen `source.git` of its plan. */
export interface GitSource {
  url: string;
  revision: string;
  dir: string;
}

export type ResolveResult = { ok: true; source: GitSource | null } | { ok: false; errors: { path: string; message: string }[] };

/**
 * The checkout of a run: the spec's repository at the event's commit when a webhook of that same
 * repository started the run, else at the spec's revision with params filled in, else at the
 * default branch (`HEAD`). No `repository` in the spec: nothing is checked out.
 */
export function resolveSource(repository: RepositorySpec | undefined, params: Record<string, string>, event?: SourceEvent | null): ResolveResult {
  if (!repository) return { ok: true, source: null };
  const dir = repository.dir ?? DEFAULT_REPOSITORY_DIR;
  if (event?.repoUrl && sameRepository(event.repoUrl, repository.url)) {
    const rev = event.sha || event.tag || event.branch;
    // Event text is untrusted: it must pass the same check as a spec's revision.
    if (rev && !revisionProblem(rev)) return { ok: true, source: { url: repository.url, revision: rev, dir } };
  }
  const spec = repository.revision ?? "";
  const errors: { path: string; message: string }[] = [];
  for (const name of paramRefs(spec)) {
    const problem = params[name] ? revisionProblem(params[name]) : null;
    if (problem) errors.push({ path: `params.${name}`, message: `used in repository.revision: ${problem}` });
  }
  if (errors.length) return { ok: false, errors };
  const rev = spec.replace(PARAM_REF, (_, name: string) => params[name] ?? "").trim();
  const problem = rev ? revisionProblem(rev) : null;
  if (problem) return { ok: false, errors: [{ path: "repository.revision", message: `'${rev}' with the run's params ${problem}` }] };
  return { ok: true, source: { url: repository.url, revision: rev || "HEAD", dir } };
}
