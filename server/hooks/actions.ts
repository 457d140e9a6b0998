/**
 * Event semantics shared by the forges: each sender's pull/merge request action mapped onto
 * GitHub's words (lib/triggers.ts PR_ACTIONS, which a trigger's `actions:` lists), and the events
 * that build nothing whatever a trigger says: a push deleting its ref, a head commit that asks to
 * skip CI.
 */

type J = Record<string, unknown>;
const obj = (v: unknown): J => (v && typeof v === "object" && !Array.isArray(v) ? (v as J) : {});

/** Gitea's words that differ from GitHub's (modules/structs/hook.go HookIssueAction). */
const GITEA: Record<string, string> = { synchronized: "synchronize", label_updated: "labeled", label_cleared: "unlabeled" };
/** Gitea marks a draft by a title prefix (its default WORK_IN_PROGRESS_PREFIXES). */
const WIP = /^\s*(wip:|\[wip\])/i;

/**
 * A GitHub-shaped `pull_request` action: GitHub's as sent; Gitea's (in either of its formats) in
 * GitHub's words. Gitea has no `ready_for_review`: removing the draft prefix from the title is an
 * `edited` whose old title had it.
 */
export function githubAction(action: string, pr: J, changes: J, fromGitea: boolean): string {
  if (!fromGitea) return action;
  if (action === "edited") {
    const from = obj(obj(changes).title).from;
    if (typeof from === "string" && typeof pr.title === "string") {
      const was = WIP.test(from);
      const is = WIP.test(pr.title) || pr.draft === true;
      if (was && !is) return "ready_for_review";
      if (!was && is) return "converted_to_draft";
    }
  }
  return GITEA[action] ?? action;
}

const GITLAB: Record<string, string> = {
  open: "opened",
  reopen: "reopened",
  close: "closed",
  merge: "merged",
  approved: "approved",
  approval: "approved",
  unapproved: "unapproved",
  unapproval: "unapproved",
};

/** A GitLab `merge_request` action: `update` is `synchronize` only when it brings new commits (`oldrev`). */
export function gitlabAction(attrs: J, changes: J): string {
  const action = typeof attrs.action === "string" ? attrs.action : "";
  if (action !== "update") return GITLAB[action] ?? action;
  if (typeof attrs.oldrev === "string" && attrs.oldrev) return "synchronize";
  const draft = obj(obj(changes).draft ?? obj(changes).work_in_progress);
  if (draft.previous === true && draft.current === false) return "ready_for_review";
  if (draft.previous === false && draft.current === true) return "converted_to_draft";
  return "edited";
}

const SKIP_CI = /\[(skip ci|ci skip)\]/i;

export interface SkipInput {
  type: string;
  rawType: string;
  branch: string | null;
  tag: string | null;
  deleted: boolean;
  sha: string | null;
  headMessage: string | null;
}

/** Why this event builds nothing for any trigger, or null. */
export function noBuildReason(e: SkipInput): string | null {
  if (e.deleted) {
    const what = e.tag ? `tag '${e.tag}'` : `branch '${e.branch ?? ""}'`;
    return `the ${e.rawType} deletes ${what}: there is no commit to build`;
  }
  // Only branch pushes: a release tag usually points at a "[skip ci]" version-bump commit and is meant to build.
  const marker = e.type === "push" && e.headMessage ? SKIP_CI.exec(e.headMessage) : null;
  if (marker) return `the head commit${e.sha ? ` ${e.sha.slice(0, 7)}` : ""} says ${marker[0]}: not built`;
  return null;
}
