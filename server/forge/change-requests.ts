import type { Forge } from "@/lib/triggers";
import { authHeaders, repoPath } from "./requests";
import { apiBase } from "./target";

/**
 * The HTTP requests that propose a changed pipeline file as a pull/merge request, in each forge's
 * published shape: read the repository's default branch and the file on it, put the new file on a
 * new branch (Gitea: one contents call with `new_branch`; GitHub: create the ref, then the
 * contents call; GitLab: one commit with `start_branch`), then open the pull/merge request. Pure:
 * server/pipelines/propose-change.ts sends them.
 */

/** A repository as its forge's API names it. */
export interface ForgeRepo {
  forge: Forge;
  /** API base without a trailing slash. */
  api: string;
  /** `owner/name` (GitHub, Gitea) or the URL-encoded project path or id (GitLab). */
  repo: string;
}

export interface ApiRequest {
  method: "GET" | "POST" | "PUT";
  url: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

const base = (r: ForgeRepo) => `${r.api}/${repoPath(r)}`;
const segments = (path: string) =>
  path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The repository itself: its `default_branch`. */
export const repoRequest = (r: ForgeRepo, token: string): ApiRequest => ({
  method: "GET",
  url: base(r),
  headers: authHeaders(r.forge, token),
});

/** The file at `ref`: base64 `content` (and GitHub's and Gitea's blob `sha`, needed to replace it). */
export function fileRequest(r: ForgeRepo, token: string, path: string, ref: string): ApiRequest {
  const where = r.forge === "gitlab" ? `repository/files/${encodeURIComponent(path)}` : `contents/${segments(path)}`;
  return { method: "GET", url: `${base(r)}/${where}?ref=${encodeURIComponent(ref)}`, headers: authHeaders(r.forge, token) };
}

/** GitHub only: the commit a branch points at (`object.sha`), to start the new branch from. */
export const githubRefRequest = (r: ForgeRepo, token: string, branch: string): ApiRequest => ({
  method: "GET",
  url: `${base(r)}/git/ref/heads/${segments(branch)}`,
  headers: authHeaders(r.forge, token),
});

/** GitHub only: creates `branch` at `sha`. */
export const githubCreateRefRequest = (r: ForgeRepo, token: string, branch: string, sha: string): ApiRequest => ({
  method: "POST",
  url: `${base(r)}/git/refs`,
  headers: authHeaders(r.forge, token),
  body: { ref: `refs/heads/${branch}`, sha },
});

export interface FileCommit {
  path: string;
  text: string;
  message: string;
  /** The branch the change starts from (the default branch). */
  from: string;
  /** The new branch the commit goes on. */
  branch: string;
  /** The blob sha of the file being replaced (GitHub, Gitea); null when the file is new. */
  sha: string | null;
}

/** Commits the file to the new branch (on GitHub the branch must exist already: githubCreateRefRequest). */
export function commitRequest(r: ForgeRepo, token: string, c: FileCommit): ApiRequest {
  const headers = authHeaders(r.forge, token);
  if (r.forge === "gitlab")
    return {
      method: "POST",
      url: `${base(r)}/repository/commits`,
      headers,
      body: {
        branch: c.branch,
        start_branch: c.from,
        commit_message: c.message,
        actions: [{ action: c.sha === null ? "create" : "update", file_path: c.path, content: c.text }],
      },
    };
  const url = `${base(r)}/contents/${segments(c.path)}`;
  const sha = c.sha === null ? {} : { sha: c.sha };
  if (r.forge === "github")
    return { method: "PUT", url, headers, body: { message: c.message, content: b64(c.text), branch: c.branch, ...sha } };
  // Gitea: POST creates a file, PUT replaces one; either may start a new branch from `branch`.
  return {
    method: c.sha === null ? "POST" : "PUT",
    url,
    headers,
    body: { message: c.message, content: b64(c.text), branch: c.from, new_branch: c.branch, ...sha },
  };
}

/** Opens the pull/merge request from `branch` into `into`; the answer's `html_url` (`web_url` on GitLab) is its page. */
export function pullRequest(r: ForgeRepo, token: string, p: { branch: string; into: string; title: string; body: string }): ApiRequest {
  const headers = authHeaders(r.forge, token);
  if (r.forge === "gitlab")
    return {
      method: "POST",
      url: `${base(r)}/merge_requests`,
      headers,
      body: { source_branch: p.branch, target_branch: p.into, title: p.title, description: p.body },
    };
  return { method: "POST", url: `${base(r)}/pulls`, headers, body: { head: p.branch, base: p.into, title: p.title, body: p.body } };
}

/** The page of the opened request, from the forge's answer. */
export function pullUrlOf(forge: Forge, answer: unknown): string | null {
  const a = (answer && typeof answer === "object" ? answer : {}) as Record<string, unknown>;
  const url = forge === "gitlab" ? a.web_url : a.html_url;
  return typeof url === "string" && /^https?:\/\//.test(url) ? url : null;
}

/**
 * Where a repository URL's forge API is: `https://host/sub/owner/name(.git)`, `ssh://git@host/owner/name`
 * or `git@host:owner/name`. GitHub and Gitea name the repository by its last two segments (what is
 * before is the forge's own path); GitLab by the whole path (groups nest), its root at the host.
 * `apiUrl` wins over the derived API base. Null when the URL says neither (file:///).
 */
export function forgeRepoOf(forge: Forge, repositoryUrl: string, apiUrl?: string): ForgeRepo | null {
  let host: string;
  let path: string;
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(.+)$/.exec(repositoryUrl);
  if (scp) [host, path] = [scp[1], scp[2]];
  else {
    let u: URL;
    try {
      u = new URL(repositoryUrl);
    } catch {
      return null;
    }
    if (!["https:", "http:", "ssh:"].includes(u.protocol) || !u.hostname) return null;
    // An ssh port is not the web's; an https one is.
    host = u.protocol === "ssh:" ? u.hostname : u.host;
    path = decodeURIComponent(u.pathname);
  }
  const parts = path
    .replace(/\.git\/?$/, "")
    .split("/")
    .filter(Boolean);
  if (parts.length < 2) return null;
  const own = forge === "gitlab" ? [] : parts.slice(0, -2);
  const repo = forge === "gitlab" ? encodeURIComponent(parts.join("/")) : parts.slice(-2).join("/");
  const api = apiUrl?.replace(/\/+$/, "") ?? apiBase(forge, new URL(`https://${host}${own.length ? `/${own.join("/")}` : ""}`));
  return { forge, api, repo };
}
