import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "@/lib/errors";
import { safeCloneUrl, safeHttpUrl } from "@/lib/safe-url";
import { EVENT_TYPES, type EventType, type Provider } from "@/lib/triggers";
import { githubAction, gitlabAction } from "./actions";

/**
 * Webhook providers: how each proves a delivery came from the configured sender, how it names a
 * delivery (for de-duplication), and how its payload maps onto one normalised event. Payloads
 * are untrusted: their text only ever reaches tasks as environment variables or files.
 */

export interface Commit {
  sha: string;
  message: string;
  author: string;
  url?: string;
  timestamp?: string;
}

/** What a delivery means, whatever the provider. */
export interface HookEvent {
  provider: Provider;
  type: EventType;
  /** Provider's own event name (X-GitHub-Event, object_kind, …). */
  rawType: string;
  /** Full ref (`refs/heads/main`, `refs/tags/v1`) or the MR/PR source branch. */
  ref: string | null;
  branch: string | null;
  tag: string | null;
  sha: string | null;
  beforeSha: string | null;
  repoUrl: string | null;
  author: string | null;
  mrIid: number | null;
  title: string | null;
  image: string | null;
  changedPaths: string[];
  commits: Commit[];
  /** A pull/merge request's action in GitHub's words (server/hooks/actions.ts); null otherwise. */
  action: string | null;
  /** The sender's own word for it (GitLab's `update`, Gitea's `synchronized`). */
  rawAction: string | null;
  draft: boolean;
  /** A pull/merge request whose head repository is not its base repository (or is unknown). */
  fork: boolean;
  /** A push that deletes its branch or tag. */
  deleted: boolean;
  /** The message of the commit a push builds, when the payload has it. */
  headMessage: string | null;
}

const eq = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Compare equal-length digests so neither the content nor the length leaks through timing.
  const hx = createHash("sha256").update(x).digest();
  const hy = createHash("sha256").update(y).digest();
  return timingSafeEqual(hx, hy) && x.length === y.length;
};

const hmacHex = (secret: string, body: string) => createHmac("sha256", secret).update(body, "utf8").digest("hex");

/** Throws 401 unless the request carries proof of the shared secret. */
export function verify(provider: Provider, headers: Headers, body: string, secret: string) {
  const bad = (why: string) => new AppError("unauthorized", `webhook rejected: ${why}`);
  switch (provider) {
    case "gitea": {
      // Gitea signs with a bare hex HMAC, and also GitHub's way since 1.17.
      const hex = headers.get("x-gitea-signature") ?? headers.get("x-hub-signature-256")?.replace(/^\s*sha256=/i, "");
      if (!hex) throw bad("missing X-Gitea-Signature header");
      if (!eq(hex.trim().toLowerCase(), hmacHex(secret, body)))
        throw bad("X-Gitea-Signature does not match the payload and the trigger's secret");
      return;
    }
    case "github":
    case "generic": {
      const header = provider === "github" ? "x-hub-signature-256" : "x-gantry-signature";
      const sig = headers.get(header);
      if (!sig) throw bad(`missing ${header} header`);
      if (!eq(sig.trim().toLowerCase(), `sha256=${hmacHex(secret, body)}`))
        throw bad(`${header} does not match the payload and the trigger's secret`);
      return;
    }
    case "gitlab": {
      const tok = headers.get("x-gitlab-token");
      if (!tok) throw bad("missing X-Gitlab-Token header");
      if (!eq(tok, secret)) throw bad("X-Gitlab-Token does not match the trigger's secret");
      return;
    }
    case "registry": {
      // Harbor and the Docker registry send a fixed Authorization header configured on their side.
      const auth = headers.get("authorization");
      if (!auth) throw bad("missing Authorization header");
      if (!eq(auth.replace(/^Bearer\s+/i, ""), secret)) throw bad("Authorization does not match the trigger's secret");
      return;
    }
  }
}

