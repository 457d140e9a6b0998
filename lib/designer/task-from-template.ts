import type { TaskDoc } from "./types";

/** What the designer needs to know about a catalog template. */
export interface PaletteTemplate {
  name: string;
  title: string;
  category: string;
  description: string;
  icon: string;
  paramsSchema: Record<string, unknown>;
  uiSchema?: Record<string, unknown>;
  timeoutSeconds?: number;
  /** The container's default requests and limits (placeholders of the task's own). */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** What the template's command writes to `$GANTRY_RESULTS/NAME`, for later tasks' references. */
  results?: { name: string; description?: string }[];
  /** Kept for tasks that use it; not offered in the palette. */
  deprecated?: boolean;
  example?: {
    name: string;
    template: string;
    params?: Record<string, unknown>;
    env?: Record<string, unknown>;
    timeoutSeconds?: number;
    retries?: number;
  };
}

/**
 * A new task from a template: the template's example when it has one, else its schema defaults.
 * The name is made unique when the task is added.
 */
export function taskFromTemplate(t: PaletteTemplate): TaskDoc {
  if (t.example) {
    // Examples come back from the catalog with the spec's defaults filled in; keep the YAML short.
    const { env, retries, ...rest } = structuredClone(t.example);
    const task = { ...rest, template: t.name } as TaskDoc;
    if (env && Object.keys(env).length) task.env = env as Record<string, string>;
    if (retries) task.retries = retries;
    return task;
  }
  return { name: t.name, template: t.name, params: schemaDefaults(t.paramsSchema) };
}

function schemaDefaults(schema: Record<string, unknown>): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) if (p && typeof p === "object" && "default" in p) out[k] = structuredClone(p.default);
  return out;
}
