import { stringify } from "yaml";
import { z } from "zod";
import { API_VERSION, BuildJobSpecSchema, BuildJobStatusSchema, GROUP, KIND, PLURAL, VERSION } from "./buildjob-schema";

/**
 * The BuildJob CustomResourceDefinition, generated from the zod schemas the operator parses
 * BuildJobs with, so the API server and the operator cannot disagree on the shape. The
 * committed copy in deploy/crds/ is written by `npm run gen:crds`; a unit test keeps it equal.
 */

/** A node of an apiextensions.k8s.io/v1 JSONSchemaProps, as far as we produce or check it. */
export type SchemaNode = { [key: string]: unknown };

/** JSONSchemaProps fields a CRD accepts (v1 forbids $ref, definitions, patternProperties …). */
const ALLOWED_KEYS = new Set([
  "description",
  "type",
  "format",
  "title",
  "default",
  "example",
  "nullable",
  "enum",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "multipleOf",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "maxProperties",
  "minProperties",
  "required",
  "items",
  "properties",
  "additionalProperties",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
]);
/** Formats the API server knows; others only earn a warning and validate nothing. */
const FORMATS = new Set([
  "bsonobjectid",
  "uri",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "cidr",
  "mac",
  "uuid",
  "uuid3",
  "uuid4",
  "uuid5",
  "isbn",
  "isbn10",
  "isbn13",
  "creditcard",
  "ssn",
  "hexcolor",
  "rgbcolor",
  "byte",
  "password",
  "date",
  "duration",
  "datetime",
  "date-time",
]);
const JUNCTORS = ["allOf", "anyOf", "oneOf", "not"] as const;
const PRESERVE = "x-kubernetes-preserve-unknown-fields";

export class SchemaConversionError extends Error {
  constructor(path: string, problem: string) {
    super(`${path || "<root>"}: ${problem}`);
    this.name = "SchemaConversionError";
  }
}

/**
 * zod → a structural OpenAPI v3 schema. zod's `openapi-3.0` target already writes `nullable`
 * and boolean `exclusiveMinimum`; what is left is Kubernetes' own dialect: embedded objects need
 * `type: object` next to preserve-unknown-fields, no `propertyNames`, no `additionalProperties:
 * false` (the API server prunes instead), no JS safe-integer bounds. Anything a CRD cannot say
 * (a union, a `$ref`, an untyped value) throws rather than being dropped, so a schema change that
 * loosens validation is caught at generation time.
 */
export function toStructuralSchema(schema: z.ZodType): SchemaNode {
  const json = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    reused: "inline",
    cycles: "throw",
    unrepresentable: "throw",
  }) as SchemaNode;
  return convert(json, "");
}

function convert(node: SchemaNode, path: string): SchemaNode {
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$schema" || k === "propertyNames") continue;
    if (k === "$ref" || k === "$defs" || k === "definitions")
      throw new SchemaConversionError(path, `'${k}' is not allowed in a CRD (inline the schema)`);
    if ((JUNCTORS as readonly string[]).includes(k))
      throw new SchemaConversionError(path, `'${k}' (a union) cannot be made structural here; use an enum field instead`);
    if (!ALLOWED_KEYS.has(k)) throw new SchemaConversionError(path, `'${k}' is not a JSONSchemaProps field`);
    out[k] = v;
  }
  if (out[PRESERVE] === true) {
    // An embedded object: the API server keeps whatever is inside, we say only that it is an object.
    delete out.additionalProperties;
    out.type ??= "object";
    return out;
  }
  if (out.type === "integer") {
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  }
  // Kubernetes checks the format itself; zod's date-time regex is only noise in the CRD.
  if (out.format === "date-time") delete out.pattern;
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (out.format !== undefined && !FORMATS.has(out.format as string))
    throw new SchemaConversionError(path, `format '${String(out.format)}' is unknown to Kubernetes; use a pattern`);
  if (typeof out.type !== "string")
    throw new SchemaConversionError(path, "has no single type (mark embedded objects with preserve-unknown-fields)");
  if (out.properties) {
    const props: SchemaNode = {};
    for (const [name, child] of Object.entries(out.properties as Record<string, SchemaNode>))
      props[name] = convert(child, `${path}.${name}`);
    out.properties = props;
  }
  if (out.items !== undefined) {
    if (Array.isArray(out.items) || typeof out.items !== "object") throw new SchemaConversionError(path, "tuple items are not allowed");
    out.items = convert(out.items as SchemaNode, `${path}[]`);
  }
  if (out.additionalProperties !== undefined) {
    const ap = out.additionalProperties as SchemaNode;
    if (typeof ap !== "object" || Object.keys(ap).length === 0) throw new SchemaConversionError(path, "map values need a type");
    out.additionalProperties = convert(ap, `${path}{}`);
  }
  return out;
}

/**
 * Problems that would make the API server refuse the schema as non-structural (the rules in
 * "Specifying a structural schema" of the Kubernetes docs, plus v1's forbidden fields).
 * Empty when the schema is fine.
 */
