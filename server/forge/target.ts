import { z } from "zod";
import { FORGES, type Forge, type Provider, type TriggerSpec } from "@/lib/triggers";

/**
 * Where a webhook-started run reports back: which forge, its API base URL, the repository as its
 * API names it, the commit, the pull/merge request (for the summary comment) and the project
 * secret holding the token. Derived once from the delivery, kept as JSON in the outbox rows of
 * the run (server/forge/report.ts), so later reports need neither the payload nor the trigger.
 */

export const ForgeTargetSchema = z.object({
  forge: z.enum(FORGES),
  /** API base URL without a trailing slash: `https://api.github.com`, `https://gitlab.example.com/api/v4`. */
  api: z.string().min(1),
  /** `owner/name` (GitHub, Gitea) or the project's id or path (GitLab). */
  repo: z.string().min(1),
  sha: z.string().min(1),
  /** The branch, for GitLab's `ref` (a status names the pipeline it belongs to by ref). */
  ref: z.string().nullable(),
  /** The pull/merge request number (iid) when the summary comment is asked for. */
  pr: z.number().int().positive().nullable(),
  /** Name of the project secret holding the API token. */
  token: z.string().min(1),
  /** The summary comment's id once it exists; later reports edit it. */
  commentId: z.number().int().positive().optional(),
});
export type ForgeTarget = z.output<typeof ForgeTargetSchema>;

type J = Record<string, unknown>;
const obj = (v: unknown): J => (v && typeof v === "object" && !Array.isArray(v) ? (v as J) : {});
const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

/** `https://host/sub/owner/repo` minus `owner/repo`: the forge's own root (a Gitea or GitLab may live under a path). */
function rootOf(webUrl: string | null, path: string): URL | null {
  if (!webUrl) return null;
  let u: URL;
  try {
    u = new URL(webUrl);
  } catch {
    return null;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return null;
  const p = u.pathname.replace(/\/+$/, "");
  const prefix = p.toLowerCase().endsWith(`/${path.toLowerCase()}`) ? p.slice(0, p.length - path.length - 1) : "";
  return new URL(`${u.origin}${prefix}`);
}

/** The API base of a forge at `root`: GitHub.com's own host, GitHub Enterprise's `/api/v3`, GitLab's `/api/v4`, Gitea's `/api/v1`. */
export function apiBase(forge: Forge, root: URL): string {
  const base = root.href.replace(/\/+$/, "");
  if (forge === "github") return root.hostname === "github.com" ? "https://api.github.com" : `${base}/api/v3`;
  return `${base}/${forge === "gitlab" ? "api/v4" : "api/v1"}`;
}

export interface TargetInput {
  provider: Provider;
  /** The delivery's headers: Gitea sends GitHub-format deliveries to `github` triggers too, with its own headers beside. */
  headers: Headers;
  payload: unknown;
  event: { sha: string | null; branch: string | null; mrIid: number | null; type: string };
  trigger: TriggerSpec;
}

/**
 * The report target of a delivery, or why there is none (the trigger asks for no statuses, or
 * the payload does not say which repository or commit). A thrown error is never the answer:
 * reporting must not keep a run from starting.
 */
export function forgeTarget(i: TargetInput): { target: ForgeTarget } | { skip: string } {
  const t = i.trigger;
  if (!t.statusToken) return { skip: "the trigger names no statusToken" };
  if (!i.event.sha) return { skip: "the event names no commit" };
  const p = obj(i.payload);
  let forge: Forge;
  let repo: string | null;
  let root: URL | null;
  if (i.provider === "gitlab") {
    const project = obj(p.project);
    const path = str(project.path_with_namespace);
    forge = "gitlab";
    repo = typeof project.id === "number" ? String(project.id) : path ? encodeURIComponent(path) : null;
    root = rootOf(str(project.web_url), path ?? "");
  } else if (i.provider === "github" || i.provider === "gitea") {
    const r = obj(p.repository);
    repo = str(r.full_name);
    forge = i.provider === "gitea" || i.headers.has("x-gitea-event") ? "gitea" : "github";
    root = rootOf(str(r.html_url), repo ?? "");
  } else return { skip: `${i.provider} is not a forge` };
  if (!repo) return { skip: `the ${forge} payload names no repository` };
  const api = t.apiUrl?.replace(/\/+$/, "") ?? (root ? apiBase(forge, root) : null);
  if (!api) return { skip: `the ${forge} payload has no repository URL to find the API from (set the trigger's apiUrl)` };
  const isPr = i.event.type === "pull_request" || i.event.type === "merge_request";
  return {
    target: {
      forge,
      api,
      repo,
      sha: i.event.sha,
      ref: i.event.branch,
      pr: t.comment && isPr ? i.event.mrIid : null,
      token: t.statusToken,
    },
  };
}
