import { z } from "zod";
import { TaskSpecSchema } from "./pipeline-spec";

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A catalog template as written in `templates/*.yaml` (and, later, uploaded by users). */
export const TemplateDefinitionSchema = z.object({
  name: z.string().max(63).regex(dns1123, "must be a DNS-1123 label (lowercase letters, digits, '-')"),
  title: z.string().min(1).max(200),
  description: z.string().default(""),
  category: z.string().min(1).max(50),
  icon: z.string().min(1).max(50).default("box"),
  /** Container image used by the Kubernetes executor. */
  image: z.string().min(1),
  /** argv with `{{params.x}}` placeholders; each element is substituted on its own, never re-split. */
  command: z.array(z.string()).min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  /** JSON Schema (draft 2020-12 subset understood by ajv) for the task's params. */
  paramsSchema: z.record(z.string(), z.unknown()),
  uiSchema: z.record(z.string(), z.unknown()).optional(),
  timeoutSeconds: z.number().int().positive().optional(),
  /** A ready-to-paste task using this template (shown in the catalog, dropped by the designer). */
  example: TaskSpecSchema.optional(),
  local: z
    .object({
      supported: z.boolean(),
      /** Why not, shown at validation time when `supported` is false. */
      reason: z.string().optional(),
      /** Overrides command+args when running as a local process. */
      command: z.array(z.string()).optional(),
      /** Programs that must be on PATH, e.g. `git`. */
      requires: z.array(z.string()).default([]),
    })
    .default({ supported: true, requires: [] }),
});
export type TemplateDefinition = z.infer<typeof TemplateDefinitionSchema>;
