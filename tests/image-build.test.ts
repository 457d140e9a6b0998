import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistry, type Registry } from "@/scripts/lib/tools/registry";
import { get, post, put, sandboxReadableDir, testEnv, uniqueName, waitForRun } from "./api-helpers";
import { gitEnv } from "./git-env";
import { createTestProject, type TestProject } from "./project-helpers";

/**
 * The image build on the local executor against a real OCI registry (the CNCF Distribution
 * registry, with htpasswd auth and its notifications pointed at Gantry): a pipeline checks out a
 * git repository, the kaniko-build template builds its Dockerfile with buildah in the task sandbox
 * and pushes `registry/app:<shortSha>`; the registry then holds the digest the task reports, and
 * its push notification starts the deploy pipeline with the pushed image in the event values.
 */

let p: TestProject;
let registry: Registry;
let repo: string;
let sha: string;
let deployId: string;
const USER = "builder";
const PASSWORD = randomBytes(12).toString("hex");
const HOOK_SECRET = `hook-${randomBytes(12).toString("hex")}`;
const tok = () => p.users.owner.token;
const api = (path: string) => `/api/v1/projects/${p.slug}${path}`;

type TaskJson = { id: string; name: string; status: string; message: string | null; results: Record<string, string> };
const tasks = (run: { stages: { tasks: TaskJson[] }[] }) => run.stages.flatMap((s) => s.tasks);
const log = async (taskRunId: string) => (await get(`/api/v1/task-runs/${taskRunId}/logs`, { token: tok() })).text;

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

async function create(spec: object): Promise<string> {
  const r = await post(`/api/v1/pipelines?project=${p.slug}`, spec, { token: tok() });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

/** Polls the pipeline's runs until one is there (started by the registry's notification). */
async function firstRunOf(pipelineId: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const page = (await get(`/api/v1/pipelines/${pipelineId}/runs`, { token: tok() })).body;
    if (page.items?.length) return page.items.at(-1).id as string;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no run of pipeline ${pipelineId} started within ${timeoutMs} ms: the registry's notification did not arrive`);
}

beforeAll(async () => {
  const { url } = testEnv();
  p = await createTestProject("images");
  // The deploy pipeline, started by the registry's push notifications.
  expect((await put(api("/secrets/REGISTRY_HOOK"), { value: HOOK_SECRET }, { token: tok() })).status).toBeLessThan(300);
  deployId = await create({
    name: uniqueName("deploy"),
    triggers: [{ provider: "registry", secret: "REGISTRY_HOOK" }],
    stages: [
      {
        name: "deploy",
        tasks: [
          {
            name: "show",
            template: "shell",
            params: { script: 'echo "type={{ event.type }} image={{ event.image }} env=$IMAGE digest=$GIT_SHA tag=$GIT_TAG"' },
          },
        ],
      },
    ],
  });
  registry = await startRegistry({
    dir: path.join(sandboxReadableDir("gantry-registry-"), "registry"),
    htpasswd: `${USER}:${bcrypt.hashSync(PASSWORD, 5)}\n`,
    notifications: { url: `${url}/api/v1/hooks/registry/${deployId}`, headers: { Authorization: `Bearer ${HOOK_SECRET}` } },
  });
  // The credentials the build gets, as a project secret holding a docker config JSON.
  const auth = { auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } };
  expect((await put(api("/secrets/REGISTRY_AUTH"), { value: JSON.stringify(auth) }, { token: tok() })).status).toBeLessThan(300);

  repo = sandboxReadableDir("gantry-image-repo-");
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", repo, ...args], {
      encoding: "utf8",
      env: gitEnv,
    }).trim();
  git("init", "-q", "-b", "main");
  mkdirSync(path.join(repo, "app"));
  writeFileSync(
    path.join(repo, "app/Dockerfile"),
    'FROM scratch\nCOPY index.html /srv/index.html\nLABEL org.opencontainers.image.title="app"\n',
  );
  writeFileSync(path.join(repo, "app/index.html"), `<h1>build ${randomBytes(4).toString("hex")}</h1>\n`);
  git("add", ".");
  git("commit", "-q", "-m", "app");
  sha = git("rev-parse", "HEAD");
  // The build task is uid 0 of its sandbox namespace (host uid 65534): git clones a local repository
  // only from an owner it maps to itself (safe.directory), so the repository is the sandbox uid's.
  execFileSync("chown", ["-R", "65534:65534", repo]);
}, 300_000);

afterAll(async () => {
  await registry?.stop();
  if (repo) rmSync(repo, { recursive: true, force: true });
  await p?.pool.end();
});

describe("image build (local executor, buildah) and the registry's notifications", () => {
  it("builds the checkout's Dockerfile, pushes app:<shortSha> with the project's credentials, and the push starts the deploy pipeline", async () => {
    const buildId = await create({
      name: uniqueName("build"),
      repository: { url: `file://${repo}`, revision: sha, dir: "src" },
      stages: [
        {
          name: "image",
          tasks: [
            {
              name: "image",
              template: "kaniko-build",
              params: {
                image: `${registry.host}/app:{{ git.shortSha }}`,
                context: "src/app",
                insecureRegistry: true,
                registryAuth: "{{ secrets.REGISTRY_AUTH }}",
              },
            },
          ],
        },
      ],
    });
    const r = await post(`/api/v1/pipelines/${buildId}/runs`, {}, { token: tok() });
    expect(r.status, r.text).toBe(201);
    const run = await waitForRun(r.body.id, 240_000);
    const [build] = tasks(run);
    expect(run.status, `${JSON.stringify(run)}\n${await log(build.id)}`).toBe("succeeded");
    const image = `${registry.host}/app:${sha.slice(0, 7)}`;
    expect(build.results.image).toBe(image);
    expect(build.results.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The registry holds that digest under the tag, and only for those who have the credentials.
    const manifest = `${registry.url}/v2/app/manifests/${sha.slice(0, 7)}`;
    expect((await fetch(manifest, { method: "HEAD", headers: { accept: MANIFEST_TYPES } })).status).toBe(401);
    const head = await fetch(manifest, { method: "HEAD", headers: { accept: MANIFEST_TYPES, authorization: basic } });
    expect(head.status).toBe(200);
    expect(head.headers.get("docker-content-digest")).toBe(build.results.digest);

    // The registry told Gantry: the deploy pipeline ran with the pushed tag and digest as its event.
    const deploy = await waitForRun(await firstRunOf(deployId), 60_000);
    expect(deploy.status, JSON.stringify(deploy)).toBe("succeeded");
    expect(await log(tasks(deploy)[0].id)).toContain(
      `type=image image=${image} env=${image} digest=${build.results.digest} tag=${sha.slice(0, 7)}`,
    );
  });
});
