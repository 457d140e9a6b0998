import { describe, expect, it } from "vitest";
import { loadBuiltinTemplates } from "@/server/templates/catalog";
import { buildJobFor, ownedSecret, type BuildJobInput } from "./build-job";
import { BuildJobSchema, type BuildJob } from "./buildjob-schema";
import { buildJobToJob, CLONE_CONTAINER, MAIN_CONTAINER } from "./job-spec";
import { RUN_ID, TASK_RUN_ID } from "./test-fixtures";
import { ExecutorError } from "../types";

const input = (over: Partial<BuildJobInput> = {}): BuildJobInput => ({
  namespace: "team-shop",
  pipeline: "shop-backend",
  taskRunId: TASK_RUN_ID,
  runId: RUN_ID,
  task: "build",
  stage: "build",
  attempt: 1,
  plan: {
    template: "node-build",
    templateVersion: 2,
    image: "node:22",
    command: ["npm", "ci"],
    localCommand: ["npm", "ci"],
    env: { NODE_ENV: "test" },
    timeoutSeconds: 900,
    retries: 1,
  },
  params: { BRANCH: "main", NPM_TOKEN: "npm_s3cr3t", NODE_ENV: "production" },
  secretParams: ["NPM_TOKEN"],
  singleTaskRun: false,
  ...over,
});

/** The pod of the Job a BuildJob read back from the API (with its uid) becomes. */
const podOf = (bj: BuildJob) => buildJobToJob({ ...bj, metadata: { ...bj.metadata, uid: "u-1" } }).spec!.template.spec!;

