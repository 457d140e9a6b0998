import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { filterMismatch, TriggerSpecSchema, type Provider, type TriggerSpec } from "@/lib/triggers";
import {
  FORK_REPO,
  ZERO_SHA,
  giteaPullRequest,
  githubPullRequest,
  githubPush,
  gitlabMergeRequest,
  gitlabPush,
} from "@/tests/fixtures/forge-payloads";
import { noBuildReason } from "./actions";
import { deliveryId, normalise, verify } from "./providers";

const GH_PR = new Headers({ "x-github-event": "pull_request" });
const GH_PUSH = new Headers({ "x-github-event": "push" });
const GITEA_PR = new Headers({
  "x-gitea-event": "pull_request",
  "x-gitea-event-type": "pull_request_sync",
  "x-github-event": "pull_request",
});
const GL = new Headers({ "x-gitlab-event": "Merge Request Hook" });

/** What a delivery to a pipeline with this one trigger comes to: null builds, else the reason it does not. */
function decide(provider: Provider, headers: Headers, payload: unknown, trigger: Partial<TriggerSpec> = {}): string | null {
  const e = normalise(provider, headers, payload);
  if (!e) return "not an event that builds";
  return noBuildReason(e) ?? filterMismatch({ provider, secret: "S", ...trigger }, e);
}

describe("GitHub pull requests", () => {
  it("build when opened, given new commits, reopened or marked ready, by default", () => {
    for (const action of ["opened", "synchronize", "reopened", "ready_for_review"])
      expect(decide("github", GH_PR, githubPullRequest({ action })), action).toBeNull();
  });

  it("record label, assignment, review request, lock, edit and close events with the reason", () => {
    expect(decide("github", GH_PR, githubPullRequest({ action: "labeled", extra: { label: { name: "bug" } } }))).toBe(
      "pull_request action 'labeled' does not build (builds on: opened, synchronize, reopened, ready_for_review)",
    );
    for (const action of ["assigned", "review_requested", "locked", "edited", "closed", "unlabeled", "converted_to_draft"])
      expect(decide("github", GH_PR, githubPullRequest({ action })), action).toMatch(`pull_request action '${action}' does not build`);
  });

  it("follow the trigger's own list of actions", () => {
    const trigger = { actions: ["opened" as const, "closed" as const] };
    expect(decide("github", GH_PR, githubPullRequest({ action: "closed" }), trigger)).toBeNull();
    expect(decide("github", GH_PR, githubPullRequest({ action: "synchronize" }), trigger)).toBe(
      "pull_request action 'synchronize' does not build (builds on: opened, closed)",
    );
  });

  it("build drafts unless the trigger says drafts: false", () => {
    const draft = githubPullRequest({ action: "opened", draft: true });
    expect(normalise("github", GH_PR, draft)).toMatchObject({ draft: true, action: "opened" });
    expect(decide("github", GH_PR, draft)).toBeNull();
    expect(decide("github", GH_PR, draft, { drafts: false })).toBe("the pull_request is a draft and the trigger says drafts: false");
    expect(decide("github", GH_PR, githubPullRequest({ action: "ready_for_review" }), { drafts: false })).toBeNull();
  });

  it("say whether the head is another repository: a fork, a deleted fork, or the same repository", () => {
    expect(normalise("github", GH_PR, githubPullRequest({ action: "opened" }))).toMatchObject({ fork: false });
    expect(normalise("github", GH_PR, githubPullRequest({ action: "opened", headRepo: FORK_REPO }))).toMatchObject({ fork: true });
    expect(normalise("github", GH_PR, githubPullRequest({ action: "opened", headRepo: null }))).toMatchObject({ fork: true });
  });
});

