import { z } from "zod";
import { hasControlChars } from "./control-chars";

/**
 * The pipeline's repository (its spec's `repository`): cloned into the run's workspace before
 * its first task, by the clone init container in Kubernetes mode and by the same script in
 * local mode. URL, revision and directory reach git as arguments, never as shell text.
 */

const text = (what: string) => z.string({ error: (i) => (i.input === undefined ? "required" : `${what} must be a string`) });

/** https://host/path, ssh://[user@]host[:port]/path, user@host:path (scp style), file:///path. */
const URL_FORMS = [
  /^https:\/\/[^/\s@]+(@[^/\s@]+)?\/\S+$/,
  /^ssh:\/\/([^@/\s]+@)?[^@/\s]+\/\S+$/,
  /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s/]\S*$/,
  /^file:\/\/\/\S+$/,
];
export const REPOSITORY_URL_MESSAGE = "must be an https://, ssh://, git@host:path or file:/// URL";

export const repositoryUrl = text("url")
  .min(1, "required")
  .max(2000, "must be at most 2,000 characters")
  .refine((u) => !hasControlChars(u), "must not contain control characters")
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
  if (/\s/.test(rev) || hasControlChars(rev)) return "must not contain spaces or control characters";
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

/** Where a pipeline kept in its repository lives (`source.path`), by default. */
export const DEFAULT_PIPELINE_FILE = ".gantry.yaml";

/** A file of the repository: a relative path with the same safe characters as `dir`. */
export const repositoryFilePath = text("path")
  .min(1, "required")
  .max(200, "must be at most 200 characters")
  .refine(
    (d) => d.split("/").every((s) => SEGMENT.test(s) && s !== "." && s !== ".."),
    "must be a relative path in the repository: letters, digits, '.', '_', '-' and '/', no '.' or '..' parts",
  );

/** What an HTTPS credential's user name is when neither the spec nor the URL gives one; GitHub, Gitea and GitLab take any with a token. */
export const DEFAULT_GIT_USERNAME = "x-access-token";

const secretRef = (what: string) => text(what).regex(/^[A-Z_][A-Z0-9_]*$/, "must name a project secret: [A-Z_][A-Z0-9_]*");

/**
 * Names of project secrets, never values: `secret` (a token or password, with `username`) for an
 * https:// URL, `sshKey` (a private key, with `knownHosts`) for an ssh:// or scp-style URL.
 */
export const RepositoryCredentialsSchema = z
  .strictObject({
    secret: secretRef("secret").meta({ description: "Project secret holding the token or password (https:// URLs)" }).optional(),
    username: text("username")
      .min(1, "required")
      .max(200, "must be at most 200 characters")
      .refine((u) => !/[\s:@/]/.test(u) && !hasControlChars(u), "must not contain spaces, control characters, ':', '@' or '/'")
      .meta({ description: `User name sent with the token (default: the URL's user, else ${DEFAULT_GIT_USERNAME})` })
      .optional(),
    sshKey: secretRef("sshKey").meta({ description: "Project secret holding a private key (ssh:// and git@host:path URLs)" }).optional(),
    knownHosts: secretRef("knownHosts")
      .meta({ description: "Project secret holding known_hosts lines for the server; without it the host key is accepted unchecked" })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.secret === undefined && c.sshKey === undefined)
      ctx.addIssue({ code: "custom", message: "give either secret (a token for an https:// URL) or sshKey (for an ssh URL)" });
    if (c.secret !== undefined && c.sshKey !== undefined)
      ctx.addIssue({ code: "custom", path: ["sshKey"], message: "give either secret or sshKey, not both" });
    if (c.username !== undefined && c.secret === undefined)
      ctx.addIssue({ code: "custom", path: ["username"], message: "goes with secret (an https:// token), not with sshKey" });
    if (c.knownHosts !== undefined && c.sshKey === undefined)
      ctx.addIssue({ code: "custom", path: ["knownHosts"], message: "goes with sshKey, not with secret" });
  })
  .meta({ description: "Project secrets the clone uses for a private repository (docs/repository.md)" });
export type RepositoryCredentials = z.output<typeof RepositoryCredentialsSchema>;

