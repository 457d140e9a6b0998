import type { V1Container, V1EnvVar, V1Job, V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ExecutorError } from "../types";
import { BuildJobSchema, DNS1123_LABEL } from "./buildjob-schema";
import {
  buildJobToJob,
  CLONE_CONTAINER,
  CLONE_SCRIPT,
  DEFAULT_TTL_SECONDS,
  escapeExpansion,
  HOME_PATH,
  IDLE_COMMAND,
  MAIN_CONTAINER,
  METRICS_FILE,
  RESULTS_DIR,
  METRICS_WRAPPER,
  WORKSPACE_PATH,
} from "./job-spec";
import { idPart, jobName, labelValue } from "./names";
import { mergeResources, quantityValue } from "./resources";
import { RUN_ID, sampleBuildJob, TASK_RUN_ID } from "./test-fixtures";

const pod = (job: V1Job): V1PodSpec => job.spec!.template.spec!;
const main = (job: V1Job): V1Container => pod(job).containers.find((c) => c.name === MAIN_CONTAINER)!;
const envOf = (c: V1Container) => Object.fromEntries((c.env ?? []).map((e: V1EnvVar) => [e.name, e.value ?? e.valueFrom]));
const allContainers = (p: V1PodSpec) => [...(p.initContainers ?? []), ...p.containers];

/** The checks of the Pod Security "restricted" profile that a pod spec alone decides. */
function restrictedViolations(p: V1PodSpec): string[] {
  const out: string[] = [];
  const podNonRoot = p.securityContext?.runAsNonRoot === true;
  if (p.securityContext?.seccompProfile?.type !== "RuntimeDefault") out.push("pod: seccompProfile is not RuntimeDefault");
  if (p.securityContext?.runAsUser === 0) out.push("pod: runs as root");
  for (const c of allContainers(p)) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if (!sc.capabilities?.drop?.includes("ALL")) out.push(`${c.name}: capabilities are not dropped`);
    if (sc.capabilities?.add?.some((a) => a !== "NET_BIND_SERVICE")) out.push(`${c.name}: adds capabilities`);
    if (sc.privileged) out.push(`${c.name}: privileged`);
    if (!(sc.runAsNonRoot ?? podNonRoot)) out.push(`${c.name}: may run as root`);
    if (sc.runAsUser === 0) out.push(`${c.name}: runs as root`);
  }
  for (const v of p.volumes ?? []) if (v.hostPath) out.push(`volume ${v.name}: hostPath`);
  return out;
}

