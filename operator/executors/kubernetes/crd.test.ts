import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { BuildJobSchema } from "./buildjob-schema";
import { buildJobCrd, CHART_CRD_FILE, CRD_FILE, renderCrdYaml, structuralProblems, toStructuralSchema, type SchemaNode } from "./crd";
import { sampleBuildJob } from "./test-fixtures";

const root = path.resolve(import.meta.dirname, "../../..");
const openAPI = () => buildJobCrd().spec.versions[0].schema.openAPIV3Schema;

describe("BuildJob CRD", () => {
  it("is committed exactly as generated from the operator's schemas, in deploy/crds and in the Helm chart", () => {
    for (const file of [CRD_FILE, CHART_CRD_FILE]) {
      const committed = readFileSync(path.join(root, file), "utf8");
      expect(committed === renderCrdYaml(), `${file} is out of date: run \`npm run gen:crds\` and commit it`).toBe(true);
    }
  });

  it("has a structural schema the API server accepts", () => {
    expect(structuralProblems(openAPI())).toEqual([]);
  });

  it("has the status subresource, printer columns phase/task/age and the short name bj", () => {
    const crd = parse(readFileSync(path.join(root, CRD_FILE), "utf8"));
    const v = crd.spec.versions[0];
    expect(crd.metadata.name).toBe("buildjobs.gantry.dev");
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns.filter((c: { priority?: number }) => !c.priority).map((c: { name: string }) => c.name)).toEqual([
      "Phase",
      "Task",
      "Age",
    ]);
    expect(crd.spec.names.shortNames).toEqual(["bj"]);
    expect(crd.spec.names.categories).toContain("gantry");
  });

  it("keeps embedded Kubernetes objects (raw JobSpec, affinity) whole instead of pruning them", () => {
    const spec = openAPI().properties.spec as { properties: Record<string, SchemaNode & { properties?: Record<string, SchemaNode> }> };
    expect(spec.properties.jobSpec).toMatchObject({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
    expect(spec.properties.scheduling.properties!.affinity).toMatchObject({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
  });

  it("validates like the operator: accepts a good BuildJob, rejects a bad one with the field named", () => {
    // ajv stands in for the API server's OpenAPI validation here; the real one is exercised by
    // the cluster suite. It at least proves the generated constraints are the intended ones.
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(openAPI());
    const good = JSON.parse(JSON.stringify(sampleBuildJob()));
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    expect(BuildJobSchema.safeParse(good).success).toBe(true);

    const bad = structuredClone(good);
    bad.spec.workspace.type = "HostPath";
    delete bad.spec.plan;
    bad.spec.source = { git: { url: "https://example.com/r.git", revision: "--upload-pack=evil", dir: "src" } };
    bad.status = { phase: "Running", startTime: "yesterday" };
    expect(validate(bad)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    expect(paths.join("\n")).toMatch(/\/spec must have required property 'plan'/);
    expect(paths.join("\n")).toMatch(/\/spec\/workspace\/type must be equal to one of the allowed values/);
    expect(paths.join("\n")).toMatch(/\/spec\/source\/git\/revision must match pattern/);
    expect(paths.join("\n")).toMatch(/\/status\/startTime must match format "date-time"/);
    expect(BuildJobSchema.safeParse(bad).success).toBe(false);
  });
});

describe("zod → structural schema", () => {
  it("writes nullable and drops JavaScript's safe-integer bounds", () => {
    const s = toStructuralSchema(z.object({ n: z.number().int().nullable().optional() }));
    expect(s).toEqual({ type: "object", properties: { n: { type: "integer", nullable: true } } });
  });

  it("refuses a union rather than emitting anyOf the API server would reject", () => {
    expect(() => toStructuralSchema(z.object({ v: z.union([z.string(), z.object({ a: z.string() })]) }))).toThrow(/\.v: 'anyOf'/);
  });

  it("refuses an untyped value that is not marked as an embedded object", () => {
    expect(() => toStructuralSchema(z.object({ v: z.record(z.string(), z.unknown()) }))).toThrow(/\.v: map values need a type/);
  });

  it("refuses formats Kubernetes does not know", () => {
    expect(() => toStructuralSchema(z.object({ e: z.email() }))).not.toThrow();
    expect(() => toStructuralSchema(z.object({ u: z.url() }))).not.toThrow();
    expect(() => toStructuralSchema(z.object({ s: z.string().startsWith("/") }))).toThrow(/format 'starts_with'/);
  });
});

describe("structural schema checker", () => {
  const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: "object", properties, ...extra });

  it("finds a field without a type", () => {
    expect(structuralProblems(obj({ a: { description: "x" } }))).toEqual([".a: needs a type"]);
  });

  it("finds $ref and forbidden keywords", () => {
    expect(structuralProblems(obj({ a: { $ref: "#/defs/x" } }))).toContain(".a: '$ref' is not allowed");
    expect(structuralProblems(obj({ a: { type: "array", items: { type: "string" }, uniqueItems: true } }))).toContain(
      ".a: 'uniqueItems' is not allowed",
    );
  });

  it("finds types and defaults inside anyOf", () => {
    expect(structuralProblems(obj({ a: { type: "string", anyOf: [{ type: "string" }, { default: 1 }] } }))).toEqual([
      ".a.anyOf[0]: 'type' must not be set inside allOf/anyOf/oneOf/not",
      ".a.anyOf[1]: 'default' must not be set inside allOf/anyOf/oneOf/not",
    ]);
  });

  it("finds properties next to additionalProperties, and additionalProperties: false", () => {
    expect(
      structuralProblems(obj({ a: { type: "object", properties: { b: { type: "string" } }, additionalProperties: { type: "string" } } })),
    ).toContain(".a: properties and additionalProperties are mutually exclusive");
    expect(structuralProblems(obj({ a: { type: "object", additionalProperties: false } }))).toContain(
      ".a: additionalProperties: false is not allowed",
    );
  });

  it("finds restrictions on metadata beyond its name", () => {
    expect(structuralProblems(obj({ metadata: { type: "object", properties: { labels: { type: "object" } } } }))).toContain(
      "metadata: only name and generateName may be restricted",
    );
  });

  it("finds a list-map key that the items do not require", () => {
    const list = {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      items: obj({ type: { type: "string" } }),
    };
    expect(structuralProblems(obj({ conditions: list }))).toEqual([".conditions: list map key 'type' must be required in the items"]);
  });

  it("accepts preserve-unknown-fields and int-or-string nodes without a type", () => {
    const intOrString = { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] };
    expect(structuralProblems(obj({ a: { "x-kubernetes-preserve-unknown-fields": true }, b: intOrString }))).toEqual([]);
    expect(structuralProblems(obj({ b: { ...intOrString, anyOf: [{ type: "integer" }, { type: "boolean" }] } }))).toContain(
      ".b.anyOf[0]: 'type' must not be set inside allOf/anyOf/oneOf/not",
    );
  });
});