describe("GitHub pushes", () => {
  it("build nothing for the docs' example, a push deleting a tag (after = 40 zeros)", () => {
    const deletion = githubPush({ ref: "refs/tags/simple-tag", after: ZERO_SHA, deleted: true });
    expect(normalise("github", GH_PUSH, deletion)).toMatchObject({ type: "tag", deleted: true, sha: null });
    expect(decide("github", GH_PUSH, deletion)).toBe("the push deletes tag 'simple-tag': there is no commit to build");
    expect(decide("github", GH_PUSH, githubPush({ ref: "refs/heads/gone", after: ZERO_SHA, deleted: true }))).toBe(
      "the push deletes branch 'gone': there is no commit to build",
    );
  });

  it("build the head commit of many once, and skip it when its message says [skip ci] or [CI SKIP]", () => {
    const commits = [
      { id: "a".repeat(40), message: "first [skip ci]" },
      { id: "b".repeat(40), message: "second" },
      { id: "c".repeat(40), message: "third" },
    ];
    const push = githubPush({ ref: "refs/heads/main", after: "c".repeat(40), commits });
    expect(normalise("github", GH_PUSH, push)).toMatchObject({ sha: "c".repeat(40), headMessage: "third" });
    expect(decide("github", GH_PUSH, push)).toBeNull();
    const skipped = githubPush({
      ref: "refs/heads/main",
      after: "c".repeat(40),
      commits: [...commits.slice(0, 2), { ...commits[2], message: "docs\n\n[CI SKIP]" }],
    });
    expect(decide("github", GH_PUSH, skipped)).toBe("the head commit ccccccc says [CI SKIP]: not built");
    expect(decide("github", GH_PUSH, { ...skipped, head_commit: { ...skipped.head_commit, message: "wip [ci skip]" } })).toMatch(
      /says \[ci skip\]/,
    );
  });

  it("still build a tag whose commit says [skip ci] (a release's version bump)", () => {
    const tag = githubPush({
      ref: "refs/tags/v1.0.0",
      after: "d".repeat(40),
      commits: [{ id: "d".repeat(40), message: "chore(release): 1.0.0 [skip ci]" }],
    });
    expect(decide("github", GH_PUSH, tag)).toBeNull();
  });
});