describe("BuildJob → Job", () => {
  it("names the Job after the task run and attempt: a DNS label of at most 63 characters", () => {
    const job = buildJobToJob(sampleBuildJob());
    expect(job.metadata!.name).toBe("gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1");
    expect(job.metadata!.name!.length).toBeLessThanOrEqual(63);
    expect(job.metadata!.name).toMatch(DNS1123_LABEL);
    expect(buildJobToJob(sampleBuildJob({ attempt: 10 })).metadata!.name).toBe("gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a10");
    expect(job.metadata!.namespace).toBe("team-shop");
  });

  it("gives the same Job for the same BuildJob, so a second reconcile finds nothing to change", () => {
    expect(buildJobToJob(sampleBuildJob())).toEqual(buildJobToJob(sampleBuildJob()));
  });

  it("is owned by its BuildJob as controller, so deleting the BuildJob deletes the Job and its pods", () => {
    const job = buildJobToJob(sampleBuildJob());
    expect(job.metadata!.ownerReferences).toEqual([
      {
        apiVersion: "gantry.dev/v1alpha1",
        kind: "BuildJob",
        name: "gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1",
        uid: "5e3d1c2b-aaaa-4bbb-8ccc-123456789abc",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(() => buildJobToJob(sampleBuildJob({}, { uid: undefined }))).toThrow(/has no uid/);
  });

  it("labels the Job and its pods with run, task run and pipeline", () => {
    const job = buildJobToJob(sampleBuildJob());
    const want = {
      "gantry.dev/run": RUN_ID,
      "gantry.dev/task-run": TASK_RUN_ID,
      "gantry.dev/pipeline": "shop-backend",
      "gantry.dev/task": "unit-tests",
      "gantry.dev/build-job": "gantry-7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b-a1",
      "app.kubernetes.io/managed-by": "gantry",
    };
    expect(job.metadata!.labels).toEqual(want);
    expect(job.spec!.template.metadata!.labels).toEqual(want);
    expect(job.metadata!.annotations).toEqual({ "gantry.dev/attempt": "1", "gantry.dev/template": "shell@3" });
  });

  it("runs the plan's argv in the main container, in the workspace, with params, task env and GANTRY_* variables", () => {
    const c = main(buildJobToJob(sampleBuildJob()));
    expect(c.image).toBe("debian:bookworm-slim");
    // Through the metrics wrapper, run by the task's own shell (see the next test).
    expect(c.command).toEqual([
      "bash",
      "-c",
      escapeExpansion(METRICS_WRAPPER),
      "gantry-task",
      "bash",
      "-eo",
      "pipefail",
      "-c",
      "make test",
    ]);
    expect(c.args).toBeUndefined();
    expect(c.workingDir).toBe(WORKSPACE_PATH);
    expect(envOf(c)).toEqual({
      HOME: HOME_PATH,
      BRANCH: "main",
      GOFLAGS: "-mod=mod",
      GANTRY_RUN_ID: RUN_ID,
      GANTRY_TASK: "unit-tests",
      GANTRY_STAGE: "test",
      GANTRY_ATTEMPT: "1",
      GANTRY_WORKSPACE: WORKSPACE_PATH,
      GANTRY_METRICS_FILE: METRICS_FILE,
      GANTRY_RESULTS: RESULTS_DIR,
    });
  });

  it("gives a task run through a shell GANTRY_METRICS_FILE in its home volume, printed as a metrics block after the task", () => {
    const planWith = (command: string[], env: Record<string, string> = {}) =>
      sampleBuildJob({ plan: { ...sampleBuildJob().spec.plan, command, env } });
    for (const shell of ["sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash", "ash", "dash"]) {
      const c = main(buildJobToJob(planWith([shell, "-c", "make"])));
      expect(c.command!.slice(0, 4), shell).toEqual([shell, "-c", escapeExpansion(METRICS_WRAPPER), "gantry-task"]);
      expect(c.command!.slice(4)).toEqual([shell, "-c", "make"]);
      expect(envOf(c).GANTRY_METRICS_FILE).toBe(METRICS_FILE);
      expect(envOf(c).GANTRY_RESULTS).toBe(RESULTS_DIR);
    }
    // The file is in the home emptyDir, which the main container mounts writable.
    expect(METRICS_FILE.startsWith(`${HOME_PATH}/`)).toBe(true);
    const c = main(buildJobToJob(planWith(["sh", "-c", "make"])));
    expect(c.volumeMounts!.find((m) => m.mountPath === HOME_PATH)).toMatchObject({ name: "home" });
    expect(c.volumeMounts!.find((m) => m.mountPath === HOME_PATH)!.readOnly).toBeUndefined();
    // The task's env cannot point it elsewhere: the wrapper prints the file it was given.
    expect(envOf(main(buildJobToJob(planWith(["sh", "-c", "make"], { GANTRY_METRICS_FILE: "/tmp/x" })))).GANTRY_METRICS_FILE).toBe(
      METRICS_FILE,
    );
    // The wrapper is a constant with markers the operator knows; Kubernetes sees `$$` for each `$`.
    expect(METRICS_WRAPPER).toContain("::gantry-metrics::begin");
    expect(METRICS_WRAPPER).toContain("::gantry-metrics::end");
    expect(escapeExpansion(METRICS_WRAPPER).replaceAll("$$", "$")).toBe(METRICS_WRAPPER);
  });

  it("leaves a command that is not a shell as it is, without GANTRY_METRICS_FILE: such a task prints its block itself", () => {
    for (const command of [
      ["/kaniko/executor", "--context", "/workspace"],
      ["node", "build.js"],
      ["shellcheck", "x.sh"],
      ["/usr/bin/env", "bash", "-c", "make"],
      ["zsh", "-c", "make"],
    ]) {
      const c = main(buildJobToJob(sampleBuildJob({ plan: { ...sampleBuildJob().spec.plan, command } })));
      expect(c.command, command[0]).toEqual(command);
      expect(envOf(c).GANTRY_METRICS_FILE).toBeUndefined();
    }
  });

  it("lets the task's env win over a param of the same name, and never lists a variable twice", () => {
    const c = main(buildJobToJob(sampleBuildJob({ params: { BRANCH: "main", GOFLAGS: "from-param" } })));
    expect(envOf(c).GOFLAGS).toBe("-mod=mod");
    const names = c.env!.map((e) => e.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it("reads secret params from a Secret, so their values are nowhere in the Job", () => {
    const c = main(
      buildJobToJob(sampleBuildJob({ secretEnv: [{ name: "NPM_TOKEN", secretName: "gantry-run-params", key: "NPM_TOKEN" }] })),
    );
    expect(c.env!.find((e) => e.name === "NPM_TOKEN")).toEqual({
      name: "NPM_TOKEN",
      valueFrom: { secretKeyRef: { name: "gantry-run-params", key: "NPM_TOKEN" } },
    });
  });

  it("passes $(…) through to the container unchanged instead of letting Kubernetes expand it", () => {
    const script = 'echo "$(date) $(HOME) $$ ${HOME}"';
    const job = buildJobToJob(
      sampleBuildJob({ plan: { ...sampleBuildJob().spec.plan, command: ["bash", "-c", script], env: { GREETING: "$(BRANCH)" } } }),
    );
    // The task's argv follows the metrics wrapper's four.
    expect(main(job).command![6]).toBe('echo "$$(date) $$(HOME) $$$$ $${HOME}"');
    expect(envOf(main(job)).GREETING).toBe("$$(BRANCH)");
    // Kubernetes reads `$$` as one `$`: undoing the escape gives the script back.
    expect(main(job).command![6].replaceAll("$$", "$")).toBe(script);
    expect(escapeExpansion("no dollars")).toBe("no dollars");
  });

  it("limits time per attempt on the pod and for all attempts on the Job, with the retries as backoffLimit", () => {
    const job = buildJobToJob(sampleBuildJob());
    expect(pod(job).activeDeadlineSeconds).toBe(600);
    expect(job.spec!.backoffLimit).toBe(2);
    expect(job.spec!.activeDeadlineSeconds).toBe(1800);
    expect(job.spec!.ttlSecondsAfterFinished).toBe(DEFAULT_TTL_SECONDS);
    expect(pod(job).restartPolicy).toBe("Never");
    expect(buildJobToJob(sampleBuildJob({ ttlSecondsAfterFinished: 60 })).spec!.ttlSecondsAfterFinished).toBe(60);
    const once = buildJobToJob(sampleBuildJob({ plan: { ...sampleBuildJob().spec.plan, retries: 0 } }));
    expect([once.spec!.backoffLimit, once.spec!.activeDeadlineSeconds]).toEqual([0, 600]);
  });

  it("does not spend a retry on an evicted or preempted pod, and never runs two pods of an attempt at once", () => {
    const job = buildJobToJob(sampleBuildJob());
    expect(job.spec!.podFailurePolicy).toEqual({
      rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }],
    });
    expect(job.spec!.podReplacementPolicy).toBe("Failed");
  });

  it("runs under the restricted Pod Security profile with no service account token by default", () => {
    const p = pod(
      buildJobToJob(
        sampleBuildJob({
          source: { git: { url: "https://git.example.com/shop.git", revision: "main", dir: "src" } },
          sidecars: [{ name: "db", role: "service", image: "postgres:16" }],
        }),
      ),
    );
    expect(restrictedViolations(p)).toEqual([]);
    expect(p.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      fsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(p.automountServiceAccountToken).toBe(false);
    expect(p.enableServiceLinks).toBe(false);
  });

  it("mounts the service account token only when the template asks, and honours a template's user", () => {
    const p = pod(buildJobToJob(sampleBuildJob({ security: { automountServiceAccountToken: true, runAsUser: 1000 } })));
    expect(p.automountServiceAccountToken).toBe(true);
    expect(p.securityContext!.runAsUser).toBe(1000);
    expect(restrictedViolations(p)).toEqual([]);
  });

  it("mounts the run's PVC as the workspace, or an emptyDir for a single-task run", () => {
    const pvc = pod(buildJobToJob(sampleBuildJob()));
    expect(pvc.volumes!.find((v) => v.name === "workspace")).toEqual({
      name: "workspace",
      persistentVolumeClaim: { claimName: "gantry-ws-0a1b2c3d4e5f4a6b8c7d8e9f0a1b2c3d" },
    });
    const single = pod(buildJobToJob(sampleBuildJob({ workspace: { type: "EmptyDir", sizeLimit: "2Gi" } })));
    expect(single.volumes!.find((v) => v.name === "workspace")).toEqual({ name: "workspace", emptyDir: { sizeLimit: "2Gi" } });
    expect(single.containers[0].volumeMounts).toContainEqual({ name: "workspace", mountPath: WORKSPACE_PATH });
    expect(() => buildJobToJob(sampleBuildJob({ workspace: { type: "PersistentVolumeClaim" } }))).toThrow(ExecutorError);
  });

  it("mounts the pipeline's cache PVC at the template's cache path, and ConfigMap/Secret files read-only", () => {
    const job = buildJobToJob(
      sampleBuildJob({
        cache: { claimName: "gantry-cache-shop-backend", mountPath: "/home/gantry/.npm" },
        files: [
          { kind: "Secret", name: "registry-auth", mountPath: "/etc/registry" },
          { kind: "ConfigMap", name: "npmrc", mountPath: "/etc/npm", optional: true },
        ],
        envFrom: [
          { kind: "ConfigMap", name: "build-settings" },
          { kind: "Secret", name: "sonar", prefix: "SONAR_", optional: true },
        ],
      }),
    );
    expect(pod(job).volumes).toEqual([
      { name: "workspace", persistentVolumeClaim: { claimName: "gantry-ws-0a1b2c3d4e5f4a6b8c7d8e9f0a1b2c3d" } },
      { name: "home", emptyDir: {} },
      { name: "cache", persistentVolumeClaim: { claimName: "gantry-cache-shop-backend" } },
      { name: "file-0", secret: { secretName: "registry-auth" } },
      { name: "file-1", configMap: { name: "npmrc", optional: true } },
    ]);
    expect(main(job).volumeMounts).toEqual([
      { name: "workspace", mountPath: WORKSPACE_PATH },
      { name: "home", mountPath: HOME_PATH },
      { name: "cache", mountPath: "/home/gantry/.npm" },
      { name: "file-0", mountPath: "/etc/registry", readOnly: true },
      { name: "file-1", mountPath: "/etc/npm", readOnly: true },
    ]);
    expect(main(job).envFrom).toEqual([
      { configMapRef: { name: "build-settings" } },
      { prefix: "SONAR_", secretRef: { name: "sonar", optional: true } },
    ]);
  });

  it("clones the repository in an init container, passing URL, directory and revision as arguments, not as shell text", () => {
    const url = "https://git.example.com/shop.git; rm -rf /";
    const job = buildJobToJob(
      sampleBuildJob({ source: { git: { url, revision: "v1.2.3", dir: "src" } }, resources: { requests: { cpu: "2" } } }),
    );
    const init = pod(job).initContainers!;
    expect(init.map((c) => c.name)).toEqual([CLONE_CONTAINER]);
    const clone = init[0];
    expect(clone.image).toBe("alpine/git:2.47.2");
    expect(clone.command).toEqual(["sh", "-c", escapeExpansion(CLONE_SCRIPT), "gantry-clone", url, "src", "v1.2.3"]);
    expect(CLONE_SCRIPT).not.toContain("example.com");
    expect(clone.workingDir).toBe(WORKSPACE_PATH);
    expect(clone.volumeMounts).toContainEqual({ name: "workspace", mountPath: WORKSPACE_PATH });
    expect(clone.restartPolicy).toBeUndefined();
    // git's own error (unknown revision, no such repository) becomes the task's message.
    expect(clone.terminationMessagePolicy).toBe("FallbackToLogsOnError");
    // Same request as the task: free (the pod asks for the larger of the two) and quota-friendly.
    expect(clone.resources).toEqual({ requests: { cpu: "2" } });
  });

  it("refuses a revision that git would read as an option, and a clone directory outside the workspace", () => {
    const withGit = (git: object) =>
      BuildJobSchema.safeParse({
        ...sampleBuildJob(),
        spec: { ...sampleBuildJob().spec, source: { git: { url: "u", revision: "main", dir: "src", ...git } } },
      });
    expect(withGit({}).success).toBe(true);
    expect(withGit({ revision: "--upload-pack=touch /tmp/x" }).success).toBe(false);
    expect(withGit({ dir: "src/../../etc" }).success).toBe(false);
  });

  it("runs services and upload hooks as native sidecars after the clone, the upload hook in preStop with the workspace read-only", () => {
    const job = buildJobToJob(
      sampleBuildJob({
        source: { git: { url: "https://git.example.com/shop.git", revision: "main", dir: "src" } },
        sidecars: [
          {
            name: "postgres",
            role: "service",
            image: "postgres:16",
            env: { POSTGRES_PASSWORD: "test" },
            ports: [{ containerPort: 5432 }],
            runAsUser: 999,
            startupProbe: { tcpSocket: { port: 5432 }, periodSeconds: 1 },
          },
          {
            name: "upload",
            role: "upload",
            image: "amazon/aws-cli:2",
            preStop: ["sh", "-c", 'aws s3 cp --recursive /workspace/dist "s3://artifacts/$GANTRY_RUN_ID/"'],
            gracePeriodSeconds: 120,
          },
        ],
      }),
    );
    const p = pod(job);
    expect(p.initContainers!.map((c) => [c.name, c.restartPolicy])).toEqual([
      [CLONE_CONTAINER, undefined],
      ["postgres", "Always"],
      ["upload", "Always"],
    ]);
    const [, pg, up] = p.initContainers!;
    expect(pg.volumeMounts).toBeUndefined();
    expect(pg.securityContext!.runAsUser).toBe(999);
    expect(pg.startupProbe).toEqual({ tcpSocket: { port: 5432 }, periodSeconds: 1 });
    expect(pg.ports).toEqual([{ containerPort: 5432 }]);
    // Kubernetes does not expand hooks, so they are passed as written.
    expect(up.lifecycle!.preStop!.exec!.command).toEqual([
      "sh",
      "-c",
      'aws s3 cp --recursive /workspace/dist "s3://artifacts/$GANTRY_RUN_ID/"',
    ]);
    expect(envOf(up)).toMatchObject({ GANTRY_RUN_ID: RUN_ID, GANTRY_TASK: "unit-tests" });
    expect(envOf(pg)).toMatchObject({ POSTGRES_PASSWORD: "test" });
    expect(up.volumeMounts).toEqual([{ name: "workspace", mountPath: WORKSPACE_PATH, readOnly: true }]);
    expect(up.command).toEqual(IDLE_COMMAND.map(escapeExpansion));
    expect(p.terminationGracePeriodSeconds).toBe(120);
    expect(restrictedViolations(p)).toEqual([]);
  });

  it("places build pods by the project's node selector, affinity, tolerations and service account", () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "pool", operator: "In", values: ["build"] }] }],
        },
      },
    };
    const p = pod(
      buildJobToJob(
        sampleBuildJob({
          scheduling: {
            nodeSelector: { "kubernetes.io/arch": "amd64" },
            affinity,
            tolerations: [{ key: "dedicated", operator: "Equal", value: "build", effect: "NoSchedule" }],
            serviceAccountName: "builder",
          },
        }),
      ),
    );
    expect(p.nodeSelector).toEqual({ "kubernetes.io/arch": "amd64" });
    expect(p.affinity).toEqual(affinity);
    expect(p.tolerations).toEqual([{ key: "dedicated", operator: "Equal", value: "build", effect: "NoSchedule" }]);
    expect(p.serviceAccountName).toBe("builder");
  });

  it("sets the task's resources on the main container", () => {
    const resources = { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } };
    expect(main(buildJobToJob(sampleBuildJob({ resources }))).resources).toEqual(resources);
    expect(main(buildJobToJob(sampleBuildJob())).resources).toBeUndefined();
  });

  it("passes a raw JobSpec through unchanged, but labelled and owned", () => {
    const raw = {
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: "migrate" } },
        spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "flyway/flyway:10", args: ["migrate"] }] },
      },
    };
    const job = buildJobToJob(sampleBuildJob({ jobSpec: raw }));
    expect(job.metadata!.ownerReferences![0].controller).toBe(true);
    expect(job.metadata!.labels!["gantry.dev/task-run"]).toBe(TASK_RUN_ID);
    const { metadata, ...rest } = job.spec!.template;
    expect(metadata!.labels).toMatchObject({ app: "migrate", "gantry.dev/task-run": TASK_RUN_ID });
    expect({ ...job.spec!, template: rest }).toEqual({ backoffLimit: 0, template: { spec: raw.template.spec } });
    expect(raw.template.metadata.labels, "the BuildJob's own spec is not modified").toEqual({ app: "migrate" });
    expect(() => buildJobToJob(sampleBuildJob({ jobSpec: { template: { spec: {} } } }))).toThrow(/no template.spec.containers/);
  });
});

