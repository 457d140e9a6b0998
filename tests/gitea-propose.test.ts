import { randomBytes } from "node:crypto";
import { parse, stringify } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { post, put, testEnv, uniqueName } from "./api-helpers";
import {
  createRepo,
  createUser,
  giteaApi,
  giteaEnv,
  putFile,
  type Actor,
  type GiteaEnv,
  type GiteaPull,
  type GiteaRepo,
} from "./gitea-helpers";

/**
 * The designer's save of a pipeline kept in its repository, against a real Gitea: the design is
 * written into the file of the default branch as a document (comments, anchors and odd
 * indentation kept), committed to a new branch through Gitea's contents API with the token of
 * the project secret `source.token`, and proposed as a pull request, all read back through
 * Gitea's API, whose address `source.apiUrl` gives here.
 */

const gitea = giteaEnv();

/** A file as people write them: comments, an anchor and its alias, four-space and two-space indentation, a literal block. */
const FILE = `# The web team's pipeline. Ask #ci before changing the deploy stage.
params:
    -   name: TARGET        # where it deploys
        default: 'staging'
stages:
  - name: build   # compiles once
    tasks:
    - name: compile
      template: shell
      timeoutSeconds: &slow 900
      params:
        script: |
          echo compiling
          echo done
  - name: test
    tasks:
    - name: unit
      template: shell
      timeoutSeconds: *slow   # as slow as the build
      params: { script: "echo testing" }
`;

let dev: Actor;
let repo: GiteaRepo;
let pipelineId: string;
let name: string;

/** The designer's YAML for the file: what it would save, with Gantry's keys as the designer shows them. */
function design(change: (spec: Record<string, any>) => void): string {
  const spec = parse(FILE) as Record<string, any>;
  spec.name = name;
  spec.source = { from: "repository" };
  change(spec);
  return stringify(spec);
}

beforeAll(async () => {
  if (!gitea) return;
  testEnv();
  dev = await createUser(gitea);
  repo = await createRepo(gitea, dev, uniqueName("propose"));
  await putFile(gitea, repo, dev, ".gantry.yaml", FILE, "Add the pipeline");
  const tokenSecret = `GITEA_PROPOSE_${randomBytes(4).toString("hex").toUpperCase()}`;
  expect((await put(`/api/v1/projects/default/secrets/${tokenSecret}`, { value: dev.token })).status).toBeLessThan(300);
  name = uniqueName("propose");
  const created = await post("/api/v1/pipelines", {
    name,
    repository: { url: repo.clone_url },
    source: { from: "repository", token: tokenSecret, forge: "gitea", apiUrl: `${gitea.url}api/v1` },
    stages: [],
  });
  expect(created.status, created.text).toBe(201);
  pipelineId = created.body.id;
}, 60_000);

describe.skipIf(!gitea)("the designer proposes a change to a pipeline file on a real Gitea", () => {
  const env = gitea as GiteaEnv;

  it("commits the edited file to a new branch, only the edited lines changed, and opens a pull request into main", async () => {
    const designed = design((s) => {
      s.stages[0].tasks[0].params.script = "echo compiling\nmake all\n";
      s.stages[1].tasks.push({ name: "lint", template: "shell", params: { script: "echo linting" } });
    });
    const r = await post(`/api/v1/pipelines/${pipelineId}/propose`, { source: designed, message: "Build with make, add lint" });
    expect(r.status, r.text).toBe(201);
    expect(r.body.branch).toMatch(new RegExp(`^gantry/${name}-[0-9a-f]{6}$`));
    expect(r.body.url).toMatch(new RegExp(`/${repo.full_name}/pulls/\\d+$`));

    const file = await giteaApi<{ content: string }>(
      env,
      "GET",
      `/repos/${repo.full_name}/contents/.gantry.yaml?ref=${encodeURIComponent(r.body.branch)}`,
    );
    const text = Buffer.from(file.content, "base64").toString("utf8");
    expect(text).toBe(
      `${FILE.replace("          echo done\n", "          make all\n")}    - name: lint\n      template: shell\n      params:\n        script: echo linting\n`,
    );

    const pulls = await giteaApi<(GiteaPull & { html_url: string; body: string })[]>(
      env,
      "GET",
      `/repos/${repo.full_name}/pulls?state=open`,
    );
    const pr = pulls.find((p) => p.head.ref === r.body.branch);
    expect(pr).toMatchObject({ title: "Build with make, add lint", base: { ref: "main" }, html_url: r.body.url });
    expect(pr?.body).toContain(`\`${name}\``);
    // The default branch is untouched until the request is merged.
    const main = await giteaApi<{ content: string }>(env, "GET", `/repos/${repo.full_name}/contents/.gantry.yaml?ref=main`);
    expect(Buffer.from(main.content, "base64").toString("utf8")).toBe(FILE);
  });

  it("refuses a design that changes nothing in the file, and one whose file would not validate, opening nothing", async () => {
    const before = (await giteaApi<GiteaPull[]>(env, "GET", `/repos/${repo.full_name}/pulls?state=open`)).length;
    // A rename is Gantry's business, not the file's: nothing to propose.
    const same = await post(`/api/v1/pipelines/${pipelineId}/propose`, { source: design((s) => (s.name = "renamed")) });
    expect(same.status).toBe(400);
    expect(same.body.error.message).toMatch(/nothing to propose: \.gantry\.yaml on main already says/);
    const broken = await post(`/api/v1/pipelines/${pipelineId}/propose`, {
      source: design((s) => (s.stages[1].tasks[0].template = "no-such-template")),
    });
    expect(broken.status).toBe(422);
    expect(broken.body.error.details.errors).toEqual([expect.objectContaining({ path: "stages[1].tasks[0].template", line: 18 })]);
    expect((await giteaApi<GiteaPull[]>(env, "GET", `/repos/${repo.full_name}/pulls?state=open`)).length).toBe(before);
  });

  it("says what to set when the pipeline is kept in Gantry", async () => {
    const plain = await post("/api/v1/pipelines", {
      name: uniqueName("kept-here"),
      stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }],
    });
    expect(plain.status, plain.text).toBe(201);
    const r = await post(`/api/v1/pipelines/${plain.body.id}/propose`, { source: "stages: []\n" });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/is kept in Gantry, not in its repository: save it instead/);
  });
});
