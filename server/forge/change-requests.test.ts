import { describe, expect, it } from "vitest";
import { PipelineSpecSchema } from "@/lib/pipeline-spec";
import { forgeOf } from "../pipelines/propose-change";
import {
  commitRequest,
  fileRequest,
  forgeRepoOf,
  githubCreateRefRequest,
  githubRefRequest,
  pullRequest,
  pullUrlOf,
  repoRequest,
  type FileCommit,
  type ForgeRepo,
} from "./change-requests";

/**
 * The requests that propose a changed pipeline file, checked against the published APIs: Gitea
 * "Update a file" (PUT /repos/{owner}/{repo}/contents/{filepath}, `branch` + `new_branch`, base64
 * content, the blob `sha`) and "Create a pull request"; GitHub "Create a reference" (POST
 * /repos/{owner}/{repo}/git/refs) then "Create or update file contents" (PUT …/contents/{path}) and
 * "Create a pull request"; GitLab "Create a commit with multiple files and actions" (POST
 * /projects/:id/repository/commits with `start_branch`) and "Create MR".
 */

const gitea: ForgeRepo = { forge: "gitea", api: "https://git.example.test/api/v1", repo: "team/web" };
const github: ForgeRepo = { forge: "github", api: "https://api.github.com", repo: "team/web" };
const gitlab: ForgeRepo = { forge: "gitlab", api: "https://gitlab.com/api/v4", repo: "group%2Fsub%2Fweb" };
const change: FileCommit = {
  path: "ci/.gantry.yaml",
  text: "stages: []\n",
  message: "Add a lint task",
  from: "main",
  branch: "gantry/web-abc123",
  sha: "3b18e512dba79e4c8300dd08aeb37f8e728b8dad",
};
const b64 = Buffer.from("stages: []\n").toString("base64");

describe("where the repository's API is", () => {
  it("takes owner/name from an https, ssh or scp-style URL; a Gitea under a path keeps it; GitLab names the whole path", () => {
    expect(forgeRepoOf("github", "https://github.com/team/web.git")).toEqual({
      forge: "github",
      api: "https://api.github.com",
      repo: "team/web",
    });
    expect(forgeRepoOf("github", "git@github.com:team/web.git")).toEqual({
      forge: "github",
      api: "https://api.github.com",
      repo: "team/web",
    });
    expect(forgeRepoOf("gitea", "https://example.test/git/team/web.git")).toEqual({
      forge: "gitea",
      api: "https://example.test/git/api/v1",
      repo: "team/web",
    });
    expect(forgeRepoOf("gitea", "ssh://git@example.test:2222/team/web.git")?.api).toBe("https://example.test/api/v1");
    expect(forgeRepoOf("gitlab", "https://gitlab.com/group/sub/web.git")).toEqual(gitlab);
    expect(forgeRepoOf("gitea", "https://127.0.0.1:3000/team/web.git", "http://127.0.0.1:3000/api/v1/")?.api).toBe(
      "http://127.0.0.1:3000/api/v1",
    );
    expect(forgeRepoOf("gitea", "file:///srv/git/web.git")).toBeNull();
  });

  it("tells the forge from source.forge, a forge trigger, or github.com's and gitlab.com's host", () => {
    const spec = (o: object) => PipelineSpecSchema.parse({ name: "web", stages: [], source: { from: "repository" }, ...o });
    const url = (u: string) => ({ repository: { url: u } });
    expect(forgeOf(spec(url("git@github.com:team/web.git")))).toBe("github");
    expect(forgeOf(spec(url("https://gitlab.com/team/web.git")))).toBe("gitlab");
    expect(forgeOf(spec(url("https://git.example.test/team/web.git")))).toBeNull();
    expect(forgeOf(spec({ ...url("https://git.example.test/team/web.git"), triggers: [{ provider: "gitea", secret: "HOOK" }] }))).toBe(
      "gitea",
    );
    expect(forgeOf(spec({ ...url("https://github.com/team/web.git"), source: { from: "repository", forge: "gitea" } }))).toBe("gitea");
  });
});