describe("names and labels", () => {
  it("keeps a task run's UUID readable in names and hashes any other id", () => {
    expect(idPart(TASK_RUN_ID)).toBe("7f1c2a9e3b4d4e5f8a6b9c0d1e2f3a4b");
    expect(idPart("Not A UUID!")).toMatch(/^[0-9a-f]{32}$/);
    expect(jobName("Not A UUID!", 3)).toMatch(DNS1123_LABEL);
  });

  it("keeps valid label values and makes others valid without two inputs sharing a value", () => {
    expect(labelValue("shop-backend")).toBe("shop-backend");
    const long = "x".repeat(80);
    for (const v of [long, "feature/login page", "-leading", "ünïcode", ""]) {
      const l = labelValue(v);
      expect(l.length, v).toBeLessThanOrEqual(63);
      expect(l, v).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
    }
    expect(labelValue(long + "a")).not.toBe(labelValue(long + "b"));
    expect(labelValue("a/b")).not.toBe(labelValue("a:b"));
  });
});

describe("resources", () => {
  it("reads Kubernetes quantities", () => {
    expect(quantityValue("500m")).toBe(0.5);
    expect(quantityValue("1Gi")).toBe(2 ** 30);
    expect(quantityValue("2G")).toBe(2e9);
    expect(quantityValue("1e3")).toBe(1000);
    expect(quantityValue("lots")).toBeNaN();
  });

  it("overlays the task's values on the template's defaults, resource by resource", () => {
    expect(mergeResources({ requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } }, { requests: { cpu: "2" } })).toEqual({
      requests: { cpu: "2", memory: "1Gi" },
      limits: { memory: "2Gi" },
    });
    expect(mergeResources(undefined, undefined)).toBeUndefined();
  });

  it("raises the template's limit to a task's larger request instead of producing an invalid pod", () => {
    expect(mergeResources({ limits: { memory: "1Gi" } }, { requests: { memory: "4Gi" } })).toEqual({
      requests: { memory: "4Gi" },
      limits: { memory: "4Gi" },
    });
    // A limit the task sets itself is its own business: the API server will say so.
    expect(mergeResources({ limits: { memory: "1Gi" } }, { requests: { memory: "4Gi" }, limits: { memory: "2Gi" } })!.limits).toEqual({
      memory: "2Gi",
    });
  });
});
