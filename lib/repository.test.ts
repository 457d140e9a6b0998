import { describe, expect, it } from "vitest";
import { parseSpecText } from "./parse-spec";
import { PipelineSpecSchema } from "./pipeline-spec";
import { defaultRunRef, repositoryKey, resolveSource, sameRepository, type RepositorySpec } from "./repository";

const spec = (repository: string, params = "") => `
name: web
${params}
repository:
${repository}
stages:
  - name: build
    tasks:
      - name: say
        template: shell
        params: { script: "ls src" }
`;

const errorsOf = (text: string) => {
  const r = parseSpecText(text);
  return r.ok ? [] : r.errors.map((e) => ({ path: e.path, message: e.message, line: e.line }));
};

describe("pipeline repository in the spec", () => {
  it("accepts each URL form and defaults the directory to src", () => {
    for (const url of [
      "https://github.com/acme/web.git",
      "ssh://git@git.example.com:2222/acme/web.git",
      "git@github.com:acme/web.git",
      "file:///srv/git/web",
    ]) {
      const r = parseSpecText(spec(`  url: ${url}`));
      expect(r.ok, `${url}: ${JSON.stringify(r)}`).toBe(true);
      if (r.ok) expect(r.spec.repository).toEqual({ url, dir: "src" });
    }
  });

  it("leaves the field out when the spec has none", () => {
    const r = PipelineSpecSchema.parse({ name: "web", stages: [{ name: "s", tasks: [{ name: "t", template: "shell" }] }] });
    expect(r.repository).toBeUndefined();
  });

  it("refuses URLs git would not take as a repository, or that carry credentials, at repository.url", () => {
    for (const url of [
      "http://github.com/acme/web",
      "ftp://host/x",
      "-u/x",
      "github.com/acme/web",
      "https://user:token@github.com/acme/web.git",
    ]) {
      const errs = errorsOf(spec(`  url: "${url}"`));
      expect(errs, url).toHaveLength(1);
      expect(errs[0]).toMatchObject({ path: "repository.url", line: 5 });
    }
    expect(errorsOf(spec(`  url: "https://user:token@github.com/acme/web.git"`))[0].message).toContain("password or token");
    expect(errorsOf(spec("  revision: main"))).toEqual([{ path: "repository.url", message: "required", line: 5 }]);
  });

  it("keeps the checkout inside the workspace", () => {
    for (const dir of ["../x", "/abs", "a/../b", ".", "a//b", "-x", "a b"]) {
      const errs = errorsOf(spec(`  url: https://github.com/acme/web.git\n  dir: "${dir}"`));
      expect(
        errs.map((e) => e.path),
        dir,
      ).toEqual(["repository.dir"]);
      expect(errs[0].message).toContain("inside the workspace");
    }
    expect(errorsOf(spec("  url: https://github.com/acme/web.git\n  dir: app/.src_1"))).toEqual([]);
  });

  it("refuses revisions that git would read as an option, and unknown or secret params in them", () => {
    const url = "  url: https://github.com/acme/web.git\n";
    expect(errorsOf(spec(`${url}  revision: "--upload-pack=x"`))).toMatchObject([
      { path: "repository.revision", message: "must not start with '-'" },
    ]);
    expect(errorsOf(spec(`${url}  revision: "main branch"`))[0].message).toContain("spaces");
    expect(errorsOf(spec(`${url}  revision: "main:refs/heads/x"`))).toMatchObject([
      { path: "repository.revision", message: "must not contain ':'" },
    ]);
    expect(errorsOf(spec(`${url}  revision: "{{params.BRANCH}}"`))).toMatchObject([
      { path: "repository.revision", message: "unknown param 'BRANCH' (declared: none)" },
    ]);
    const params = "params:\n  - name: TOKEN\n    secret: true\n  - name: BRANCH\n    default: main";
    expect(errorsOf(spec(`${url}  revision: "{{params.TOKEN}}"`, params))[0].message).toContain("is secret");
    expect(errorsOf(spec(`${url}  revision: "release/{{ params.BRANCH }}"`, params))).toEqual([]);
    expect(errorsOf(spec(`${url}  revision: "{{params.BRANCH}}"`, "params:\n  - name: BRANCH\n    default: -f"))).toMatchObject([
      { path: "params[0].default", message: "used in repository.revision: must not start with '-'" },
    ]);
  });

  it("names unknown fields of the repository", () => {
    expect(errorsOf(spec("  url: https://github.com/acme/web.git\n  branch: main"))).toMatchObject([
      { path: "repository", message: "unknown field 'branch'" },
    ]);
  });
});

