import type {
  V1Container,
  V1EnvFromSource,
  V1EnvVar,
  V1Job,
  V1JobSpec,
  V1OwnerReference,
  V1PodSecurityContext,
  V1PodSpec,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import { retryPolicy } from "@/lib/retry-policy";
import { METRICS_BEGIN, METRICS_END } from "@/server/metrics/task-metrics";
import { RESULT_BEGIN, RESULT_END } from "../results";
import { CLONE_SCRIPT, GIT_CREDENTIAL_ENV } from "../clone-script";
import { ExecutorError, gantryEnv, TASK_CONTAINER } from "../types";
import { API_VERSION, KIND, type BuildJob, type BuildJobSpec, type GitSource, type Sidecar } from "./buildjob-schema";
import { ANNOTATION, childLabels, jobName } from "./names";

/**
 * BuildJob → batch/v1 Job, as a pure function: the same BuildJob always gives the same Job, so
 * the controller can compare, and tests can assert the whole spec without a cluster.
 */

export const MAIN_CONTAINER = TASK_CONTAINER;
export const CLONE_CONTAINER = "clone";
export const WORKSPACE_PATH = "/workspace";
/** Build pods run as an arbitrary user with no home in the image: give them a writable one. */
export const HOME_PATH = "/home/gantry";
/** The conventional "nonroot" user (distroless); any non-zero id satisfies the restricted profile. */
export const DEFAULT_USER = 65532;
export const DEFAULT_GIT_IMAGE = "alpine/git:2.47.2";
/** Long enough for an operator that was down a while to still read the Job's outcome. */
export const DEFAULT_TTL_SECONDS = 24 * 3600;

const VOLUME = { workspace: "workspace", home: "home", cache: "cache" } as const;

export { CLONE_SCRIPT } from "../clone-script";

/** Where a task run through a shell may write its metrics (GANTRY_METRICS_FILE): the pod's own home volume. */
export const METRICS_FILE = `${HOME_PATH}/.gantry-metrics.prom`;
/** `$GANTRY_RESULTS` of a task run through a shell: printed by the wrapper when the task ends. */
export const RESULTS_DIR = `${HOME_PATH}/.gantry-results`;

/** Shells whose `-c` runs the POSIX script below; the task's own command names one, so the image has it. */
const SHELL = /^(\/[^\s]*\/)?(sh|bash|ash|dash)$/;

/**
 * Runs the task (`"$@"`) as a child, then prints GANTRY_METRICS_FILE between the metrics markers
 * for the operator to take out of the log (docs/operations.md), and exits with the task's code.
 * SIGTERM (the pod's deadline, a cancel) is passed on to the task, which as a child of PID 1 no
 * longer ignores it; a trapped signal cuts `wait` short, so it waits on until the task is gone,
 * then once more for its exit status (dash, bash and busybox keep it). Only builtins: no `cat`
 * needed.
 */
export const METRICS_WRAPPER = [
  // Trapped before the task starts: a signal that comes before its pid is known is passed on then.
  "pid= stop=",
  // Where the task writes its results; the image needs mkdir, as almost every image with a shell has.
  '[ -z "$GANTRY_RESULTS" ] || mkdir -p "$GANTRY_RESULTS" 2>/dev/null || :',
  `trap 'if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; else stop=1; fi' TERM INT HUP`,
  '"$@" &',
  "pid=$!",
  '[ -z "$stop" ] || kill -TERM "$pid" 2>/dev/null',
  'wait "$pid"',
  "code=$?",
  'while kill -0 "$pid" 2>/dev/null; do wait "$pid"; code=$?; done',
  // A signal can cut the last wait short just as the task ends: ask again (127: not kept).
  'wait "$pid"',
  "c=$?",
  '[ "$c" -eq 127 ] || code=$c',
  // The task is over; the short print is not cut by a late signal (a cut block would be lost).
  "trap '' TERM INT HUP",
  "f=$GANTRY_METRICS_FILE",
  'if [ -s "$f" ]; then',
  `  printf '%s\\n' '${METRICS_BEGIN}'`,
  `  while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$f"`,
  `  printf '%s\\n' '${METRICS_END}'`,
  "fi",
  // Then each result the task wrote, between its markers (operator/scheduler/metrics-blocks.ts).
  'if [ -n "$GANTRY_RESULTS" ] && [ -d "$GANTRY_RESULTS" ]; then for f in "$GANTRY_RESULTS"/*; do',
  '  [ -f "$f" ] || continue',
  `  printf '%s\\n' "${RESULT_BEGIN}\${f##*/}"`,
  `  while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$f"`,
  `  printf '%s\\n' '${RESULT_END}'`,
  "done; fi",
  'exit "$code"',
].join("\n");

/** A task's command through a shell gets the metrics wrapper (run by that shell); others are left as they are. */
export function wrapsMetrics(command: readonly string[]): boolean {
  return command.length > 0 && SHELL.test(command[0]);
}

/**
 * Kubernetes expands `$(VAR)` in command, args and env values (not in hooks or probes); `$$` is its escape. Doubling every
 * `$` makes the container see exactly what the task says, as the local executor does (a script's
 * `$(date)` stays a command substitution).
 */
export function escapeExpansion(s: string): string {
  // A function replacer: in a replacement string "$$" would itself mean one "$".
  return s.replaceAll("$", () => "$$");
}

export function ownerReference(bj: BuildJob): V1OwnerReference {
  if (!bj.metadata.uid)
    throw new Error(`BuildJob ${bj.metadata.namespace}/${bj.metadata.name} has no uid (build Jobs from objects read from the API)`);
  return { apiVersion: API_VERSION, kind: KIND, name: bj.metadata.name, uid: bj.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export function buildJobToJob(bj: BuildJob): V1Job {
  const spec = bj.spec;
  const labels = childLabels(bj);
  const annotations = {
    [ANNOTATION.attempt]: String(spec.attempt),
    [ANNOTATION.template]: `${spec.plan.template}@${spec.plan.templateVersion}`,
  };
  const jobSpec = spec.jobSpec ? rawJobSpec(spec.jobSpec, labels) : builtJobSpec(spec, labels, annotations);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(spec.taskRunId, spec.attempt),
      namespace: bj.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [ownerReference(bj)],
    },
    spec: jobSpec,
  };
}

/** A task's own JobSpec is passed through; only our labels are added, so informers and clean-up find its pods. */
function rawJobSpec(raw: Record<string, unknown>, labels: Record<string, string>): V1JobSpec {
  const js = structuredClone(raw) as unknown as V1JobSpec;
  if (!js.template?.spec?.containers?.length) throw new ExecutorError("the task's jobSpec has no template.spec.containers", true);
  js.template.metadata = { ...js.template.metadata, labels: { ...js.template.metadata?.labels, ...labels } };
  return js;
}

function builtJobSpec(spec: BuildJobSpec, labels: Record<string, string>, annotations: Record<string, string>): V1JobSpec {
  const policy = retryPolicy(spec.plan);
  const sidecars = spec.sidecars ?? [];
  const grace = Math.max(0, ...sidecars.map((s) => s.gracePeriodSeconds ?? 0));
  const git = spec.source?.git;
  const initContainers = [...(git ? [cloneContainer(spec, git)] : []), ...sidecars.map((s) => sidecarContainer(s, spec))];
  const podSpec: V1PodSpec = {
    restartPolicy: "Never",
    // Per attempt, like the local executor's timeout; the Job's own deadline covers all attempts.
    activeDeadlineSeconds: policy.attemptTimeoutSeconds,
    automountServiceAccountToken: spec.security?.automountServiceAccountToken ?? false,
    // Service links would add variables for every Service in the namespace to the task's env.
    enableServiceLinks: false,
    securityContext: podSecurityContext(spec),
    ...(initContainers.length ? { initContainers } : {}),
    containers: [mainContainer(spec)],
    volumes: volumes(spec),
    ...(grace > 30 ? { terminationGracePeriodSeconds: grace } : {}),
    ...scheduling(spec),
  };
  return {
    // The task's retries, counted by the Job controller (lib/retry-policy.ts).
    backoffLimit: policy.maxAttempts - 1,
    activeDeadlineSeconds: policy.totalTimeoutSeconds,
    ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS,
    // An evicted or preempted pod is not the task's failure: start it again without using a retry.
    podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] },
    // Never two pods of one attempt at once: the next starts when the last has fully stopped.
    podReplacementPolicy: "Failed",
    // Copies: a caller changing the Job's labels must not change its pods' by accident.
    template: { metadata: { labels: { ...labels }, annotations: { ...annotations } }, spec: podSpec },
  };
}

