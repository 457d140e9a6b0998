import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { get, put } from "./api-helpers";
import { gitEnv } from "./git-env";

/**
 * Typed helpers over the REST API of the Gitea the test set-up starts (scripts/lib/tools/gitea.ts):
 * users, repositories, webhooks, branches, pull requests and commit statuses, as a forge's users
 * and Gantry would make them. `npm test` sets GANTRY_TEST_GITEA_URL and the admin's token.
 */

export interface GiteaEnv {
  /** `https://127.0.0.1:PORT/` */
  url: string;
  admin: string;
  token: string;
  /** The test CA that signed its certificate (Node trusts it through NODE_EXTRA_CA_CERTS; gitAs gives it to git). */
  ca: string;
}

/** The running Gitea, or null when the set-up could not start one (no Go): suites skip then, except under CI. */
export function giteaEnv(): GiteaEnv | null {
  const url = process.env.GANTRY_TEST_GITEA_URL;
  const token = process.env.GANTRY_TEST_GITEA_TOKEN;
  const admin = process.env.GANTRY_TEST_GITEA_ADMIN;
  const ca = process.env.GANTRY_TEST_GITEA_CA;
  if (!url || !token || !admin || !ca) {
    if (process.env.CI === "true") throw new Error("GANTRY_TEST_GITEA_URL is not set: the Gitea suites cannot run under CI");
    return null;
  }
  return { url: url.endsWith("/") ? url : `${url}/`, admin, token, ca };
}

export interface GiteaUser {
  id: number;
  login: string;
  email: string;
}
export interface GiteaRepo {
  id: number;
  name: string;
  full_name: string;
  owner: GiteaUser;
  private: boolean;
  default_branch: string;
  clone_url: string;
  html_url: string;
}
export interface GiteaHook {
  id: number;
  type: string;
  active: boolean;
  events: string[];
  config: { url: string; content_type: string };
}
export interface GiteaBranch {
  name: string;
  commit: { id: string; message: string };
}
export interface GiteaPull {
  id: number;
  number: number;
  state: string;
  title: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
}
export type GiteaStatusState = "pending" | "success" | "error" | "failure" | "warning";
export interface GiteaStatus {
  id: number;
  status: GiteaStatusState;
  context: string;
  target_url: string;
  description: string;
  creator: GiteaUser;
}

/** A Gitea user to act as: the admin, or a user made with `createUser`. */
export interface Actor {
  login: string;
  token: string;
}

