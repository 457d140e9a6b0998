import type { PipelineDoc } from "./types";

/** Task names are unique across the pipeline (its `finally` tasks too), stage names within it (the spec's rule). */
export function taskNames(doc: PipelineDoc): Set<string> {
  return new Set([...doc.stages.flatMap((s) => s.tasks), ...(doc.finally ?? [])].map((t) => t.name));
}

export function stageNames(doc: PipelineDoc): Set<string> {
  return new Set(doc.stages.map((s) => s.name));
}

/** `build`, then `build-2`, `build-3`…; a trailing `-N` is replaced rather than stacked. */
export function uniqueName(base: string, taken: Set<string>): string {
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 56) || "task";
  if (!taken.has(clean)) return clean;
  const stem = clean.replace(/-\d+$/, "") || clean;
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
