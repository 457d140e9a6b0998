import type { V1Secret } from "@kubernetes/client-node";
import type { TaskPlan } from "@/lib/plan";
import type { TemplateDefinition } from "@/lib/template-schema";
import { API_VERSION, KIND, type BuildJob, type BuildJobSpec, type Resources } from "./buildjob-schema";
import { ExecutorError } from "../types";
import { noDeployAccountMessage } from "@/lib/cluster-access";
import { ownerReference } from "./job-spec";
import { buildJobName, cacheClaimName, LABEL, labelValue, MANAGED_BY, workspaceClaimName } from "./names";
import { mergeResources } from "./resources";

/**
 * A task run attempt → the BuildJob the executor creates for it (and the Secret with the run's
 * secret params). Pure: everything it needs comes in, so it is tested without a database or a
 * cluster, and the BuildJob alone is enough for the controller afterwards.
 */

/** The Kubernetes part of a template definition. */
export type TemplateKubernetes = Pick<TemplateDefinition, "sidecars" | "cachePath" | "resources" | "needsClusterAccess">;

/** A project's settings for its build pods (DESIGN.md: node pool, quota). */
export interface ProjectKubernetesSettings {
  scheduling?: BuildJobSpec["scheduling"];
  /** emptyDir size limit of single-task runs' workspaces. */
  workspaceSizeLimit?: string;
  ttlSecondsAfterFinished?: number;
  /** The account whose token tasks of templates with `needsClusterAccess` get; no other task gets one. */
  deployServiceAccount?: string;
  /** The project's `builds.privileged`: templates with `runAsRoot` may run as uid 0. */
  privilegedBuilds?: boolean;
}

export interface BuildJobInput {
  namespace: string;
  pipeline: string;
  taskRunId: string;
  runId: string;
  task: string;
  stage: string;
  attempt: number;
  plan: TaskPlan;
  /** The run's param values, secret ones included. */
  params: Record<string, string>;
  /** Names of the secret params: their values go into a Secret, never into the BuildJob. */
  secretParams: readonly string[];
  /** A run of one task gets an emptyDir instead of a PVC: nothing to share. */
  singleTaskRun: boolean;
  template?: TemplateKubernetes;
  taskResources?: Resources;
  project?: ProjectKubernetesSettings;
  source?: NonNullable<BuildJobSpec["source"]>;
  /** Values of the project secrets the plan's clone credentials name, by name (ExecTask.cloneSecrets). */
  cloneSecrets?: Record<string, string>;
}

/**
 * Keys of the clone's credentials in the params Secret. Lower case with dashes: no param or
 * project secret (upper case) and no plan file can have them.
 */
export const GIT_CREDENTIAL_KEYS = {
  password: "gantry-git-password",
  sshKey: "gantry-git-ssh-key",
  knownHosts: "gantry-git-known-hosts",
} as const;

export const paramsSecretName = (buildJob: string) => `${buildJob}-params`;
/** Where the plan's files (the trigger event, its commits) appear in the pod. */
export const FILES_PATH = "/gantry/files";

export function buildJobFor(input: BuildJobInput): { buildJob: BuildJob; paramsSecret: V1Secret | null } {
  const name = buildJobName(input.taskRunId, input.attempt);
  const secretName = paramsSecretName(name);
  const secret = new Set(input.secretParams);
  const params: Record<string, string> = {};
  const secretValues: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.params)) {
    // The task's own env of the same name wins (as in local mode): the param is not needed at all.
    if (k in input.plan.env) continue;
    if (secret.has(k)) secretValues[k] = v;
    else params[k] = v;
  }
  // The plan's files ride in the same Secret (keys are their names), mounted read-only, so a
  // webhook payload never sits in the BuildJob and costs no extra API write.
  const files = input.plan.files ?? [];
  const fileValues = Object.fromEntries(files.map((f) => [f.name, f.content]));
  const clone = cloneCredentials(input, secretName);
  const fileEnv = Object.fromEntries(files.map((f) => [f.env, `${FILES_PATH}/${f.name}`]));
  const t = input.template ?? {};
  const k8s = input.plan.kubernetes;
  const resources = mergeResources(t.resources, input.taskResources ?? k8s?.resources);
  // The plan's sidecars have the task's params filled in; older plans fall back to the template's.
  const sidecars = input.plan.sidecars ?? t.sidecars;
  const envFrom = (k8s?.envFrom ?? []).map((e) => {
    const ref =
      e.configMap !== undefined
        ? { kind: "ConfigMap" as const, name: e.configMap }
        : e.secret !== undefined
          ? { kind: "Secret" as const, name: e.secret }
          : null;
    // The spec's schema lets through only entries that name one of the two.
    if (!ref) throw new Error(`task ${input.task}: an envFrom entry names neither a configMap nor a secret`);
    return {
      ...ref,
      ...(e.prefix ? { prefix: e.prefix } : {}),
      ...(e.optional !== undefined ? { optional: e.optional } : {}),
    };
  });
  const spec: BuildJobSpec = {
    taskRunId: input.taskRunId,
    runId: input.runId,
    pipeline: input.pipeline,
    task: input.task,
    stage: input.stage,
    attempt: input.attempt,
    plan: {
      template: input.plan.template,
      templateVersion: input.plan.templateVersion,
      image: input.plan.image,
      command: [...input.plan.command],
      env: { ...input.plan.env, ...fileEnv },
      timeoutSeconds: input.plan.timeoutSeconds,
      retries: input.plan.retries,
    },
    ...(Object.keys(params).length ? { params } : {}),
    ...(Object.keys(secretValues).length ? { secretEnv: Object.keys(secretValues).map((k) => ({ name: k, secretName, key: k })) } : {}),
    ...(files.length
      ? { files: [{ kind: "Secret" as const, name: secretName, mountPath: FILES_PATH, keys: files.map((f) => f.name) }] }
      : {}),
    // The run's checkout, frozen in every task's plan when the run was created.
    ...(input.source
      ? { source: input.source }
      : input.plan.source?.git
        ? { source: { git: gitSource(input.plan.source.git, clone.refs) } }
        : {}),
    workspace: input.singleTaskRun
      ? { type: "EmptyDir", ...(input.project?.workspaceSizeLimit ? { sizeLimit: input.project.workspaceSizeLimit } : {}) }
      : { type: "PersistentVolumeClaim", claimName: workspaceClaimName(input.runId) },
    ...(t.cachePath ? { cache: { claimName: cacheClaimName(input.pipeline), mountPath: t.cachePath } } : {}),
    ...(sidecars?.length ? { sidecars: sidecars.map((s) => structuredClone(s)) } : {}),
    ...(resources ? { resources } : {}),
    ...(envFrom.length ? { envFrom } : {}),
    ...(k8s?.jobSpec ? { jobSpec: structuredClone(k8s.jobSpec) } : {}),
    ...podIdentity(input),
    ...(input.project?.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: input.project.ttlSecondsAfterFinished } : {}),
  };
  const labels = {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.run]: labelValue(input.runId),
    [LABEL.taskRun]: labelValue(input.taskRunId),
    [LABEL.pipeline]: labelValue(input.pipeline),
    [LABEL.task]: labelValue(input.task),
  };
  const buildJob: BuildJob = { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: input.namespace, labels }, spec };
  const paramsSecret: V1Secret | null =
    Object.keys(secretValues).length || files.length || Object.keys(clone.values).length
      ? {
          apiVersion: "v1",
          kind: "Secret",
          type: "Opaque",
          metadata: { name: secretName, namespace: input.namespace, labels: { ...labels } },
          stringData: { ...secretValues, ...fileValues, ...clone.values },
        }
      : null;
  return { buildJob, paramsSecret };
}