function podSecurityContext(spec: BuildJobSpec): V1PodSecurityContext {
  const s = spec.security;
  return {
    runAsNonRoot: true,
    runAsUser: s?.runAsUser ?? DEFAULT_USER,
    runAsGroup: s?.runAsGroup ?? DEFAULT_USER,
    fsGroup: s?.fsGroup ?? DEFAULT_USER,
    // Without it every pod would chown the whole cache volume on mount.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The "restricted" Pod Security profile, container by container. */
function containerSecurityContext(runAsUser?: number): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    ...(runAsUser ? { runAsUser } : {}),
  };
}

function scheduling(spec: BuildJobSpec): Partial<V1PodSpec> {
  const s = spec.scheduling;
  if (!s) return {};
  const out: Partial<V1PodSpec> = {};
  if (s.nodeSelector && Object.keys(s.nodeSelector).length) out.nodeSelector = { ...s.nodeSelector };
  if (s.affinity) out.affinity = structuredClone(s.affinity) as V1PodSpec["affinity"];
  if (s.tolerations?.length) out.tolerations = s.tolerations.map((t) => ({ ...t }));
  if (s.serviceAccountName) out.serviceAccountName = s.serviceAccountName;
  if (s.priorityClassName) out.priorityClassName = s.priorityClassName;
  return out;
}

