import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { filterMismatch } from "@/lib/triggers";
import { deliveryId, eventEnv, issueKeys, normalise, verify } from "./providers";

const h = (o: Record<string, string>) => new Headers(o);
const sig = (body: string, secret: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

describe("webhook signatures", () => {
  it("checks GitHub's and the generic HMAC over the exact body", () => {
    const body = '{"a":1}';
    expect(() => verify("github", h({ "x-hub-signature-256": sig(body, "s3") }), body, "s3")).not.toThrow();
    expect(() => verify("github", h({ "x-hub-signature-256": sig(body, "other") }), body, "s3")).toThrow(/does not match/);
    expect(() => verify("github", h({ "x-hub-signature-256": sig(body + " ", "s3") }), body, "s3")).toThrow(/does not match/);
    expect(() => verify("github", h({}), body, "s3")).toThrow(/missing x-hub-signature-256/);
    expect(() =>
      verify("generic", h({ "x-gantry-signature": sig(body, "s3").toUpperCase().replace("SHA256", "sha256") }), body, "s3"),
    ).not.toThrow();
  });

  it("compares GitLab's and the registry's shared tokens", () => {
    expect(() => verify("gitlab", h({ "x-gitlab-token": "tok" }), "", "tok")).not.toThrow();
    expect(() => verify("gitlab", h({ "x-gitlab-token": "tok2" }), "", "tok")).toThrow(/does not match/);
    expect(() => verify("registry", h({ authorization: "Bearer tok" }), "", "tok")).not.toThrow();
    expect(() => verify("registry", h({}), "", "tok")).toThrow(/missing Authorization/);
  });

  it("names deliveries by the provider's id, else by a hash of the body", () => {
    expect(deliveryId("github", h({ "x-github-delivery": "abc" }), "x")).toBe("abc");
    expect(deliveryId("gitlab", h({ "x-gitlab-event-uuid": "u1" }), "x")).toBe("u1");
    expect(deliveryId("registry", h({}), "x")).toBe(deliveryId("registry", h({}), "x"));
    expect(deliveryId("registry", h({}), "x")).not.toBe(deliveryId("registry", h({}), "y"));
  });
});

describe("normalising payloads", () => {
  it("maps a GitHub push of a tag and of a branch", () => {
    const push = normalise("github", h({ "x-github-event": "push" }), {
      ref: "refs/heads/feat/x",
      before: "a",
      after: "b",
      repository: { clone_url: "https://g/r.git" },
      pusher: { name: "me" },
      commits: [{ id: "b", message: "LOT-1 fix", author: { name: "Me" }, added: ["src/a"], modified: ["README.md"] }],
    })!;
    expect(push).toMatchObject({
      type: "push",
      branch: "feat/x",
      tag: null,
      sha: "b",
      beforeSha: "a",
      repoUrl: "https://g/r.git",
      author: "me",
      changedPaths: ["src/a", "README.md"],
    });
    const tag = normalise("github", h({ "x-github-event": "push" }), { ref: "refs/tags/v2", after: "c", repository: {} })!;
    expect(tag).toMatchObject({ type: "tag", tag: "v2", branch: null });
    expect(normalise("github", h({ "x-github-event": "ping" }), { zen: "x" })).toBeNull();
  });

  it("maps merge requests, pull requests and image pushes", () => {
    expect(
      normalise("gitlab", h({}), {
        object_kind: "merge_request",
        user: { username: "u" },
        project: {},
        object_attributes: { iid: 7, source_branch: "s", title: "T", last_commit: { id: "d" } },
      }),
    ).toMatchObject({ type: "merge_request", mrIid: 7, branch: "s", title: "T", sha: "d" });
    expect(
      normalise("github", h({ "x-github-event": "pull_request" }), {
        action: "opened",
        number: 3,
        pull_request: { title: "P", head: { ref: "h", sha: "e" }, base: { sha: "f" }, user: { login: "l" } },
        repository: {},
      }),
    ).toMatchObject({ type: "pull_request", mrIid: 3, branch: "h" });
    expect(
      normalise("registry", h({}), { type: "PUSH_ARTIFACT", event_data: { resources: [{ resource_url: "r/a:1", tag: "1" }] } }),
    ).toMatchObject({ type: "image", image: "r/a:1" });
  });

  it("says what is malformed", () => {
    expect(() => normalise("github", h({ "x-github-event": "push" }), {})).toThrow(/expected a JSON object/);
    expect(() => normalise("github", h({ "x-github-event": "push" }), { after: "x" })).toThrow(/a push needs 'ref'/);
    expect(() => normalise("generic", h({}), { event: "deploy" })).toThrow(/'event' must be one of/);
  });
});

describe("issue keys and environment", () => {
  it("finds keys like [KK-134] and LOT-3372, once each", () => {
    expect(issueKeys(["[KK-134] fix", "LOT-3372: more; see KK-134", "utf-8 and x-1 are not keys"])).toEqual(["KK-134", "LOT-3372"]);
  });

  it("gives hostile text to tasks as plain values", () => {
    const e = normalise("github", h({ "x-github-event": "push" }), { ref: "refs/heads/$(rm -rf /)", after: "b", repository: {} })!;
    expect(eventEnv(e).GIT_BRANCH).toBe("$(rm -rf /)");
  });
});

describe("trigger filters", () => {
  const e = { type: "push" as const, branch: "release/1.2", tag: null, changedPaths: ["docs/a.md", "src/x.ts"] };
  it("match branch globs, event types and changed paths", () => {
    expect(filterMismatch({ provider: "github", secret: "S", branches: ["release/*"] }, e)).toBeNull();
    expect(filterMismatch({ provider: "github", secret: "S", branches: ["main"] }, e)).toMatch(
      /branch 'release\/1.2' matches none of main/,
    );
    expect(filterMismatch({ provider: "github", secret: "S", events: ["tag"] }, e)).toMatch(/event 'push' is not one of tag/);
    expect(filterMismatch({ provider: "github", secret: "S", paths: ["src/**"] }, e)).toBeNull();
    expect(filterMismatch({ provider: "github", secret: "S", paths: ["web/**"] }, e)).toMatch(/no changed file matches web/);
  });
});
