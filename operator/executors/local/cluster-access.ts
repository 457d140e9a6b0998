/**
 * Cluster credentials of local deploy tasks (templates with `needsClusterAccess`): the operator
 * asks the API server for a short-lived token of the project's deploy service account
 * (TokenRequest, through its own kubeconfig) and hands the task a kubeconfig holding only that
 * token, so helm and kubectl act with the project's rights, never with the operator's.
 */
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { noDeployAccountMessage } from "@/lib/cluster-access";
import { namespaceOf } from "@/lib/projects";
import type { Db } from "@/server/db/client";
import { runProject } from "@/server/runs/kubernetes-task-details";
import { KubeApiError, type KubeApi } from "../kubernetes/kube-api";
import { ExecutorError, type ExecTask } from "../types";

/** The kubeconfig (YAML) a task that needs cluster access gets. */
export type ClusterAccess = (task: ExecTask) => Promise<string>;

/** The API server's shortest token lifetime. */
const MIN_TOKEN_SECONDS = 600;

/** Long enough for the task's whole attempt, and no longer (plus a minute for the start). */
export const tokenSeconds = (timeoutSeconds: number) => Math.max(MIN_TOKEN_SECONDS, timeoutSeconds + 60);

export interface ClusterEndpoint {
  server: string;
  /** The API server's CA, base64 (a file of the operator's is read in: the sandbox cannot see it). */
  caData?: string;
  skipTLSVerify?: boolean;
}

/** The operator's cluster as a task may be told it: address and CA, none of the operator's credentials. */
export function endpointOf(kc: KubeConfig): ClusterEndpoint {
  const c = kc.getCurrentCluster();
  if (!c) throw new Error("the kubeconfig has no current cluster");
  const caData = c.caData ?? (c.caFile ? readFileSync(c.caFile).toString("base64") : undefined);
  return { server: c.server, ...(caData ? { caData } : {}), ...(c.skipTLSVerify ? { skipTLSVerify: true } : {}) };
}

/** A kubeconfig with one context: the cluster, the account's token, its namespace. Pure. */
export function kubeconfigFor(o: { endpoint: ClusterEndpoint; namespace: string; account: string; token: string }): string {
  const { server, caData, skipTLSVerify } = o.endpoint;
  const name = "gantry";
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: {
          server,
          ...(caData ? { "certificate-authority-data": caData } : {}),
          ...(skipTLSVerify ? { "insecure-skip-tls-verify": true } : {}),
        },
      },
    ],
    users: [{ name: o.account, user: { token: o.token } }],
    contexts: [{ name, context: { cluster: name, user: o.account, namespace: o.namespace } }],
    "current-context": name,
  });
}

/** Mints tokens for the project of each task's run; `home` is GANTRY_NAMESPACE (the default project's). */
export function tokenRequestAccess(o: { db: Db; api: KubeApi; kc: KubeConfig; home: string }): ClusterAccess {
  return async (task) => {
    const project = await runProject(o.db, task.runId);
    if (!project) throw new ExecutorError(`the project of run ${task.runId} was not found`, true);
    const account = project.settings.deployServiceAccount;
    if (!account) throw new ExecutorError(noDeployAccountMessage(task.plan.template), true);
    const namespace = namespaceOf(project, o.home);
    const path = `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`;
    let token: string | undefined;
    try {
      const r = await o.api.create<{ status?: { token?: string } }>(path, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: tokenSeconds(task.plan.timeoutSeconds) },
      });
      token = r.status?.token;
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404)
        throw new ExecutorError(`the deploy service account '${account}' does not exist in namespace '${namespace}'`, true);
      throw new ExecutorError(`cannot get a token of service account '${account}' in '${namespace}': ${(e as Error).message}`, false);
    }
    if (!token) throw new ExecutorError(`the API server gave no token for service account '${account}' in '${namespace}'`, false);
    return kubeconfigFor({ endpoint: endpointOf(o.kc), namespace, account, token });
  };
}