/** Calls Gitea's API as `as` (the admin by default); throws with Gitea's answer unless it is 2xx. */
export async function giteaApi<T>(env: GiteaEnv, method: string, path: string, body?: unknown, as?: Actor): Promise<T> {
  const res = await fetch(`${env.url}api/v1${path}`, {
    method,
    headers: {
      authorization: `token ${as?.token ?? env.token}`,
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Gitea ${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const adminOf = (env: GiteaEnv): Actor => ({ login: env.admin, token: env.token });

/** A new user (through the admin API) with an API token of all scopes. */
export async function createUser(env: GiteaEnv, prefix = "dev"): Promise<Actor & { password: string }> {
  const login = `${prefix}-${randomBytes(4).toString("hex")}`;
  const password = randomBytes(18).toString("base64url");
  await giteaApi<GiteaUser>(env, "POST", "/admin/users", {
    username: login,
    email: `${login}@example.test`,
    password,
    must_change_password: false,
  });
  // A user's tokens are made with the user's own password (basic auth), not the admin's token.
  const res = await fetch(`${env.url}api/v1/users/${login}/tokens`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "gantry-tests", scopes: ["all"] }),
  });
  if (res.status !== 201) throw new Error(`creating ${login}'s token answered ${res.status}: ${await res.text()}`);
  const { sha1 } = (await res.json()) as { sha1: string };
  return { login, token: sha1, password };
}

/** A repository of `owner` with one commit on `main` (Gitea's own initial README commit). */
export function createRepo(env: GiteaEnv, owner: Actor, name: string, opts: { private?: boolean } = {}): Promise<GiteaRepo> {
  return giteaApi<GiteaRepo>(
    env,
    "POST",
    "/user/repos",
    { name, private: opts.private ?? false, auto_init: true, default_branch: "main", readme: "Default" },
    owner,
  );
}

/** Adds (or replaces) a file on a branch through the contents API, as a commit of `as`; returns the commit's sha. */
export async function putFile(env: GiteaEnv, repo: GiteaRepo, as: Actor, file: string, content: string, message: string, branch = "main") {
  const path = `/repos/${repo.full_name}/contents/${file.split("/").map(encodeURIComponent).join("/")}`;
  // The file's blob sha when it exists on the branch (a replacement must name it), else a new file.
  const existing = await giteaApi<{ sha: string }>(env, "GET", `${path}?ref=${encodeURIComponent(branch)}`, undefined, as).catch(
    () => null,
  );
  const body = { content: Buffer.from(content).toString("base64"), message, branch, ...(existing && { sha: existing.sha }) };
  const r = await giteaApi<{ commit: { sha: string } }>(env, existing ? "PUT" : "POST", path, body, as);
  return r.commit.sha;
}

/**
 * A webhook on the repository that Gitea delivers to `url`, signed with `secret`. Type `gitea`
 * sends Gitea's payloads with GitHub's headers too (X-GitHub-Event, X-Hub-Signature-256);
 * `gogs` and `github`… are Gitea's other formats.
 */
export function createWebhook(
  env: GiteaEnv,
  repo: GiteaRepo,
  o: { url: string; secret: string; type?: "gitea" | "gogs"; events?: string[]; branchFilter?: string },
): Promise<GiteaHook> {
  return giteaApi<GiteaHook>(env, "POST", `/repos/${repo.full_name}/hooks`, {
    type: o.type ?? "gitea",
    active: true,
    events: o.events ?? ["push"],
    branch_filter: o.branchFilter ?? "*",
    config: { url: o.url, content_type: "json", secret: o.secret },
  });
}

export function createBranch(env: GiteaEnv, repo: GiteaRepo, name: string, from = "main"): Promise<GiteaBranch> {
  return giteaApi<GiteaBranch>(env, "POST", `/repos/${repo.full_name}/branches`, { new_branch_name: name, old_ref_name: from });
}

export function openPullRequest(
  env: GiteaEnv,
  repo: GiteaRepo,
  o: { head: string; base?: string; title: string; body?: string },
  as?: Actor,
) {
  return giteaApi<GiteaPull>(env, "POST", `/repos/${repo.full_name}/pulls`, { base: "main", ...o }, as);
}

export function postStatus(
  env: GiteaEnv,
  repo: GiteaRepo,
  sha: string,
  s: { state: GiteaStatusState; context: string; targetUrl?: string; description?: string },
  as?: Actor,
): Promise<GiteaStatus> {
  return giteaApi<GiteaStatus>(
    env,
    "POST",
    `/repos/${repo.full_name}/statuses/${sha}`,
    { state: s.state, context: s.context, target_url: s.targetUrl ?? "", description: s.description ?? "" },
    as,
  );
}

/** The commit's statuses, newest first (Gitea keeps every one posted, per context). */
export function statusesOf(env: GiteaEnv, repo: GiteaRepo, ref: string): Promise<GiteaStatus[]> {
  return giteaApi<GiteaStatus[]>(env, "GET", `/repos/${repo.full_name}/commits/${encodeURIComponent(ref)}/statuses`);
}

/**
 * Runs git with `as`'s token sent as HTTP basic auth to the Gitea (never in a URL or on disk), and
 * the test CA trusted (GIT_SSL_CAINFO: git here ignores an http.sslCAInfo given with -c), e.g.
 * `git(env, as, "-C", dir, "push", "origin", "main")`.
 */
export function gitAs(env: GiteaEnv, as: Actor, ...args: string[]): string {
  const basic = Buffer.from(`${as.login}:${as.token}`).toString("base64");
  return execFileSync("git", ["-c", `http.${env.url}.extraHeader=Authorization: Basic ${basic}`, ...args], {
    encoding: "utf8",
    env: { ...gitEnv, GIT_TERMINAL_PROMPT: "0", GIT_SSL_CAINFO: env.ca },
  }).trim();
}

/** The run of the pipeline that Gitea's delivery started for the commit (its event's sha). */
export async function runForCommit(pipelineId: string, sha: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await get(`/api/v1/pipelines/${pipelineId}/runs`);
    for (const item of r.body.items ?? []) {
      const run = (await get(`/api/v1/runs/${item.id}`)).body;
      if (run.event?.sha === sha) return run.id;
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`no run for ${sha} within 60 s; deliveries: ${(await get(`/api/v1/pipelines/${pipelineId}/deliveries`)).text}`);
}

/** Gitea's newest status of `context` on the commit, once it is `state`. */
export async function giteaStatusOnceIs(
  env: GiteaEnv,
  repo: GiteaRepo,
  sha: string,
  context: string,
  state: GiteaStatusState,
): Promise<GiteaStatus> {
  const deadline = Date.now() + 60_000;
  let seen: GiteaStatus[] = [];
  while (Date.now() < deadline) {
    seen = (await statusesOf(env, repo, sha)).filter((s) => s.context === context);
    if (seen[0]?.status === state) return seen[0];
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`Gitea has no '${state}' status of ${context} on ${sha}; it has ${JSON.stringify(seen)}`);
}

/**
 * Project secrets for a Gitea trigger of the stack's default project: the webhook's shared secret
 * (its value, for Gitea's hook) and the API token of `owner`, for commit statuses and pull requests.
 */
export async function forgeSecrets(owner: Actor): Promise<{ hookSecret: string; hookValue: string; tokenSecret: string }> {
  const suffix = randomBytes(4).toString("hex").toUpperCase();
  const out = {
    hookSecret: `HOOK_${suffix}`,
    hookValue: `gitea-hook-${randomBytes(12).toString("hex")}`,
    tokenSecret: `GITEA_TOKEN_${suffix}`,
  };
  for (const [name, value] of [
    [out.hookSecret, out.hookValue],
    [out.tokenSecret, owner.token],
  ]) {
    const r = await put(`/api/v1/projects/default/secrets/${name}`, { value });
    if (r.status >= 300) throw new Error(`creating the secret ${name} answered ${r.status}: ${r.text}`);
  }
  return out;
}