export function structuralProblems(root: SchemaNode): string[] {
  const problems: string[] = [];
  const visit = (node: SchemaNode, path: string, inJunctor: boolean, isRoot: boolean) => {
    const at = path || "<root>";
    for (const k of Object.keys(node)) if (!ALLOWED_KEYS.has(k)) problems.push(`${at}: '${k}' is not allowed`);
    const preserve = node[PRESERVE] === true;
    const intOrString = node["x-kubernetes-int-or-string"] === true;
    if (node[PRESERVE] === false) problems.push(`${at}: ${PRESERVE} must be true or absent`);
    if (inJunctor) {
      for (const k of ["description", "type", "default", "additionalProperties", "nullable"])
        if (k in node) problems.push(`${at}: '${k}' must not be set inside allOf/anyOf/oneOf/not`);
    } else if (!(typeof node.type === "string" && node.type) && !preserve && !intOrString) {
      problems.push(`${at}: needs a type`);
    }
    if (node.properties && node.additionalProperties !== undefined)
      problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
    if (node.additionalProperties === false) problems.push(`${at}: additionalProperties: false is not allowed`);
    if (node.properties && !inJunctor && node.type !== "object") problems.push(`${at}: properties on a non-object`);
    if (node.items !== undefined && !inJunctor && node.type !== "array") problems.push(`${at}: items on a non-array`);
    if (node.type === "array" && !inJunctor && !node.items) problems.push(`${at}: an array needs items`);
    if (Array.isArray(node.items)) problems.push(`${at}: items must be one schema`);
    if ((node as { uniqueItems?: unknown }).uniqueItems === true) problems.push(`${at}: uniqueItems is not allowed`);
    const keys = node["x-kubernetes-list-map-keys"] as string[] | undefined;
    if (keys) {
      const items = node.items as SchemaNode | undefined;
      const required = (items?.required as string[] | undefined) ?? [];
      if (node["x-kubernetes-list-type"] !== "map") problems.push(`${at}: list-map-keys need x-kubernetes-list-type: map`);
      for (const key of keys) if (!required.includes(key)) problems.push(`${at}: list map key '${key}' must be required in the items`);
    }
    if (isRoot && node.properties) {
      const meta = (node.properties as Record<string, SchemaNode>).metadata;
      if (meta && Object.keys(meta).some((k) => k !== "type" && k !== "properties" && k !== "description"))
        problems.push(`metadata: only its name may be restricted`);
      const metaProps = meta?.properties as Record<string, unknown> | undefined;
      if (metaProps && Object.keys(metaProps).some((k) => k !== "name" && k !== "generateName"))
        problems.push(`metadata: only name and generateName may be restricted`);
    }
    for (const [name, child] of Object.entries((node.properties as Record<string, SchemaNode>) ?? {}))
      visit(child, `${path}.${name}`, inJunctor, false);
    if (node.items && !Array.isArray(node.items)) visit(node.items as SchemaNode, `${path}[]`, inJunctor, false);
    if (node.additionalProperties && typeof node.additionalProperties === "object")
      visit(node.additionalProperties as SchemaNode, `${path}{}`, inJunctor, false);
    for (const j of JUNCTORS) {
      const v = node[j];
      if (v === undefined) continue;
      // The one typed junctor Kubernetes allows: int-or-string written as anyOf [integer, string].
      if (intOrString && j === "anyOf" && isIntOrStringAnyOf(v)) continue;
      for (const [i, sub] of (Array.isArray(v) ? v : [v]).entries()) visit(sub as SchemaNode, `${path}.${j}[${i}]`, true, false);
    }
  };
  visit(root, "", false, true);
  return problems;
}

function isIntOrStringAnyOf(v: unknown): boolean {
  if (!Array.isArray(v) || v.length !== 2) return false;
  const types = v.map((x: SchemaNode) => (Object.keys(x).length === 1 ? x.type : null)).sort();
  return types[0] === "integer" && types[1] === "string";
}

export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** The CustomResourceDefinition object, ready to apply or to write as YAML. */
export function buildJobCrd() {
  const openAPIV3Schema: SchemaNode & { properties: Record<string, SchemaNode> } = {
    type: "object",
    description: "One attempt of one Gantry task run, reconciled into a batch/v1 Job.",
    required: ["spec"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: toStructuralSchema(BuildJobSpecSchema),
      status: toStructuralSchema(BuildJobStatusSchema),
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: CRD_NAME, labels: { "app.kubernetes.io/part-of": "gantry" } },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: ["bj"],
        categories: ["gantry"],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Phase", type: "string", jsonPath: ".status.phase" },
            { name: "Task", type: "string", jsonPath: ".spec.task" },
            { name: "Reason", type: "string", jsonPath: '.status.conditions[?(@.type=="Succeeded")].reason', priority: 1 },
            { name: "Pipeline", type: "string", jsonPath: ".spec.pipeline", priority: 1 },
            { name: "Job", type: "string", jsonPath: ".status.jobName", priority: 1 },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

export const CRD_FILE = `deploy/crds/${CRD_NAME}.yaml`;
/** The same file in the Helm chart, which installs it from its crds/ folder. */
export const CHART_CRD_FILE = `deploy/helm/gantry/crds/${CRD_NAME}.yaml`;

/** The committed file's exact text: stable key order and no line folding, so diffs stay small. */
export function renderCrdYaml(): string {
  return `# Generated by \`npm run gen:crds\` from operator/executors/kubernetes/buildjob-schema.ts; do not edit.\n${stringify(buildJobCrd(), { lineWidth: 0 })}`;
}

export const CRD_API_VERSION = API_VERSION;