describe("GitLab", () => {
  it("builds merge requests opened, reopened and updated with new commits, and records the rest", () => {
    expect(decide("gitlab", GL, gitlabMergeRequest({ action: "open" }))).toBeNull();
    expect(decide("gitlab", GL, gitlabMergeRequest({ action: "reopen" }))).toBeNull();
    const pushed = gitlabMergeRequest({ action: "update", oldrev: "95790bf891e76fee5e1747ab589903a6a1f80f22" });
    expect(normalise("gitlab", GL, pushed)).toMatchObject({ action: "synchronize", rawAction: "update", mrIid: 1, fork: false });
    expect(decide("gitlab", GL, pushed)).toBeNull();
    expect(decide("gitlab", GL, gitlabMergeRequest({ action: "update" }))).toBe(
      "merge_request action 'update' (edited) does not build (builds on: opened, synchronize, reopened, ready_for_review)",
    );
    expect(decide("gitlab", GL, gitlabMergeRequest({ action: "close" }))).toMatch("merge_request action 'close' (closed) does not build");
    expect(decide("gitlab", GL, gitlabMergeRequest({ action: "approved" }))).toMatch("merge_request action 'approved' does not build");
    expect(decide("gitlab", GL, gitlabMergeRequest({ action: "merge" }), { actions: ["merged"] })).toBeNull();
  });

  it("treats 'marked as ready' as ready_for_review and honours drafts: false", () => {
    const ready = gitlabMergeRequest({ action: "update", changes: { draft: { previous: true, current: false } } });
    expect(normalise("gitlab", GL, ready)).toMatchObject({ action: "ready_for_review" });
    expect(decide("gitlab", GL, ready, { drafts: false })).toBeNull();
    expect(decide("gitlab", GL, gitlabMergeRequest({ action: "open", draft: true }), { drafts: false })).toBe(
      "the merge_request is a draft and the trigger says drafts: false",
    );
  });

  it("marks a merge request from another project as a fork", () => {
    expect(normalise("gitlab", GL, gitlabMergeRequest({ action: "open", sourceProjectId: 15 }))).toMatchObject({ fork: true });
  });

  it("builds nothing for pushes and tag pushes that delete, and skips a [skip ci] head commit", () => {
    const example = gitlabPush({
      ref: "refs/heads/master",
      after: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      commits: [
        { id: "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327", message: "Update Catalan translation to e38cb41. [skip ci]" },
        { id: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", message: "fixed readme" },
      ],
    });
    expect(decide("gitlab", GL, example)).toBeNull();
    expect(decide("gitlab", GL, gitlabPush({ ref: "refs/heads/master", after: ZERO_SHA }))).toBe(
      "the push deletes branch 'master': there is no commit to build",
    );
    expect(decide("gitlab", GL, gitlabPush({ kind: "tag_push", ref: "refs/tags/v1.0.0", after: ZERO_SHA }))).toBe(
      "the tag_push deletes tag 'v1.0.0': there is no commit to build",
    );
    const skip = gitlabPush({
      ref: "refs/heads/master",
      after: "e".repeat(40),
      commits: [{ id: "e".repeat(40), message: "typo [skip ci]" }],
    });
    expect(decide("gitlab", GL, skip)).toBe("the head commit eeeeeee says [skip ci]: not built");
  });
});

describe("Gitea", () => {
  it("maps its action words onto GitHub's, whichever endpoint it posts to", () => {
    for (const provider of ["gitea", "github"] as const) {
      expect(normalise(provider, GITEA_PR, giteaPullRequest({ action: "synchronized" }))).toMatchObject({
        action: "synchronize",
        rawAction: "synchronized",
        fork: false,
      });
      expect(decide(provider, GITEA_PR, giteaPullRequest({ action: "label_updated" }))).toMatch(
        "pull_request action 'label_updated' (labeled) does not build",
      );
    }
    expect(normalise("gitea", GITEA_PR, giteaPullRequest({ action: "opened", headRepo: FORK_REPO }))).toMatchObject({ fork: true });
  });

  it("reads removing the WIP: prefix as ready_for_review, and GitHub's own edits as edits", () => {
    const ready = giteaPullRequest({ action: "edited", title: "Add a feature", changes: { title: { from: "WIP: Add a feature" } } });
    expect(decide("gitea", GITEA_PR, ready)).toBeNull();
    expect(decide("github", GH_PR, { ...ready })).toMatch("pull_request action 'edited' does not build");
  });

  it("checks its signature and names its deliveries", () => {
    const body = JSON.stringify(giteaPullRequest({ action: "opened" }));
    const hex = createHmac("sha256", "s3").update(body).digest("hex");
    expect(() => verify("gitea", new Headers({ "x-gitea-signature": hex }), body, "s3")).not.toThrow();
    expect(() => verify("gitea", new Headers({ "x-hub-signature-256": `sha256=${hex}` }), body, "s3")).not.toThrow();
    expect(() => verify("gitea", new Headers({ "x-gitea-signature": hex }), body, "other")).toThrow(/X-Gitea-Signature does not match/);
    expect(() => verify("gitea", new Headers({}), body, "s3")).toThrow(/missing X-Gitea-Signature/);
    expect(deliveryId("gitea", new Headers({ "x-gitea-delivery": "d-1" }), body)).toBe("d-1");
  });
});

describe("trigger specs", () => {
  const parse = (t: object) => TriggerSpecSchema.safeParse({ provider: "github", secret: "S", ...t });

  it("name the field and the known actions when an action is unknown", () => {
    const r = parse({ actions: ["opened", "labelled"] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ["actions", 1],
      message: expect.stringContaining("unknown pull request action 'labelled'"),
    });
    expect(r.error?.issues[0].message).toContain("known: opened, synchronize");
  });

  it("refuse actions that are not a list and drafts that are not true or false", () => {
    expect(parse({ actions: "opened" }).error?.issues[0].path).toEqual(["actions"]);
    expect(parse({ drafts: "no" }).error?.issues[0]).toMatchObject({ path: ["drafts"], message: "drafts must be true or false" });
    expect(parse({ provider: "gitea", actions: ["opened"], drafts: false }).success).toBe(true);
  });
});