describe("proposing a change", () => {
  it("Gitea: reads the repository and the file, then one contents call puts the file on a new branch, then a pull request", () => {
    expect(repoRequest(gitea, "t")).toEqual({
      method: "GET",
      url: "https://git.example.test/api/v1/repos/team/web",
      headers: expect.objectContaining({ authorization: "token t" }),
    });
    expect(fileRequest(gitea, "t", "ci/.gantry.yaml", "main").url).toBe(
      "https://git.example.test/api/v1/repos/team/web/contents/ci/.gantry.yaml?ref=main",
    );
    const c = commitRequest(gitea, "t", change);
    expect(c).toMatchObject({ method: "PUT", url: "https://git.example.test/api/v1/repos/team/web/contents/ci/.gantry.yaml" });
    expect(c.body).toEqual({ message: "Add a lint task", content: b64, branch: "main", new_branch: "gantry/web-abc123", sha: change.sha });
    expect(commitRequest(gitea, "t", { ...change, sha: null })).toMatchObject({
      method: "POST",
      body: expect.not.objectContaining({ sha: expect.anything() }),
    });
    const pr = pullRequest(gitea, "t", { branch: change.branch, into: "main", title: "Add a lint task", body: "why" });
    expect(pr).toMatchObject({ method: "POST", url: "https://git.example.test/api/v1/repos/team/web/pulls" });
    expect(pr.body).toEqual({ head: "gantry/web-abc123", base: "main", title: "Add a lint task", body: "why" });
  });

  it("GitHub: the branch is a new ref at the default branch's commit, then the contents call on it, then a pull request", () => {
    expect(githubRefRequest(github, "t", "main")).toMatchObject({
      method: "GET",
      url: "https://api.github.com/repos/team/web/git/ref/heads/main",
      headers: expect.objectContaining({ authorization: "Bearer t", accept: "application/vnd.github+json" }),
    });
    expect(githubCreateRefRequest(github, "t", change.branch, "abc")).toMatchObject({
      method: "POST",
      url: "https://api.github.com/repos/team/web/git/refs",
      body: { ref: "refs/heads/gantry/web-abc123", sha: "abc" },
    });
    const c = commitRequest(github, "t", change);
    expect(c).toMatchObject({ method: "PUT", url: "https://api.github.com/repos/team/web/contents/ci/.gantry.yaml" });
    expect(c.body).toEqual({ message: "Add a lint task", content: b64, branch: "gantry/web-abc123", sha: change.sha });
    expect(pullRequest(github, "t", { branch: change.branch, into: "main", title: "x", body: "y" }).url).toBe(
      "https://api.github.com/repos/team/web/pulls",
    );
    expect(pullUrlOf("github", { html_url: "https://github.com/team/web/pull/5" })).toBe("https://github.com/team/web/pull/5");
  });

  it("GitLab: one commit with start_branch makes the branch, then a merge request; the file path is one encoded segment", () => {
    expect(fileRequest(gitlab, "t", "ci/.gantry.yaml", "main")).toMatchObject({
      url: "https://gitlab.com/api/v4/projects/group%2Fsub%2Fweb/repository/files/ci%2F.gantry.yaml?ref=main",
      headers: expect.objectContaining({ "private-token": "t" }),
    });
    const c = commitRequest(gitlab, "t", change);
    expect(c).toMatchObject({ method: "POST", url: "https://gitlab.com/api/v4/projects/group%2Fsub%2Fweb/repository/commits" });
    expect(c.body).toEqual({
      branch: "gantry/web-abc123",
      start_branch: "main",
      commit_message: "Add a lint task",
      actions: [{ action: "update", file_path: "ci/.gantry.yaml", content: "stages: []\n" }],
    });
    const mr = pullRequest(gitlab, "t", { branch: change.branch, into: "main", title: "x", body: "y" });
    expect(mr).toMatchObject({
      url: "https://gitlab.com/api/v4/projects/group%2Fsub%2Fweb/merge_requests",
      body: { source_branch: "gantry/web-abc123", target_branch: "main", title: "x", description: "y" },
    });
    expect(pullUrlOf("gitlab", { web_url: "https://gitlab.com/group/sub/web/-/merge_requests/3" })).toMatch(/merge_requests\/3$/);
    expect(pullUrlOf("gitlab", { web_url: "javascript:alert(1)" })).toBeNull();
  });
});