/** The provider's delivery id, or a hash of the body for senders that have none. */
export function deliveryId(provider: Provider, headers: Headers, body: string): string {
  const h =
    provider === "github"
      ? headers.get("x-github-delivery")
      : provider === "gitea"
        ? (headers.get("x-gitea-delivery") ?? headers.get("x-github-delivery"))
        : provider === "gitlab"
          ? (headers.get("x-gitlab-event-uuid") ?? headers.get("idempotency-key"))
          : (headers.get("x-gantry-delivery") ?? headers.get("x-request-id"));
  return (h?.trim().slice(0, 190) || `sha256:${createHash("sha256").update(body).digest("hex")}`).slice(0, 200);
}

type J = Record<string, unknown>;
const obj = (v: unknown): J => (v && typeof v === "object" && !Array.isArray(v) ? (v as J) : {});
const str = (v: unknown): string | null =>
  typeof v === "string" && v.length > 0 ? v.slice(0, 4096) : typeof v === "number" ? String(v) : null;
const num = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) ? v : null);
const ZERO = /^0+$/;

function refParts(ref: string | null) {
  if (!ref) return { branch: null, tag: null };
  if (ref.startsWith("refs/heads/")) return { branch: ref.slice(11), tag: null };
  if (ref.startsWith("refs/tags/")) return { branch: null, tag: ref.slice(10) };
  return { branch: ref, tag: null };
}

function commitsOf(list: unknown): { commits: Commit[]; paths: string[] } {
  const commits: Commit[] = [];
  const paths = new Set<string>();
  for (const c of Array.isArray(list) ? list.slice(0, 500) : []) {
    const o = obj(c);
    const sha = str(o.id) ?? str(o.sha);
    if (!sha) continue;
    const a = obj(o.author);
    commits.push({
      sha,
      message: str(o.message) ?? "",
      author: str(a.name) ?? str(a.username) ?? "",
      url: safeHttpUrl(o.url) ?? undefined,
      timestamp: str(o.timestamp) ?? undefined,
    });
    for (const k of ["added", "modified", "removed"])
      for (const p of Array.isArray(o[k]) ? (o[k] as unknown[]) : []) if (typeof p === "string") paths.add(p);
  }
  return { commits, paths: [...paths].slice(0, 5000) };
}

/** The message of the commit a push builds: the head commit, else the listed one with its sha, else the last. */
function headMessage(p: J, commits: Commit[], sha: string | null): string | null {
  const head = str(obj(p.head_commit).message);
  if (head) return head;
  return (commits.find((c) => c.sha === sha) ?? commits.at(-1))?.message ?? null;
}

/** Whether head and base are different repositories; unknown counts as a fork (the cautious answer). */
function differ(head: { id: number | null; name: string | null }, base: { id: number | null; name: string | null }): boolean {
  if (head.id !== null && base.id !== null) return head.id !== base.id;
  if (head.name && base.name) return head.name !== base.name;
  return true;
}

const fail = (why: string) => new AppError("bad_request", `malformed webhook payload: ${why}`);

