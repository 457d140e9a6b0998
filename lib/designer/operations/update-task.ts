import type { PipelineDoc, TaskDoc, TaskRef } from "../types";
import { taskAt, withKey, withTasks } from "./util";

/**
 * Changes a task's own fields. `null` removes an optional field (timeout, condition), and an empty
 * env, params map or results list is dropped, so the YAML only says what the user set.
 */
export interface UpdateTask {
  type: "updateTask";
  task: TaskRef;
  patch: {
    name?: string;
    params?: Record<string, unknown>;
    env?: Record<string, string>;
    timeoutSeconds?: number | string | null;
    retries?: number | null;
    /** The task's Kubernetes requests and limits (over the template's); empty or null removes them. */
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> } | null;
    /** A CEL condition (lib/expressions/condition.ts); empty or null removes it. */
    when?: string | null;
    /** Results the task writes besides its template's; empty or null removes them. */
    results?: { name: string; description?: string }[] | null;
    /** Globs of the task's JUnit reports: one is written as a string, several as a list; none removes `reports`. */
    junit?: string[] | null;
  };
}

export function updateTask(doc: PipelineDoc, op: UpdateTask): PipelineDoc {
  taskAt(doc, op.task);
  return withTasks(doc, op.task.stage, (tasks) => tasks.map((t, i) => (i === op.task.index ? patchTask(t, op.patch) : t)));
}

function patchTask(t: TaskDoc, patch: UpdateTask["patch"]): TaskDoc {
  let out: TaskDoc = { ...t };
  if (patch.name !== undefined) out.name = patch.name;
  if (patch.params !== undefined) out.params = patch.params;
  if (patch.env !== undefined) {
    if (Object.keys(patch.env).length) out.env = patch.env;
    else delete out.env;
  }
  if (patch.timeoutSeconds !== undefined) {
    if (patch.timeoutSeconds === null) delete out.timeoutSeconds;
    else out.timeoutSeconds = patch.timeoutSeconds;
  }
  if (patch.retries !== undefined) {
    if (patch.retries === null || patch.retries === 0) delete out.retries;
    else out.retries = patch.retries;
  }
  if (patch.resources !== undefined) {
    const r = patch.resources ?? {};
    const pick = (m?: Record<string, string>) => (m && Object.keys(m).length ? { ...m } : undefined);
    const resources = {
      ...(pick(r.requests) ? { requests: pick(r.requests) } : {}),
      ...(pick(r.limits) ? { limits: pick(r.limits) } : {}),
    };
    const k8s = { ...(t.kubernetes ?? {}) };
    if (Object.keys(resources).length) k8s.resources = resources;
    else delete k8s.resources;
    if (Object.keys(k8s).length) out.kubernetes = k8s;
    else delete out.kubernetes;
  }
  // New keys go after the template, where a reader of the YAML looks for what the task is.
  if (patch.when !== undefined) out = withKey(out, "when", patch.when || undefined, ["name", "template"]);
  if (patch.results !== undefined)
    out = withKey(
      out,
      "results",
      patch.results?.length
        ? patch.results.map((r) => (r.description ? { name: r.name, description: r.description } : { name: r.name }))
        : undefined,
      ["name", "template", "when"],
    );
  if (patch.junit !== undefined) {
    const globs = patch.junit ?? [];
    out = withKey(out, "reports", globs.length ? { junit: globs.length === 1 ? globs[0] : [...globs] } : undefined, [
      "name",
      "template",
      "when",
      "results",
    ]);
  }
  return out;
}