/** Which kind of credential a repository URL takes: a token (https), a key (ssh, scp style) or none (file). */
export function credentialKind(url: string): "https" | "ssh" | "none" {
  if (/^https:\/\//i.test(url)) return "https";
  if (/^file:\/\//i.test(url)) return "none";
  return "ssh";
}

/** The user an https:// URL names (`https://bob@host/…`), if any. */
const urlUser = (url: string) => /^https:\/\/([^/@]+)@/i.exec(url)?.[1];

/** The project secrets the clone of this repository needs, by name. */
export const credentialSecretNames = (c: Pick<RepositoryCredentials, "secret" | "sshKey" | "knownHosts"> | undefined): string[] =>
  c ? [c.secret, c.sshKey, c.knownHosts].filter((n): n is string => !!n) : [];

export const RepositorySpecSchema = z
  .strictObject({
    url: repositoryUrl.meta({ description: "https://, ssh://, git@host:path or file:/// URL of the repository, without credentials" }),
    /**
     * Branch, tag or commit, may use `{{params.NAME}}`. A run started by a webhook of this same
     * repository checks out the event's commit instead; empty (or absent): the default branch.
     */
    revision: repositoryRevision
      .meta({
        description:
          "Branch, tag or commit ({{params.NAME}} allowed); a webhook of this repository checks out its own commit; default: the default branch",
      })
      .optional(),
    /** Directory of the checkout inside the workspace. */
    dir: repositoryDir.default(DEFAULT_REPOSITORY_DIR).meta({ description: "Directory of the checkout in the workspace" }),
    credentials: RepositoryCredentialsSchema.optional(),
  })
  .superRefine((r, ctx) => {
    const c = r.credentials;
    if (!c) return;
    const kind = credentialKind(r.url);
    if (kind === "none") ctx.addIssue({ code: "custom", path: ["credentials"], message: "a file:/// repository takes no credentials" });
    else if (kind === "https" && c.sshKey !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["credentials", "sshKey"],
        message: "an ssh key needs an ssh:// or git@host:path URL; an https:// URL takes secret (a token)",
      });
    else if (kind === "ssh" && c.secret !== undefined)
      ctx.addIssue({ code: "custom", path: ["credentials", "secret"], message: "a token needs an https:// URL; an ssh URL takes sshKey" });
    const user = urlUser(r.url);
    if (kind === "https" && user && c.username !== undefined && c.username !== user) {
      ctx.addIssue({
        code: "custom",
        path: ["credentials", "username"],
        message: `the URL already names user '${user}': drop one of them`,
      });
    }
  })
  .meta({ description: "Cloned into the run's workspace before every task (docs/repository.md)" });
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
  const path = m[2]
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .replace(/^\/+/, "");
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
  /** Names of the project secrets the clone uses (values are resolved when the task starts), and the https user name. */
  credentials?: GitSourceCredentials;
}

export interface GitSourceCredentials {
  /** Project secret with the token or password (https). */
  secret?: string;
  username?: string;
  /** Project secret with the private key (ssh). */
  sshKey?: string;
  /** Project secret with known_hosts lines (ssh). */
  knownHosts?: string;
}

/** The plan's credentials: names only; an https token gets its user name now (the spec's, else none when the URL has one, else the default). */
function planCredentials(repository: RepositorySpec): GitSourceCredentials | undefined {
  const c = repository.credentials;
  if (!c) return undefined;
  if (c.secret)
    return { secret: c.secret, ...(urlUser(repository.url) && !c.username ? {} : { username: c.username ?? DEFAULT_GIT_USERNAME }) };
  return { sshKey: c.sshKey, ...(c.knownHosts ? { knownHosts: c.knownHosts } : {}) };
}

export type ResolveResult = { ok: true; source: GitSource | null } | { ok: false; errors: { path: string; message: string }[] };

/**
 * The checkout of a run: the spec's repository at the event's commit when a webhook of that same
 * repository started the run, else at the spec's revision with params filled in, else at the
 * default branch (`HEAD`). No `repository` in the spec: nothing is checked out.
 */
export function resolveSource(
  repository: RepositorySpec | undefined,
  params: Record<string, string>,
  event?: SourceEvent | null,
  ref?: string | null,
): ResolveResult {
  if (!repository) return { ok: true, source: null };
  const dir = repository.dir ?? DEFAULT_REPOSITORY_DIR;
  const credentials = planCredentials(repository);
  const withCredentials = (src: GitSource): GitSource => (credentials ? { ...src, credentials } : src);
  if (event?.repoUrl && sameRepository(event.repoUrl, repository.url)) {
    const rev = event.sha || event.tag || event.branch;
    // Event text is untrusted: it must pass the same check as a spec's revision.
    if (rev && !revisionProblem(rev)) return { ok: true, source: withCredentials({ url: repository.url, revision: rev, dir }) };
  }
  // A run started for a branch or tag (the Run dialog, the API's `ref`, a schedule's) builds it.
  if (ref && !event) {
    const rev = ref.replace(/^refs\/(heads|tags)\//, "");
    const problem = revisionProblem(rev);
    if (problem) return { ok: false, errors: [{ path: "ref", message: `'${ref}' ${problem}` }] };
    return { ok: true, source: withCredentials({ url: repository.url, revision: rev, dir }) };
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
  return { ok: true, source: withCredentials({ url: repository.url, revision: rev || "HEAD", dir }) };
}

/**
 * The branch or tag a run started by hand is for, before the user changes it: the repository's
 * `revision` when it is a plain branch or tag. Unknown (undefined) when it is a commit, depends on
 * a param, or is absent (the forge's default branch, which Gantry learns only from a webhook).
 */
export function defaultRunRef(repository: { revision?: string } | undefined): string | undefined {
  const rev = repository?.revision?.trim();
  if (!rev || rev === "HEAD" || paramRefs(rev).length || /^[0-9a-f]{40}$/i.test(rev)) return undefined;
  return rev.replace(/^refs\/heads\//, "");
}