describe("the checkout a run gets", () => {
  const repo: RepositorySpec = { url: "https://github.com/acme/web.git", revision: "main", dir: "src" };

  it("is nothing without a repository in the spec", () => {
    expect(resolveSource(undefined, {}, { repoUrl: "https://github.com/acme/web.git", sha: "abc" })).toEqual({ ok: true, source: null });
  });

  it("is the spec's revision for a run started by hand, else the default branch", () => {
    expect(resolveSource(repo, {})).toEqual({ ok: true, source: { url: repo.url, revision: "main", dir: "src" } });
    expect(resolveSource({ url: repo.url, dir: "app" }, {})).toEqual({ ok: true, source: { url: repo.url, revision: "HEAD", dir: "app" } });
  });

  it("is the run's branch or tag when one was given (the Run dialog, the API's ref), never an option for git", () => {
    expect(resolveSource(repo, {}, null, "release/1.2")).toEqual({
      ok: true,
      source: { url: repo.url, revision: "release/1.2", dir: "src" },
    });
    expect(resolveSource(repo, {}, null, "refs/tags/v2.0.0")).toMatchObject({ ok: true, source: { revision: "v2.0.0" } });
    expect(resolveSource(repo, {}, null, "--upload-pack=evil")).toMatchObject({ ok: false, errors: [{ path: "ref" }] });
    // A webhook's own commit wins over a label.
    expect(resolveSource(repo, {}, { repoUrl: repo.url, sha: "0123abcd" }, "main")).toMatchObject({ source: { revision: "0123abcd" } });
  });

  it("is the pushed commit when a webhook of the same repository started the run, however the URL is spelt", () => {
    const r = resolveSource(repo, {}, { repoUrl: "git@GitHub.com:acme/web", sha: "0123abcd", branch: "feature/x" });
    expect(r).toEqual({ ok: true, source: { url: repo.url, revision: "0123abcd", dir: "src" } });
    expect(resolveSource(repo, {}, { repoUrl: repo.url, sha: null, tag: "v1.2.0" })).toMatchObject({ source: { revision: "v1.2.0" } });
  });

  it("ignores events of another repository, and event text git would read as an option", () => {
    expect(resolveSource(repo, {}, { repoUrl: "https://github.com/acme/lib.git", sha: "0123abcd" })).toMatchObject({
      source: { revision: "main" },
    });
    expect(resolveSource(repo, {}, { repoUrl: repo.url, sha: null, branch: "--upload-pack=x" })).toMatchObject({
      source: { revision: "main" },
    });
  });

  it("fills params into the revision and says which param broke it", () => {
    const withParam = { ...repo, revision: "{{params.BRANCH}}" };
    expect(resolveSource(withParam, { BRANCH: "release/2" })).toMatchObject({ source: { revision: "release/2" } });
    expect(resolveSource(withParam, { BRANCH: "" })).toMatchObject({ source: { revision: "HEAD" } });
    expect(resolveSource(withParam, { BRANCH: "-x" })).toEqual({
      ok: false,
      errors: [{ path: "params.BRANCH", message: "used in repository.revision: must not start with '-'" }],
    });
  });

  it("compares repositories by host and path", () => {
    expect(repositoryKey("https://github.com/Acme/Web.git/")).toBe("github.com/acme/web");
    expect(repositoryKey("ssh://git@github.com:22/acme/web.git")).toBe("github.com/acme/web");
    expect(sameRepository("file:///srv/git/web", "file:///srv/git/web.git")).toBe(true);
    expect(sameRepository("https://github.com/acme/web", "https://gitlab.com/acme/web")).toBe(false);
    expect(sameRepository("not a url", "not a url")).toBe(false);
  });
});

