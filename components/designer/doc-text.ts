import { parse, stringify } from "yaml";
import type { PipelineDoc } from "@/lib/designer/types";

/** YAML for a document edited on the canvas: block style, long scripts as literal blocks. */
export function docToYaml(doc: PipelineDoc): string {
  return stringify(doc, { lineWidth: 0, blockQuote: "literal" });
}

/**
 * The document in `text` when the canvas can draw it (stages and `finally` with named tasks), even if the spec
 * has other problems; null when it can't, so the canvas keeps the last one it could.
 */
export function yamlToDoc(text: string): PipelineDoc | null {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return null;
  const d = raw as Record<string, unknown>;
  if (typeof d.name !== "string" || !Array.isArray(d.stages)) return null;
  const isTask = (t: unknown) =>
    !!t &&
    typeof t === "object" &&
    typeof (t as { name?: unknown }).name === "string" &&
    typeof (t as { template?: unknown }).template === "string";
  if (d.finally !== undefined && d.finally !== null && (!Array.isArray(d.finally) || !d.finally.every(isTask))) return null;
  for (const s of d.stages) {
    if (!s || typeof s !== "object" || typeof (s as { name?: unknown }).name !== "string") return null;
    const tasks = (s as { tasks?: unknown }).tasks;
    if (tasks === undefined || tasks === null) (s as { tasks: unknown[] }).tasks = [];
    else if (!Array.isArray(tasks)) return null;
    if (!(s as { tasks: unknown[] }).tasks.every(isTask)) return null;
  }
  return raw as PipelineDoc;
}
