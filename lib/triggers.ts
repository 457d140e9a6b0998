import picomatch from "picomatch";
import { z } from "zod";

/**
 * Webhook triggers of a pipeline (its spec's `triggers`): which provider may start it, the
 * project secret that authenticates the provider's deliveries, and filters on event type,
 * branch, tag and changed paths. A delivery that matches no trigger is recorded, not run.
 */
export const PROVIDERS = ["github", "gitlab", "registry", "generic"] as const;
export type Provider = (typeof PROVIDERS)[number];
export const EVENT_TYPES = ["push", "tag", "merge_request", "pull_request", "image"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const glob = z.string().min(1).max(200);

export const TriggerSpecSchema = z.strictObject({
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
});
export type TriggerSpec = z.output<typeof TriggerSpecSchema>;

export interface FilterInput {
  type: EventType;
  branch: string | null;
  tag: string | null;
  changedPaths: string[];
}

const matches = (globs: string[], value: string) => picomatch.isMatch(value, globs, { dot: true });

/** Why the event does not match the trigger, or null when it does. */
export function filterMismatch(t: TriggerSpec, e: FilterInput): string | null {
  if (t.events && !t.events.includes(e.type)) return `event '${e.type}' is not one of ${t.events.join(", ")}`;
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