/**
 * Variables in order of precedence, later ones winning: HOME, params, secret params, the task's
 * env, GANTRY_* (GANTRY_CACHE with a cache volume; GANTRY_METRICS_FILE only with the metrics
 * wrapper, which prints it).
 */
function mainEnv(spec: BuildJobSpec): V1EnvVar[] {
  const env = new Map<string, V1EnvVar>();
  const put = (v: V1EnvVar) => {
    env.delete(v.name);
    env.set(v.name, v);
  };
  put({ name: "HOME", value: HOME_PATH });
  for (const [name, value] of Object.entries(spec.params ?? {})) put({ name, value: escapeExpansion(value) });
  for (const s of spec.secretEnv ?? []) put({ name: s.name, valueFrom: { secretKeyRef: { name: s.secretName, key: s.key } } });
  for (const [name, value] of Object.entries(spec.plan.env)) put({ name, value: escapeExpansion(value) });
  for (const [name, value] of Object.entries(gantryVars(spec))) put({ name, value: escapeExpansion(value) });
  // The pipeline's cache volume, by the name the local executor gives its cache directory.
  if (spec.cache) put({ name: "GANTRY_CACHE", value: escapeExpansion(spec.cache.mountPath) });
  if (wrapsMetrics(spec.plan.command)) {
    put({ name: "GANTRY_METRICS_FILE", value: METRICS_FILE });
    put({ name: "GANTRY_RESULTS", value: RESULTS_DIR });
  }
  return [...env.values()];
}

const gantryVars = (spec: BuildJobSpec) =>
  gantryEnv({ runId: spec.runId, taskName: spec.task, stageName: spec.stage, attempt: spec.attempt }, WORKSPACE_PATH);

function envFrom(spec: BuildJobSpec): V1EnvFromSource[] | undefined {
  if (!spec.envFrom?.length) return undefined;
  return spec.envFrom.map((e) => {
    const ref = { name: e.name, ...(e.optional !== undefined ? { optional: e.optional } : {}) };
    return { ...(e.prefix ? { prefix: e.prefix } : {}), ...(e.kind === "ConfigMap" ? { configMapRef: ref } : { secretRef: ref }) };
  });
}

const fileVolume = (i: number) => `file-${i}`;

function volumes(spec: BuildJobSpec): V1Volume[] {
  const ws = spec.workspace;
  const out: V1Volume[] = [
    ws.type === "PersistentVolumeClaim"
      ? { name: VOLUME.workspace, persistentVolumeClaim: { claimName: requireClaim(ws.claimName) } }
      : { name: VOLUME.workspace, emptyDir: ws.sizeLimit ? { sizeLimit: ws.sizeLimit } : {} },
    { name: VOLUME.home, emptyDir: {} },
  ];
  if (spec.cache) out.push({ name: VOLUME.cache, persistentVolumeClaim: { claimName: spec.cache.claimName } });
  (spec.files ?? []).forEach((f, i) => {
    const opt = f.optional !== undefined ? { optional: f.optional } : {};
    const items = f.keys ? { items: f.keys.map((key) => ({ key, path: key })) } : {};
    out.push(
      f.kind === "ConfigMap"
        ? { name: fileVolume(i), configMap: { name: f.name, ...items, ...opt } }
        : { name: fileVolume(i), secret: { secretName: f.name, ...items, ...opt } },
    );
  });
  return out;
}

function requireClaim(claimName: string | undefined): string {
  if (!claimName) throw new ExecutorError("the workspace is a PersistentVolumeClaim but has no claimName", true);
  return claimName;
}

const workspaceMount = (readOnly = false): V1VolumeMount => ({
  name: VOLUME.workspace,
  mountPath: WORKSPACE_PATH,
  ...(readOnly ? { readOnly } : {}),
});
const homeMount = (): V1VolumeMount => ({ name: VOLUME.home, mountPath: HOME_PATH });

