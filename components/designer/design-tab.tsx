import type { PaletteTemplate } from "@/lib/designer/task-from-template";
import type { TemplateView } from "@/server/templates/catalog";
import { Designer } from "./designer";
import { yamlToDoc } from "./doc-text";

/** The catalog trimmed to what the palette and forms need: no commands or images. Deprecated ones still edit existing tasks. */
export function paletteTemplates(catalog: readonly TemplateView[]): PaletteTemplate[] {
  return catalog.map((t) => ({
    name: t.name,
    title: t.title,
    category: t.category,
    description: t.description,
    icon: t.icon,
    paramsSchema: t.paramsSchema,
    uiSchema: t.uiSchema,
    timeoutSeconds: t.timeoutSeconds,
    ...(t.resources ? { resources: t.resources } : {}),
    ...(t.results?.length ? { results: t.results } : {}),
    example: (t as { example?: PaletteTemplate["example"] }).example,
    deprecated: t.deprecated,
  }));
}

/**
 * Server half of the Design tab: the catalog (read by the page, through its operation) trimmed to
 * what the palette and forms need, the saved YAML as a document, then the client designer.
 */
export function DesignTab({
  pipelineId,
  version,
  source,
  repositoryFile,
  secretNames,
  secretsHref,
  catalog,
}: {
  pipelineId: string;
  version: number;
  source: string;
  /** The pipeline file of a pipeline kept in its repository: saving proposes a pull request. */
  repositoryFile?: string;
  secretNames?: string[];
  /** Where the project's secrets are created, for the secret picker's hint. */
  secretsHref?: string;
  catalog: readonly TemplateView[];
}) {
  const templates = paletteTemplates(catalog);
  // Parsed here, once: the browser gets the document as data instead of parsing 300 tasks of YAML
  // while the page hydrates.
  const initialDoc = yamlToDoc(source);
  return (
    <Designer
      key={version}
      initialDoc={initialDoc}
      pipelineId={pipelineId}
      version={version}
      source={source}
      repositoryFile={repositoryFile}
      templates={templates}
      secretNames={secretNames}
      secretsHref={secretsHref}
    />
  );
}
