import type { Logger } from "pino";
import { executorOf, namespaceOf, privilegedBuilds, type ProjectSettings } from "@/lib/projects";
import type { Db } from "@/server/db/client";
import { listProjectSettings } from "@/server/projects/projects";
import type { KubeApi } from "./kube-api";
import { ensureProjectNamespace, type NamespaceSettings } from "./namespaces";

/**
 * Each project maps to a namespace (DESIGN.md: project ↔ namespace, quota per project): the
 * operator applies `gantry-<slug>` (or the project's own `namespace`) with the ResourceQuota and
 * LimitRange its settings ask for, at start and then periodically, so a settings change in the UI
 * reaches the cluster without a restart. Server-side apply makes a second operator a no-op.
 */

export function namespaceSettingsOf(s: ProjectSettings): NamespaceSettings {
  const quota: Record<string, string> = {};
  if (s.quota?.cpu) quota["requests.cpu"] = s.quota.cpu;
  if (s.quota?.memory) quota["requests.memory"] = s.quota.memory;
  if (s.quota?.pods) quota.pods = String(s.quota.pods);
  const def: Record<string, string> = {};
  const req: Record<string, string> = {};
  if (s.limitRange?.defaultCpu) def.cpu = s.limitRange.defaultCpu;
  if (s.limitRange?.defaultMemory) def.memory = s.limitRange.defaultMemory;
  if (s.limitRange?.defaultRequestCpu) req.cpu = s.limitRange.defaultRequestCpu;
  if (s.limitRange?.defaultRequestMemory) req.memory = s.limitRange.defaultRequestMemory;
  return {
    ...(privilegedBuilds(s) ? { podSecurity: "baseline" as const } : {}),
    ...(Object.keys(quota).length ? { quota } : {}),
    ...(Object.keys(def).length || Object.keys(req).length
      ? { limits: { ...(Object.keys(def).length ? { default: def } : {}), ...(Object.keys(req).length ? { defaultRequest: req } : {}) } }
      : {}),
  };
}

export interface ProjectNamespaceOptions {
  /** The operator's namespace, the default project's (GANTRY_NAMESPACE). */
  home: string;
  /** GANTRY_EXECUTOR: projects that do not choose run on this. */
  defaultExecutor: "local" | "kubernetes";
}

/** The projects that build on Kubernetes, with their namespaces. */
export async function kubernetesProjects(
  db: Db,
  o: ProjectNamespaceOptions,
): Promise<{ slug: string; namespace: string; settings: ProjectSettings }[]> {
  const rows = await listProjectSettings(db);
  return rows
    .filter((p) => executorOf(p.settings, o.defaultExecutor) === "kubernetes")
    .map((p) => ({ slug: p.slug, namespace: namespaceOf(p, o.home), settings: p.settings }));
}

/**
 * Applies the namespace of every project that builds on Kubernetes (or only `only`'s), with the
 * quota and limits of its settings; returns the namespaces applied.
 */
export async function syncProjectNamespaces(
  db: Db,
  api: Pick<KubeApi, "apply">,
  log: Logger,
  o: ProjectNamespaceOptions & { only?: string },
): Promise<string[]> {
  const done: string[] = [];
  for (const p of await kubernetesProjects(db, o)) {
    if (o.only !== undefined && p.namespace !== o.only) continue;
    try {
      await ensureProjectNamespace(api, p.namespace, namespaceSettingsOf(p.settings));
      done.push(p.namespace);
    } catch (e) {
      log.warn({ err: (e as Error).message, project: p.slug, namespace: p.namespace }, "could not apply the project's namespace");
    }
  }
  return done;
}

/**
 * Keeps the project namespaces applied every `everyMs` and tells `onNamespace` about each (the
 * controller watches it); returns a stop function.
 */
export function startProjectNamespaceSync(
  db: Db,
  api: Pick<KubeApi, "apply">,
  log: Logger,
  everyMs: number,
  o: ProjectNamespaceOptions & { onNamespace?: (ns: string) => void },
): () => void {
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    syncProjectNamespaces(db, api, log, o)
      .then((applied) => applied.forEach((ns) => o.onNamespace?.(ns)))
      .catch((e: unknown) => log.warn({ err: (e as Error).message }, "project namespace sync failed; will retry"))
      .finally(() => (busy = false));
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