/**
 * Where the pod runs and with which credentials: a task of a template that needs cluster access
 * runs as the project's deploy service account with its token mounted; every other one keeps the
 * project's build account (if any) and no token. Never the operator's own account.
 */
/**
 * Who the pod is: the project's deploy account with its token for templates that need cluster
 * access (no token for any other task), and uid 0 for a `runAsRoot` template where the project
 * allows privileged builds.
 */
function podIdentity(input: BuildJobInput): Pick<BuildJobSpec, "scheduling" | "security"> {
  const scheduling = input.project?.scheduling ? structuredClone(input.project.scheduling) : undefined;
  const root = input.plan.runAsRoot ? { runAsRoot: rootAllowed(input) } : undefined;
  if (!input.template?.needsClusterAccess) return { ...(scheduling ? { scheduling } : {}), ...(root ? { security: root } : {}) };
  const account = input.project?.deployServiceAccount;
  if (!account) throw new ExecutorError(noDeployAccountMessage(input.plan.template), true);
  return { scheduling: { ...scheduling, serviceAccountName: account }, security: { automountServiceAccountToken: true, ...root } };
}

type PlanGit = NonNullable<NonNullable<BuildJobInput["plan"]["source"]>["git"]>;
type GitCredentials = NonNullable<NonNullable<NonNullable<BuildJobSpec["source"]>["git"]>["credentials"]>;

/**
 * The clone's credentials: their values go into the params Secret under Gantry's own keys (no
 * extra API write), and the BuildJob only says where the clone init container reads them.
 */
function cloneCredentials(input: BuildJobInput, secretName: string): { values: Record<string, string>; refs: GitCredentials | undefined } {
  const c = input.plan.source?.git?.credentials;
  if (!c) return { values: {}, refs: undefined };
  const given = input.cloneSecrets ?? {};
  const values: Record<string, string> = {};
  const refs: GitCredentials = c.username ? { username: c.username } : {};
  for (const [field, name] of [
    ["password", c.secret],
    ["sshKey", c.sshKey],
    ["knownHosts", c.knownHosts],
  ] as const) {
    if (!name) continue;
    // The scheduler resolved every name the plan gives; a missing one would clone without it and fail less clearly.
    if (given[name] === undefined) throw new ExecutorError(`the value of secret '${name}' for the clone was not resolved`, true);
    values[GIT_CREDENTIAL_KEYS[field]] = given[name];
    refs[field] = { secretName, key: GIT_CREDENTIAL_KEYS[field] };
  }
  return { values, refs };
}

function gitSource(git: PlanGit, credentials: GitCredentials | undefined): NonNullable<NonNullable<BuildJobSpec["source"]>["git"]> {
  return { url: git.url, revision: git.revision, dir: git.dir, ...(credentials ? { credentials } : {}) };
}

/**
 * The params Secret, owned by its BuildJob once that exists (it needs the BuildJob's uid), so
 * pruning the BuildJob removes it and the operator never has to read or delete Secrets itself.
 */
export function ownedSecret(secret: V1Secret, created: BuildJob): V1Secret {
  return { ...secret, metadata: { ...secret.metadata, ownerReferences: [ownerReference(created)] } };
}

/** A template asking for root runs as uid 0 only where the project allows it; anywhere else the task fails saying how to allow it. */
function rootAllowed(input: BuildJobInput): true {
  if (input.project?.privilegedBuilds) return true;
  throw new ExecutorError(
    `template '${input.plan.template}' runs as root (runAsRoot), and this project does not allow privileged builds: ` +
      "a maintainer can turn on 'Privileged builds' (builds.privileged) in the project's settings",
    true,
  );
}