function mainContainer(spec: BuildJobSpec): V1Container {
  const mounts: V1VolumeMount[] = [workspaceMount(), homeMount()];
  if (spec.cache) mounts.push({ name: VOLUME.cache, mountPath: spec.cache.mountPath });
  (spec.files ?? []).forEach((f, i) => mounts.push({ name: fileVolume(i), mountPath: f.mountPath, readOnly: true }));
  const from = envFrom(spec);
  return {
    name: MAIN_CONTAINER,
    image: spec.plan.image,
    command: mainCommand(spec.plan.command).map(escapeExpansion),
    workingDir: WORKSPACE_PATH,
    env: mainEnv(spec),
    ...(from ? { envFrom: from } : {}),
    ...(spec.resources ? { resources: structuredClone(spec.resources) } : {}),
    volumeMounts: mounts,
    securityContext: spec.security?.runAsRoot ? ROOT_CONTAINER : containerSecurityContext(),
  };
}

/**
 * A template's root (kaniko) in a project allowing privileged builds: uid 0 with the runtime's
 * default capabilities, which Pod Security `baseline` (that project's namespace) admits. Every
 * other container of the pod stays `restricted`.
 */
const ROOT_CONTAINER: V1SecurityContext = { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 };

function mainCommand(command: readonly string[]): string[] {
  return wrapsMetrics(command) ? [command[0], "-c", METRICS_WRAPPER, "gantry-task", ...command] : [...command];
}

function cloneContainer(spec: BuildJobSpec, git: GitSource): V1Container {
  return {
    name: CLONE_CONTAINER,
    image: git.image ?? DEFAULT_GIT_IMAGE,
    command: ["sh", "-c", CLONE_SCRIPT, "gantry-clone", git.url, git.dir, git.revision].map(escapeExpansion),
    workingDir: WORKSPACE_PATH,
    env: [{ name: "HOME", value: HOME_PATH }, ...cloneCredentialEnv(git.credentials)],
    // The pod's request is the larger of its init containers' and the sum of the others':
    // asking what the task asks costs nothing extra and satisfies a namespace quota.
    ...(spec.resources ? { resources: structuredClone(spec.resources) } : {}),
    volumeMounts: [workspaceMount(), homeMount()],
    // git's last lines (an unknown revision, a repository not found) become the task's message.
    terminationMessagePolicy: "FallbackToLogsOnError",
    securityContext: containerSecurityContext(),
  };
}

/** The clone's credentials, read from the params Secret by this container alone. */
function cloneCredentialEnv(c: GitSource["credentials"]): V1EnvVar[] {
  if (!c) return [];
  const ref = (r: { secretName: string; key: string }) => ({ valueFrom: { secretKeyRef: { name: r.secretName, key: r.key } } });
  return [
    ...(c.username ? [{ name: GIT_CREDENTIAL_ENV.username, value: escapeExpansion(c.username) }] : []),
    ...(c.password ? [{ name: GIT_CREDENTIAL_ENV.password, ...ref(c.password) }] : []),
    ...(c.sshKey ? [{ name: GIT_CREDENTIAL_ENV.sshKey, ...ref(c.sshKey) }] : []),
    ...(c.knownHosts ? [{ name: GIT_CREDENTIAL_ENV.knownHosts, ...ref(c.knownHosts) }] : []),
  ];
}

/**
 * What an upload hook without a command runs: it has nothing to do until its preStop hook, and
 * an image's own entrypoint (a CLI) would exit at once and be restarted over and over.
 */
export const IDLE_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"];

/** A native sidecar: started before the task, stopped (after its preStop hook) once the task has ended. */
function sidecarContainer(s: Sidecar, spec: BuildJobSpec): V1Container {
  const command = s.command ?? (s.role === "upload" && !s.args ? IDLE_COMMAND : undefined);
  // GANTRY_* tell an upload hook which run it uploads for; the sidecar's own env may override.
  const env = { ...gantryVars(spec), ...s.env };
  return {
    name: s.name,
    image: s.image,
    restartPolicy: "Always",
    ...(command ? { command: command.map(escapeExpansion) } : {}),
    ...(s.args ? { args: s.args.map(escapeExpansion) } : {}),
    env: Object.entries(env).map(([name, value]) => ({ name, value: escapeExpansion(value) })),
    ...(s.ports ? { ports: s.ports.map((p) => ({ ...p })) } : {}),
    ...(s.resources ? { resources: structuredClone(s.resources) } : {}),
    ...(s.readinessProbe ? { readinessProbe: structuredClone(s.readinessProbe) as V1Container["readinessProbe"] } : {}),
    ...(s.startupProbe ? { startupProbe: structuredClone(s.startupProbe) as V1Container["startupProbe"] } : {}),
    // Hooks are not expanded by Kubernetes: no escaping.
    ...(s.preStop ? { lifecycle: { preStop: { exec: { command: [...s.preStop] } } } } : {}),
    // An upload hook reads what the task produced; a service has no business in the workspace.
    ...(s.role === "upload" ? { volumeMounts: [workspaceMount(true)] } : {}),
    securityContext: containerSecurityContext(s.runAsUser),
  };
}