/** Maps a payload onto an event; null when the provider's event is one Gantry does not act on. */
export function normalise(provider: Provider, headers: Headers, payload: unknown): HookEvent | null {
  const p = obj(payload);
  if (Object.keys(p).length === 0) throw fail("expected a JSON object");
  const base = {
    provider,
    changedPaths: [] as string[],
    commits: [] as Commit[],
    mrIid: null,
    title: null,
    image: null,
    action: null,
    rawAction: null,
    draft: false,
    fork: false,
    deleted: false,
    headMessage: null,
  };
  // Gitea sends its own headers and GitHub's to every hook, whichever format it was given.
  const fromGitea = headers.has("x-gitea-event");
  if (provider === "github" || provider === "gitea") {
    const kind = (provider === "gitea" ? headers.get("x-gitea-event") : null) ?? headers.get("x-github-event") ?? "";
    if (kind === "ping") return null;
    const repo = obj(p.repository);
    const repoUrl = safeCloneUrl(repo.clone_url) ?? safeCloneUrl(repo.html_url);
    if (kind === "push") {
      const ref = str(p.ref);
      if (!ref) throw fail("a push needs 'ref'");
      const { branch, tag } = refParts(ref);
      const { commits, paths } = commitsOf(p.commits);
      const after = str(p.after);
      const sha = after && !ZERO.test(after) ? after : null;
      return {
        ...base,
        type: tag ? "tag" : "push",
        rawType: kind,
        ref,
        branch,
        tag,
        sha,
        beforeSha: str(p.before),
        repoUrl,
        author: str(obj(p.pusher).name) ?? str(obj(p.pusher).login) ?? str(obj(p.sender).login),
        changedPaths: paths,
        commits,
        deleted: p.deleted === true || (after !== null && ZERO.test(after)),
        headMessage: headMessage(p, commits, sha),
      };
    }
    if (kind === "pull_request") {
      const pr = obj(p.pull_request);
      const head = obj(pr.head);
      const prBase = obj(pr.base);
      const branch = str(head.ref);
      const rawAction = str(p.action);
      const repoOf = (side: J) => ({ id: num(obj(side.repo).id) ?? num(side.repo_id), name: str(obj(side.repo).full_name) });
      return {
        ...base,
        type: "pull_request",
        rawType: `${kind}.${rawAction ?? ""}`,
        action: rawAction && githubAction(rawAction, pr, obj(p.changes), fromGitea),
        rawAction,
        draft: pr.draft === true,
        fork: differ(repoOf(head), repoOf(prBase)),
        ref: branch ? `refs/heads/${branch}` : null,
        branch,
        tag: null,
        sha: str(head.sha),
        beforeSha: str(prBase.sha),
        repoUrl,
        author: str(obj(pr.user).login),
        mrIid: num(pr.number) ?? num(p.number),
        title: str(pr.title),
      };
    }
    return null;
  }
  if (provider === "gitlab") {
    const kind = str(p.object_kind) ?? "";
    const project = obj(p.project);
    const repoUrl = safeCloneUrl(project.git_http_url) ?? safeCloneUrl(obj(p.repository).git_http_url) ?? safeCloneUrl(project.web_url);
    if (kind === "push" || kind === "tag_push") {
      const ref = str(p.ref);
      if (!ref) throw fail("a push needs 'ref'");
      const { branch, tag } = refParts(ref);
      const { commits, paths } = commitsOf(p.commits);
      const after = str(p.checkout_sha) ?? str(p.after);
      const sha = after && !ZERO.test(after) ? after : null;
      const pushed = str(p.after);
      return {
        ...base,
        type: kind === "tag_push" ? "tag" : "push",
        rawType: kind,
        ref,
        branch,
        tag,
        sha,
        beforeSha: str(p.before),
        repoUrl,
        author: str(p.user_username) ?? str(p.user_name),
        changedPaths: paths,
        commits,
        deleted: pushed !== null && ZERO.test(pushed),
        headMessage: headMessage(p, commits, sha),
      };
    }
    if (kind === "merge_request") {
      const a = obj(p.object_attributes);
      const branch = str(a.source_branch);
      const rawAction = str(a.action);
      const side = (s: "source" | "target") => ({ id: num(a[`${s}_project_id`]), name: str(obj(a[s]).path_with_namespace) });
      return {
        ...base,
        type: "merge_request",
        rawType: `${kind}.${rawAction ?? ""}`,
        action: rawAction && gitlabAction(a, obj(p.changes)),
        rawAction,
        draft: a.draft === true || a.work_in_progress === true,
        fork: differ(side("source"), side("target")),
        ref: branch ? `refs/heads/${branch}` : null,
        branch,
        tag: null,
        sha: str(obj(a.last_commit).id),
        beforeSha: null,
        repoUrl,
        author: str(obj(p.user).username),
        mrIid: num(a.iid),
        title: str(a.title),
      };
    }
    return null;
  }
  if (provider === "registry") {
    // Harbor: {type: "PUSH_ARTIFACT", event_data: {resources: [{resource_url, tag, digest}], repository: {repo_full_name}}}
    if (p.event_data) {
      const type = str(p.type);
      if (type !== "PUSH_ARTIFACT" && type !== "pushImage") return null;
      const res = obj((obj(p.event_data).resources as unknown[] | undefined)?.[0]);
      const image = str(res.resource_url);
      if (!image) throw fail("a Harbor push needs event_data.resources[0].resource_url");
      return {
        ...base,
        type: "image",
        rawType: type,
        ref: null,
        branch: null,
        tag: str(res.tag),
        sha: str(res.digest),
        beforeSha: null,
        repoUrl: null,
        author: str(p.operator),
        image,
      };
    }
    // Docker registry notifications: {events: [{action: "push", target: {repository, tag, digest}, request: {host}}]}
    const events = Array.isArray(p.events) ? (p.events as unknown[]).map(obj) : null;
    if (!events) throw fail("expected Harbor's 'event_data' or the registry's 'events'");
    const push = events.find((e) => str(e.action) === "push" && str(obj(e.target).tag));
    if (!push) return null;
    const t = obj(push.target);
    const host = str(obj(push.request).host);
    const image = `${host ? `${host}/` : ""}${str(t.repository)}:${str(t.tag)}`;
    return {
      ...base,
      type: "image",
      rawType: "push",
      ref: null,
      branch: null,
      tag: str(t.tag),
      sha: str(t.digest),
      beforeSha: null,
      repoUrl: null,
      author: str(obj(push.actor).name),
      image,
    };
  }
  // generic: {event?: "push"|…, ref?, sha?, before?, repository?, author?, image?, commits?}
  const type = (str(p.event) ?? "push") as EventType;
  if (!(EVENT_TYPES as readonly string[]).includes(type)) throw fail(`'event' must be one of ${EVENT_TYPES.join(", ")}`);
  const ref = str(p.ref);
  const { branch, tag } = refParts(ref);
  const { commits, paths } = commitsOf(p.commits);
  return {
    ...base,
    type,
    rawType: type,
    ref,
    branch,
    tag,
    sha: str(p.sha),
    beforeSha: str(p.before),
    repoUrl: safeCloneUrl(p.repository),
    author: str(p.author),
    image: str(p.image),
    changedPaths: [...paths, ...(Array.isArray(p.paths) ? (p.paths as unknown[]).filter((x): x is string => typeof x === "string") : [])],
    commits,
    title: str(p.title),
  };
}

/** Issue keys in commit messages: `[KK-134]`, `LOT-3372`. */
export function issueKeys(messages: string[]): string[] {
  const keys = new Set<string>();
  for (const m of messages)
    for (const k of m.matchAll(/(?<![A-Za-z0-9])([A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,6})(?![A-Za-z0-9])/g)) keys.add(k[1]);
  return [...keys];
}

/** Environment a triggered run's tasks get (values as data, never as shell text). */
export function eventEnv(e: HookEvent): Record<string, string> {
  const env: Record<string, string | null> = {
    GANTRY_EVENT_TYPE: e.type,
    GIT_URL: e.repoUrl,
    GIT_REF: e.ref,
    GIT_BRANCH: e.branch,
    GIT_TAG: e.tag,
    GIT_SHA: e.sha,
    GIT_BEFORE_SHA: e.beforeSha,
    GIT_AUTHOR: e.author,
    MR_IID: e.mrIid === null ? null : String(e.mrIid),
    MR_TITLE: e.title,
    IMAGE: e.image,
  };
  return Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== null));
}
