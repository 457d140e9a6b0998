import type { V1Job } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { namespaceOf } from "@/lib/projects";
import type { Db } from "@/server/db/client";
import { kubernetesTaskDetails, runProject } from "@/server/runs/kubernetes-task-details";
import type { BuildJob } from "./buildjob-schema";
import { Controller } from "./controller";
import { KubeApi, loadKubeConfig } from "./kube-api";
import { KubernetesExecutor } from "./kubernetes-executor";
import { ensureCrd, ensureProjectNamespace } from "./namespaces";
import { kubernetesProjects, startProjectNamespaceSync, syncProjectNamespaces } from "./project-namespaces";
import { LEADER_LEASE } from "./permissions";
import { storageProblem } from "./unbound-workspace";

/** Everything Kubernetes mode needs, put together from the operator's settings. */

export interface KubernetesModeOptions {
  db: Db;
  /** GANTRY_NAMESPACE: the operator's own, and the default project's. */
  namespace: string;
  /** GANTRY_EXECUTOR: what projects that do not choose run on. */
  defaultExecutor: "local" | "kubernetes";
  operatorId: string;
  workspace: "pvc" | "emptyDir";
  storageClassName?: string;
  /** How long a pod may wait for unbound volumes before its task fails. */
  volumeBindMs?: number;
  retentionSeconds: number;
  applyCrd: boolean;
  /** Apply every project's namespace with its quota and limits this often (0: never). */
  projectNamespaceSyncMs?: number;
  leaderElection: boolean;
  leaseDurationMs?: number;
  leaseRetryMs?: number;
  /** Task env name → pod annotation key (GANTRY_POD_ANNOTATIONS_FROM_ENV). */
  podAnnotationsFromEnv?: Record<string, string>;
  log: Logger;
}

export interface KubernetesMode {
  executor: KubernetesExecutor;
  controller: Controller;
  api: KubeApi;
  stop(): Promise<void>;
}

export async function startKubernetesMode(o: KubernetesModeOptions): Promise<KubernetesMode> {
  const kc = loadKubeConfig();
  if (!kc)
    throw new Error("GANTRY_EXECUTOR=kubernetes but there is no kubeconfig (KUBECONFIG, ~/.kube/config) and no in-cluster service account");
  const api = new KubeApi(kc);
  if (o.applyCrd) {
    const outcome = await ensureCrd(api, o.log);
    o.log.info({ outcome }, "BuildJob CRD ready");
  }
  const storage = await storageProblem(api, o);
  // Found out now rather than by a first task waiting for its volume (it fails after volumeBindMs saying the same).
  if (storage) o.log.error({ workspace: o.workspace }, storage);
  await ensureProjectNamespace(api, o.namespace).catch((e) =>
    // Least privilege may leave namespaces to an administrator: the BuildJobs tell if it is missing.
    o.log.warn({ err: (e as Error).message, namespace: o.namespace }, "could not apply the project namespace"),
  );
  const projectOpts = { home: o.namespace, defaultExecutor: o.defaultExecutor };
  // Best effort: with the database down, the namespace sync adds them once it answers.
  const namespaces = await kubernetesProjects(o.db, projectOpts).then(
    (ps) => ps.map((p) => p.namespace),
    (e: unknown) => (o.log.warn({ err: (e as Error).message }, "could not list the projects' namespaces yet"), []),
  );
  const controller = new Controller({
    api,
    kc,
    namespace: o.namespace,
    namespaces,
    retentionMs: o.retentionSeconds * 1000,
    storageClassName: o.storageClassName,
    unboundLimitMs: o.volumeBindMs,
    decorateJob:
      o.podAnnotationsFromEnv && Object.keys(o.podAnnotationsFromEnv).length ? annotateFromEnv(o.podAnnotationsFromEnv) : undefined,
    leaderElection: o.leaderElection
      ? {
          namespace: o.namespace,
          name: LEADER_LEASE,
          identity: `${o.operatorId}-${process.pid}`,
          leaseDurationMs: o.leaseDurationMs,
          retryMs: o.leaseRetryMs,
        }
      : null,
    log: o.log,
  });
  await controller.start();
  const watch = (ns: string) =>
    void controller
      .watchNamespace(ns)
      .catch((e: unknown) => o.log.warn({ err: (e as Error).message, namespace: ns }, "could not watch the namespace"));
  const stopSync = o.projectNamespaceSyncMs
    ? startProjectNamespaceSync(o.db, api, o.log, o.projectNamespaceSyncMs, { ...projectOpts, onNamespace: watch })
    : () => undefined;
  const executor = new KubernetesExecutor({
    api,
    controller,
    workspace: o.workspace,
    describe: (task) =>
      kubernetesTaskDetails(o.db, task.runId, { name: task.plan.template, version: task.plan.templateVersion }, o.namespace),
    ensureNamespace: async (ns) => {
      const applied = await syncProjectNamespaces(o.db, api, o.log, { ...projectOpts, only: ns });
      if (!applied.length) await ensureProjectNamespace(api, ns);
    },
    namespaceOfRun: async (runId) => {
      const p = await runProject(o.db, runId);
      return p ? namespaceOf(p, o.namespace) : o.namespace;
    },
    log: o.log,
  });
  return {
    executor,
    controller,
    api,
    stop: () => {
      stopSync();
      return controller.stop();
    },
  };
}

/** Copies chosen task env values onto the pod template as annotations. */
export function annotateFromEnv(map: Record<string, string>): (job: V1Job, bj: BuildJob) => V1Job {
  return (job, bj) => {
    const extra: Record<string, string> = {};
    for (const [env, key] of Object.entries(map)) {
      const v = bj.spec.plan.env[env];
      if (v !== undefined) extra[key] = v;
    }
    if (!Object.keys(extra).length || !job.spec?.template) return job;
    const t = job.spec.template;
    return {
      ...job,
      spec: { ...job.spec, template: { ...t, metadata: { ...t.metadata, annotations: { ...t.metadata?.annotations, ...extra } } } },
    };
  };
}