describe("credentials of a private repository", () => {
  const https = "  url: https://github.com/acme/web.git\n";
  const ssh = "  url: git@github.com:acme/web.git\n";

  it("names project secrets only: a token for https, a key (and known hosts) for ssh", () => {
    const r = parseSpecText(spec(`${https}  credentials:\n    secret: GIT_TOKEN\n    username: bot`));
    expect(r.ok && r.spec.repository?.credentials).toEqual({ secret: "GIT_TOKEN", username: "bot" });
    expect(errorsOf(spec(`${ssh}  credentials: { sshKey: DEPLOY_KEY, knownHosts: GITHUB_HOSTS }`))).toEqual([]);
    expect(errorsOf(spec(`  url: ssh://git@git.example.com:2222/acme/web.git\n  credentials: { sshKey: DEPLOY_KEY }`))).toEqual([]);
  });

  it("refuses a credential that does not fit the URL, at its field", () => {
    expect(errorsOf(spec(`${ssh}  credentials: { secret: GIT_TOKEN }`))).toMatchObject([
      { path: "repository.credentials.secret", message: expect.stringContaining("needs an https:// URL") },
    ]);
    expect(errorsOf(spec(`${https}  credentials: { sshKey: DEPLOY_KEY }`))).toMatchObject([
      { path: "repository.credentials.sshKey", message: expect.stringContaining("ssh:// or git@host:path") },
    ]);
    expect(errorsOf(spec(`  url: file:///srv/git/web\n  credentials: { sshKey: DEPLOY_KEY }`))).toMatchObject([
      { path: "repository.credentials", message: "a file:/// repository takes no credentials" },
    ]);
    expect(
      errorsOf(spec(`  url: https://bob@github.com/acme/web.git\n  credentials: { secret: GIT_TOKEN, username: alice }`)),
    ).toMatchObject([{ path: "repository.credentials.username", message: "the URL already names user 'bob': drop one of them" }]);
  });

  it("refuses mixed, empty or malformed credentials, naming the field", () => {
    expect(errorsOf(spec(`${https}  credentials: {}`))).toMatchObject([
      { path: "repository.credentials", message: expect.stringContaining("either secret") },
    ]);
    expect(errorsOf(spec(`${https}  credentials: { secret: A, sshKey: B }`)).map((e) => e.path)).toContain("repository.credentials.sshKey");
    expect(errorsOf(spec(`${ssh}  credentials: { sshKey: K, username: x }`))).toMatchObject([{ path: "repository.credentials.username" }]);
    expect(errorsOf(spec(`${https}  credentials: { secret: T, knownHosts: H }`))).toMatchObject([
      { path: "repository.credentials.knownHosts" },
    ]);
    expect(errorsOf(spec(`${https}  credentials: { secret: git-token }`))).toMatchObject([
      { path: "repository.credentials.secret", message: expect.stringContaining("project secret") },
    ]);
    expect(errorsOf(spec(`${https}  credentials: { secret: T, username: "a:b" }`))).toMatchObject([
      { path: "repository.credentials.username" },
    ]);
    expect(errorsOf(spec(`${https}  credentials: { secret: T, password: x }`))).toMatchObject([
      { path: "repository.credentials", message: "unknown field 'password'" },
    ]);
  });

  it("reach the plan as names, with the https user name decided at run creation", () => {
    const url = "https://github.com/acme/web.git";
    expect(resolveSource({ url, dir: "src", credentials: { secret: "GIT_TOKEN" } }, {})).toMatchObject({
      source: { credentials: { secret: "GIT_TOKEN", username: "x-access-token" } },
    });
    expect(
      resolveSource({ url: "https://bob@github.com/acme/web.git", dir: "src", credentials: { secret: "GIT_TOKEN" } }, {}),
    ).toMatchObject({ source: { credentials: { secret: "GIT_TOKEN" } } });
    expect(resolveSource({ url: "https://bob@github.com/acme/web.git", dir: "src", credentials: { secret: "T" } }, {})).not.toMatchObject({
      source: { credentials: { username: expect.anything() } },
    });
    const bySsh = resolveSource(
      { url: "git@github.com:acme/web.git", dir: "src", credentials: { sshKey: "K", knownHosts: "H" } },
      {},
      { repoUrl: url, sha: "0123abcd" },
    );
    expect(bySsh).toEqual({
      ok: true,
      source: { url: "git@github.com:acme/web.git", revision: "0123abcd", dir: "src", credentials: { sshKey: "K", knownHosts: "H" } },
    });
  });
});

describe("defaultRunRef", () => {
  it("offers the repository's branch or tag for a run started by hand", () => {
    expect(defaultRunRef({ revision: "release/2.x" })).toBe("release/2.x");
    expect(defaultRunRef({ revision: "refs/heads/main" })).toBe("main");
    expect(defaultRunRef({ revision: "refs/tags/v1.2.0" })).toBe("refs/tags/v1.2.0");
  });

  it("offers nothing when the revision is not known before the run", () => {
    expect(defaultRunRef(undefined)).toBeUndefined();
    expect(defaultRunRef({})).toBeUndefined();
    expect(defaultRunRef({ revision: "{{ params.BRANCH }}" })).toBeUndefined();
    expect(defaultRunRef({ revision: "0123456789abcdef0123456789abcdef01234567" })).toBeUndefined();
    expect(defaultRunRef({ revision: "HEAD" })).toBeUndefined();
  });
});
