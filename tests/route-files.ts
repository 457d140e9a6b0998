import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** The REST routes as the file system declares them: every method every `app/api/v1/**\/route.ts` exports. */

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? routeFiles(p) : name === "route.ts" ? [p] : [];
  });
}

/** `app/api/v1/runs/[id]/cancel/route.ts` → `/api/v1/runs/{id}/cancel`; null for a catch-all. */
function urlPath(appDir: string, file: string): string | null {
  const segments = relative(appDir, file).split(sep).slice(0, -1);
  if (segments.some((s) => s.startsWith("[..."))) return null;
  return "/" + segments.map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
}

function exportedMethods(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) found.add(m[1]);
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1].split(",")) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop();
      if (name && METHODS.includes(name)) found.add(name);
    }
  }
  return [...found];
}

export interface RouteMethod {
  method: string;
  path: string;
  file: string;
}

export function v1Routes(root = process.cwd()): RouteMethod[] {
  const appDir = join(root, "app");
  return routeFiles(join(appDir, "api/v1")).flatMap((file) => {
    const path = urlPath(appDir, file);
    return path ? exportedMethods(readFileSync(file, "utf8")).map((method) => ({ method, path, file: relative(root, file) })) : [];
  });
}

/** Problems with an OpenAPI 3.1 document's structure and references; empty when it is sound. */
export function openApiProblems(doc: {
  openapi?: string;
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}): string[] {
  type Param = { name?: string; in?: string; required?: boolean; schema?: unknown };
  type Op = { operationId?: string; responses?: Record<string, unknown>; parameters?: Param[] };
  const problems: string[] = [];
  if (!/^3\.1\.\d+$/.test(doc.openapi ?? "")) problems.push(`openapi is '${doc.openapi}', not 3.1.x`);
  if (!doc.info?.title || !doc.info?.version) problems.push("info needs a title and a version");
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith("/")) problems.push(`${path}: a path must start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    // Parameters may be given once for the whole path item, or per operation.
    const { parameters: shared = [], ...operations } = item as Record<string, Op> & { parameters?: Param[] };
    for (const [method, op] of Object.entries(operations)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!["get", "put", "post", "delete", "options", "head", "patch", "trace"].includes(method))
        problems.push(`${where}: not an HTTP method`);
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} used twice`);
      else ids.add(op.operationId);
      if (!op.responses || Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
      for (const code of Object.keys(op.responses ?? {}))
        if (!/^([1-5](\d\d|XX)|default)$/.test(code)) problems.push(`${where}: response key ${code}`);
      const params = [...(shared as Param[]), ...(op.parameters ?? [])];
      for (const p of params) {
        if (!p.name || !["path", "query", "header", "cookie"].includes(p.in ?? "") || !p.schema)
          problems.push(`${where}: parameter ${JSON.stringify(p)}`);
        if (p.in === "path" && p.required !== true) problems.push(`${where}: path parameter ${p.name} must be required`);
        if (p.in === "path" && !templated.includes(p.name ?? "")) problems.push(`${where}: path parameter ${p.name} is not in the path`);
      }
      for (const name of templated)
        if (!params.some((p) => p.in === "path" && p.name === name)) problems.push(`${where}: {${name}} is not described`);
    }
  }
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
  for (const r of new Set(refs)) {
    const m = /^#\/components\/schemas\/(.+)$/.exec(r);
    if (!m || !doc.components?.schemas?.[m[1]]) problems.push(`$ref ${r} does not resolve`);
  }
  return problems;
}