describe("task run attempt → BuildJob", () => {
  it("is a valid BuildJob named like its Job, labelled with run, task run and pipeline", () => {
    const { buildJob } = buildJobFor(input());
    expect(BuildJobSchema.safeParse(buildJob).error).toBeUndefined();
    expect(buildJob.metadata).toMatchObject({ name: "gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1", namespace: "team-shop" });
    expect(buildJob.metadata.labels).toMatchObject({
      "gantry.dev/run": RUN_ID,
      "gantry.dev/task-run": TASK_RUN_ID,
      "gantry.dev/pipeline": "shop-backend",
    });
  });

  it("keeps secret params out of the BuildJob: they go to a Secret the pod reads", () => {
    const { buildJob, paramsSecret } = buildJobFor(input());
    expect(JSON.stringify(buildJob)).not.toContain("npm_s3cr3t");
    expect(buildJob.spec.secretEnv).toEqual([
      { name: "NPM_TOKEN", secretName: "gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1-params", key: "NPM_TOKEN" },
    ]);
    expect(paramsSecret).toMatchObject({
      kind: "Secret",
      metadata: { name: "gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1-params", namespace: "team-shop" },
      stringData: { NPM_TOKEN: "npm_s3cr3t" },
    });
    expect(buildJobFor(input({ secretParams: [], params: { BRANCH: "main" } })).paramsSecret).toBeNull();
  });

  it("gives the plan's files (a webhook's event) through the params Secret, mounted read-only, named by env", () => {
    const files = [{ env: "GANTRY_EVENT_PATH", name: "event.json", content: '{"ref":"refs/heads/$(x)"}' }];
    const { buildJob, paramsSecret } = buildJobFor(input({ secretParams: [], params: {}, plan: { ...input().plan, files } }));
    expect(JSON.stringify(buildJob)).not.toContain("refs/heads");
    expect(buildJob.spec.plan.env.GANTRY_EVENT_PATH).toBe("/gantry/files/event.json");
    expect(paramsSecret!.stringData).toEqual({ "event.json": '{"ref":"refs/heads/$(x)"}' });
    expect(buildJob.spec.secretEnv).toBeUndefined();
    const pod = buildJobToJob({ ...buildJob, metadata: { ...buildJob.metadata, uid: "u-1" } }).spec!.template.spec!;
    // Only the files' keys: the same Secret may hold values the main container must not see.
    expect(pod.volumes).toContainEqual({
      name: expect.any(String),
      secret: { secretName: paramsSecret!.metadata!.name, items: [{ key: "event.json", path: "event.json" }] },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual(expect.objectContaining({ mountPath: "/gantry/files", readOnly: true }));
  });

  it("takes the task's kubernetes block: resources over the template's, envFrom, or a raw JobSpec labelled and owned", () => {
    const kubernetes = {
      resources: { requests: { cpu: "2" } },
      envFrom: [
        { configMap: "shop-config", prefix: "CFG_" },
        { secret: "registry-creds", optional: true },
      ],
    };
    const { buildJob } = buildJobFor(
      input({
        template: { resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1" } } },
        plan: { ...input().plan, kubernetes },
      }),
    );
    expect(buildJob.spec.resources).toEqual({ requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "2" } });
    const main = buildJobToJob({ ...buildJob, metadata: { ...buildJob.metadata, uid: "u-1" } }).spec!.template.spec!.containers[0];
    expect(main.envFrom).toEqual([
      { prefix: "CFG_", configMapRef: { name: "shop-config" } },
      { secretRef: { name: "registry-creds", optional: true } },
    ]);

    const jobSpec = {
      backoffLimit: 0,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "x", image: "busybox", command: ["true"] }] } },
    };
    const raw = buildJobFor(input({ plan: { ...input().plan, kubernetes: { jobSpec } } })).buildJob;
    expect(BuildJobSchema.safeParse(raw).error).toBeUndefined();
    const job = buildJobToJob({ ...raw, metadata: { ...raw.metadata, uid: "u-2" } });
    expect(job.spec!.template.spec!.containers).toEqual(jobSpec.template.spec.containers);
    expect(job.spec!.template.metadata!.labels).toMatchObject({ "gantry.dev/task-run": TASK_RUN_ID });
    expect(job.metadata!.ownerReferences![0]).toMatchObject({ kind: "BuildJob", uid: "u-2", controller: true });
  });

  it("clones the run's checkout, frozen in the plan, in an init container of every task's pod", () => {
    const git = { url: "https://git.example.com/shop.git", revision: "0123abcd", dir: "src" };
    const { buildJob } = buildJobFor(input({ plan: { ...input().plan, source: { git } } }));
    expect(BuildJobSchema.safeParse(buildJob).error).toBeUndefined();
    expect(buildJob.spec.source).toEqual({ git });
    expect(buildJob.spec.plan).not.toHaveProperty("source");
    const pod = buildJobToJob({ ...buildJob, metadata: { ...buildJob.metadata, uid: "u-1" } }).spec!.template.spec!;
    expect(pod.initContainers?.map((c) => [c.name, ...c.command!.slice(-3)])).toEqual([["clone", git.url, "src", "0123abcd"]]);
    expect(buildJobFor(input()).buildJob.spec.source).toBeUndefined();
  });

  it("leaves out a param the task's env overrides, as the local executor does", () => {
    const { buildJob } = buildJobFor(input());
    expect(buildJob.spec.params).toEqual({ BRANCH: "main" });
    expect(buildJob.spec.plan.env).toEqual({ NODE_ENV: "test" });
  });

  it("shares a PVC between the run's tasks, and gives a single-task run an emptyDir", () => {
    expect(buildJobFor(input()).buildJob.spec.workspace).toEqual({
      type: "PersistentVolumeClaim",
      claimName: "gantry-ws-0a1b2c3d4e5f4a6b8c7d8e9f0a1b2c3d",
    });
    expect(buildJobFor(input({ singleTaskRun: true, project: { workspaceSizeLimit: "5Gi" } })).buildJob.spec.workspace).toEqual({
      type: "EmptyDir",
      sizeLimit: "5Gi",
    });
  });

  it("takes cache path, sidecars and resources from the template, with the task's resources on top", () => {
    const { buildJob } = buildJobFor(
      input({
        template: {
          cachePath: "/home/gantry/.npm",
          sidecars: [{ name: "redis", role: "service", image: "redis:7" }],
          resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } },
        },
        taskResources: { requests: { memory: "3Gi" } },
      }),
    );
    expect(buildJob.spec.cache).toEqual({ claimName: "gantry-cache-shop-backend", mountPath: "/home/gantry/.npm" });
    expect(buildJob.spec.sidecars).toEqual([{ name: "redis", role: "service", image: "redis:7" }]);
    expect(buildJob.spec.resources).toEqual({ requests: { cpu: "1", memory: "3Gi" }, limits: { memory: "3Gi" } });
    expect(buildJob.spec.security).toBeUndefined();
  });

  it("gives a template that needs cluster access the project's deploy account and its token, and no other task either", () => {
    const project = { scheduling: { serviceAccountName: "builder", nodeSelector: { pool: "ci" } }, deployServiceAccount: "deployer" };
    const deploy = buildJobFor(input({ template: { needsClusterAccess: true }, project })).buildJob.spec;
    expect(deploy.scheduling).toEqual({ serviceAccountName: "deployer", nodeSelector: { pool: "ci" } });
    expect(deploy.security).toEqual({ automountServiceAccountToken: true });
    const build = buildJobFor(input({ template: {}, project })).buildJob.spec;
    expect(build.scheduling).toEqual({ serviceAccountName: "builder", nodeSelector: { pool: "ci" } });
    expect(build.security).toBeUndefined();
  });

  it("refuses a task that needs cluster access in a project without a deploy account, saying which setting is missing", () => {
    let err: unknown;
    try {
      buildJobFor(input({ template: { needsClusterAccess: true }, project: { scheduling: { serviceAccountName: "builder" } } }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as ExecutorError).permanent).toBe(true);
    expect((err as Error).message).toMatch(/needs the project's deploy service account: a maintainer sets 'Deploy service account'/);
  });

  it("mounts the pipeline's cache volume into the build templates' pods as $GANTRY_CACHE, the name local tasks get their cache directory by", () => {
    const builds = loadBuiltinTemplates().filter((t) => ["node-build", "go-build", "maven-build"].includes(t.name));
    expect(builds).toHaveLength(3);
    for (const t of builds) {
      const pod = podOf(buildJobFor(input({ template: t })).buildJob);
      const main = pod.containers.find((c) => c.name === MAIN_CONTAINER)!;
      expect(t.cachePath, t.name).toBe("/gantry/cache");
      expect(pod.volumes, t.name).toContainEqual({ name: "cache", persistentVolumeClaim: { claimName: "gantry-cache-shop-backend" } });
      expect(main.volumeMounts, t.name).toContainEqual({ name: "cache", mountPath: "/gantry/cache" });
      expect(main.env, t.name).toContainEqual({ name: "GANTRY_CACHE", value: "/gantry/cache" });
      // The templates write whether the cache held the lockfile's dependencies as a result: declared, so it is kept.
      expect(
        t.results?.map((r) => r.name),
        t.name,
      ).toEqual(["cache", "cache-key"]);
    }
    expect(podOf(buildJobFor(input()).buildJob).containers[0].env!.map((e) => e.name)).not.toContain("GANTRY_CACHE");
  });

  it("prefers the plan's sidecars, whose params were filled in when the run was created", () => {
    const plan = { ...input().plan, sidecars: [{ name: "database", role: "service" as const, image: "postgres:16" }] };
    const { buildJob } = buildJobFor(
      input({ plan, template: { sidecars: [{ name: "database", role: "service", image: "{{params.database}}:{{params.version}}" }] } }),
    );
    expect(buildJob.spec.sidecars).toEqual([{ name: "database", role: "service", image: "postgres:16" }]);
  });

  it("carries the project's node placement into the pod", () => {
    const scheduling = {
      nodeSelector: { pool: "build" },
      tolerations: [{ key: "build", operator: "Exists" as const, effect: "NoSchedule" as const }],
      serviceAccountName: "builder",
    };
    const { buildJob } = buildJobFor(input({ project: { scheduling, ttlSecondsAfterFinished: 600 } }));
    const job = buildJobToJob({ ...buildJob, metadata: { ...buildJob.metadata, uid: "u-1" } });
    expect(job.spec!.template.spec).toMatchObject({
      nodeSelector: { pool: "build" },
      serviceAccountName: "builder",
      tolerations: scheduling.tolerations,
    });
    expect(job.spec!.ttlSecondsAfterFinished).toBe(600);
  });

  it("has the params Secret owned by the created BuildJob, so pruning the BuildJob removes it", () => {
    const { buildJob, paramsSecret } = buildJobFor(input());
    const owned = ownedSecret(paramsSecret!, { ...buildJob, metadata: { ...buildJob.metadata, uid: "u-1" } });
    expect(owned.metadata!.ownerReferences).toEqual([
      {
        apiVersion: "gantry.dev/v1alpha1",
        kind: "BuildJob",
        name: buildJob.metadata.name,
        uid: "u-1",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  describe("a private repository's credentials", () => {
    const token = "ghp_cl0ne-t0ken-value";
    const https = {
      url: "https://git.example.com/shop.git",
      revision: "main",
      dir: "src",
      credentials: { secret: "GIT_TOKEN", username: "x-access-token" },
    };
    const created = (bj: ReturnType<typeof buildJobFor>["buildJob"]) => ({ ...bj, metadata: { ...bj.metadata, uid: "u-1" } });
    const env = (c: { env?: { name: string }[] } | undefined) => (c?.env ?? []).map((e) => e.name);

    it("go into the params Secret under Gantry's own keys; the BuildJob and its Job only say where the clone reads them", () => {
      const { buildJob, paramsSecret } = buildJobFor(
        input({ secretParams: [], params: {}, plan: { ...input().plan, source: { git: https } }, cloneSecrets: { GIT_TOKEN: token } }),
      );
      expect(BuildJobSchema.safeParse(buildJob).error).toBeUndefined();
      const secretName = paramsSecret!.metadata!.name!;
      expect(paramsSecret!.stringData).toEqual({ "gantry-git-password": token });
      expect(buildJob.spec.source!.git!.credentials).toEqual({
        username: "x-access-token",
        password: { secretName, key: "gantry-git-password" },
      });
      const job = buildJobToJob(created(buildJob));
      expect(JSON.stringify(buildJob)).not.toContain(token);
      expect(JSON.stringify(job)).not.toContain(token);
      const pod = job.spec!.template.spec!;
      const clone = pod.initContainers!.find((c) => c.name === CLONE_CONTAINER)!;
      expect(clone.env).toEqual([
        { name: "HOME", value: "/home/gantry" },
        { name: "GANTRY_GIT_USERNAME", value: "x-access-token" },
        { name: "GANTRY_GIT_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "gantry-git-password" } } },
      ]);
      // Not in argv either: the clone's command is the constant script and URL, dir, revision.
      expect(clone.command!.join(" ")).not.toContain(token);
      const main = pod.containers.find((c) => c.name === MAIN_CONTAINER)!;
      expect(env(main)).not.toContain("GANTRY_GIT_PASSWORD");
      expect(JSON.stringify(main)).not.toContain("gantry-git-password");
      expect(pod.volumes!.filter((v) => v.secret)).toEqual([]);
    });

    it("reach the main container only when the task lists the secret itself, and then as its own variable", () => {
      const plan = { ...input().plan, secrets: ["GIT_TOKEN"], source: { git: https } };
      const { buildJob, paramsSecret } = buildJobFor(
        input({ params: { GIT_TOKEN: token }, secretParams: ["GIT_TOKEN"], plan, cloneSecrets: { GIT_TOKEN: token } }),
      );
      expect(paramsSecret!.stringData).toEqual({ GIT_TOKEN: token, "gantry-git-password": token });
      const pod = buildJobToJob(created(buildJob)).spec!.template.spec!;
      const main = pod.containers.find((c) => c.name === MAIN_CONTAINER)!;
      expect(env(main)).toContain("GIT_TOKEN");
      expect(env(main)).not.toContain("GANTRY_GIT_PASSWORD");
    });

    it("give an ssh key and known hosts to the clone by secretKeyRef, and fail the attempt for good when a value was not resolved", () => {
      const git = {
        url: "git@git.example.com:shop.git",
        revision: "main",
        dir: "src",
        credentials: { sshKey: "DEPLOY_KEY", knownHosts: "HOSTS" },
      };
      const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
      const { buildJob, paramsSecret } = buildJobFor(
        input({
          secretParams: [],
          params: {},
          plan: { ...input().plan, source: { git } },
          cloneSecrets: { DEPLOY_KEY: key, HOSTS: "git.example.com ssh-ed25519 AAAA" },
        }),
      );
      expect(paramsSecret!.stringData).toEqual({ "gantry-git-ssh-key": key, "gantry-git-known-hosts": "git.example.com ssh-ed25519 AAAA" });
      expect(JSON.stringify(buildJob)).not.toContain("PRIVATE KEY");
      const clone = buildJobToJob(created(buildJob)).spec!.template.spec!.initContainers!.find((c) => c.name === CLONE_CONTAINER)!;
      expect(env(clone)).toEqual(["HOME", "GANTRY_GIT_SSH_KEY", "GANTRY_GIT_KNOWN_HOSTS"]);
      expect(() => buildJobFor(input({ plan: { ...input().plan, source: { git } }, cloneSecrets: {} }))).toThrow(
        /secret 'DEPLOY_KEY' for the clone was not resolved/,
      );
    });
  });

  it("runs a runAsRoot template's main container as uid 0 only where the project allows privileged builds", () => {
    const root = input({ plan: { ...input().plan, template: "kaniko-build", runAsRoot: true } });
    expect(() => buildJobFor(root)).toThrow(/runs as root \(runAsRoot\), and this project does not allow privileged builds/);
    const { buildJob } = buildJobFor({ ...root, project: { privilegedBuilds: true } });
    expect(buildJob.spec.security).toEqual({ runAsRoot: true });
    const pod = buildJobToJob({ ...buildJob, metadata: { ...buildJob.metadata, uid: "u-3" } }).spec!.template.spec!;
    expect(pod.containers[0].securityContext).toEqual({ runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 });
    // The rest of the pod stays as restricted asks: the clone container and the pod's defaults.
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    for (const c of pod.initContainers ?? []) expect(c.securityContext?.runAsNonRoot).toBe(true);
    // A template without runAsRoot is never root, privileged project or not.
    const plain = buildJobFor({ ...input(), project: { privilegedBuilds: true } }).buildJob;
    expect(plain.spec.security).toBeUndefined();
  });
});
