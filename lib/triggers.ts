import picomatch from "picomatch";
import { z } from "zod";

/**
 * Webhook triggers of a pipeline (its spec's `triggers`): which provider may start it, the
 * project secret that authenticates the provider's deliveries, and filters on event type,
 * branch, tag, changed paths, pull/merge request action and draft state. A delivery that
 * matches no trigger is recorded, not run.
 */
export const PROVIDERS = ["github", "gitea", "gitlab", "registry", "generic"] as const;
export type Provider = (typeof PROVIDERS)[number];
/** The providers that are forges: commit statuses and comments go back to them. */
export const FORGES = ["github", "gitea", "gitlab"] as const;
export type Forge = (typeof FORGES)[number];
export const EVENT_TYPES = ["push", "tag", "merge_request", "pull_request", "image"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const glob = z.string().min(1).max(200);

/**
 * Pull/merge request actions in GitHub's words; GitLab's and Gitea's are mapped onto them
 * (server/hooks/actions.ts), so one `actions:` list means the same on every forge.
 */
export const PR_ACTIONS = [
  "opened",
  "synchronize",
  "reopened",
  "ready_for_review",
  "converted_to_draft",
  "edited",
  "closed",
  "merged",
  "labeled",
  "unlabeled",
  "assigned",
  "unassigned",
  "review_requested",
  "review_request_removed",
  "reviewed",
  "approved",
  "unapproved",
  "locked",
  "unlocked",
  "milestoned",
  "demilestoned",
  "auto_merge_enabled",
  "auto_merge_disabled",
  "enqueued",
  "dequeued",
  "deleted",
] as const;
export type PrAction = (typeof PR_ACTIONS)[number];
/** New code to build: a request opened, given new commits, reopened or marked ready. */
export const DEFAULT_PR_ACTIONS: readonly PrAction[] = ["opened", "synchronize", "reopened", "ready_for_review"];

const TriggerFields = z.strictObject({
  provider: z.enum(PROVIDERS),
  /** Name of the project secret holding the shared webhook secret. */
  secret: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "a secret name: upper-case letters, digits and '_'"),
  events: z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length).optional(),
  /** Branch globs (`main`, `release/*`); a push to another branch does not run. */
  branches: z.array(glob).max(50).optional(),
  /** Tag globs (`v*`). */
  tags: z.array(glob).max(50).optional(),
  /** Path globs (`src/**`): a push must change at least one matching file. */
  paths: z.array(glob).max(50).optional(),
  /** Pull/merge request actions that build (default: DEFAULT_PR_ACTIONS); others are recorded, not run. */
  actions: z
    .array(z.enum(PR_ACTIONS, { error: (i) => `unknown pull request action '${String(i.input)}' (known: ${PR_ACTIONS.join(", ")})` }))
    .min(1)
    .max(PR_ACTIONS.length)
    .optional(),
  /** Whether draft pull/merge requests build (default true). */
  drafts: z.boolean({ error: "drafts must be true or false" }).optional(),
  /**
   * Status back to the forge (server/forge/): the project secret holding an API token; with it,
   * each run of this trigger sets a commit status `gantry/<pipeline>` on the event's commit.
   */
  statusToken: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "a secret name: upper-case letters, digits and '_'")
    .optional(),
  /** Pull/merge requests also get one summary comment, edited as runs move (needs statusToken). */
  comment: z.boolean({ error: "comment must be true or false" }).optional(),
  /** The forge's API base URL when it is not derived from the repository (`https://ghe.example.com/api/v3`). */
  apiUrl: z
    .url({ protocol: /^https?$/, error: "an http(s) URL" })
    .max(500)
    .optional(),
});

/** Reporting back needs a forge and the token's secret. */
export const TriggerSpecSchema = TriggerFields.superRefine((t, ctx) => {
  const reports = t.statusToken !== undefined || t.comment || t.apiUrl !== undefined;
  if (reports && !(FORGES as readonly string[]).includes(t.provider))
    ctx.addIssue({
      code: "custom",
      path: ["statusToken"],
      message: `statuses go back to a forge only: ${FORGES.join(", ")}, not ${t.provider}`,
    });
  else if ((t.comment || t.apiUrl !== undefined) && t.statusToken === undefined)
    ctx.addIssue({ code: "custom", path: ["statusToken"], message: "name the project secret holding the forge's API token" });
});
export type TriggerSpec = z.output<typeof TriggerSpecSchema>;

export interface FilterInput {
  type: EventType;
  branch: string | null;
  tag: string | null;
  changedPaths: string[];
  /** A pull/merge request's action in GitHub's words; null for other events and senders without one. */
  action?: string | null;
  /** The sender's own word for the action when it differs (GitLab's `update`, Gitea's `synchronized`). */
  rawAction?: string | null;
  draft?: boolean;
}

const matches = (globs: string[], value: string) => picomatch.isMatch(value, globs, { dot: true });

/** Why the event does not match the trigger, or null when it does. */
export function filterMismatch(t: TriggerSpec, e: FilterInput): string | null {
  if (t.events && !t.events.includes(e.type)) return `event '${e.type}' is not one of ${t.events.join(", ")}`;
  if ((e.type === "pull_request" || e.type === "merge_request") && e.action) {
    const actions: readonly string[] = t.actions ?? DEFAULT_PR_ACTIONS;
    if (!actions.includes(e.action)) {
      const said = e.rawAction && e.rawAction !== e.action ? `'${e.rawAction}' (${e.action})` : `'${e.action}'`;
      return `${e.type} action ${said} does not build (builds on: ${actions.join(", ")})`;
    }
  }
  if (e.draft && t.drafts === false && (e.type === "pull_request" || e.type === "merge_request"))
    return `the ${e.type} is a draft and the trigger says drafts: false`;
  if (t.branches && e.type !== "tag" && e.type !== "image") {
    if (!e.branch || !matches(t.branches, e.branch)) return `branch '${e.branch ?? ""}' matches none of ${t.branches.join(", ")}`;
  }
  if (t.tags && e.type === "tag") {
    if (!e.tag || !matches(t.tags, e.tag)) return `tag '${e.tag ?? ""}' matches none of ${t.tags.join(", ")}`;
  }
  const paths = t.paths;
  if (paths && (e.type === "push" || e.type === "tag")) {
    if (!e.changedPaths.some((p) => matches(paths, p))) return `no changed file matches ${paths.join(", ")}`;
  }
  return null;
}
