import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { RJSFSchema } from "@rjsf/utils";
import { describe, expect, it } from "vitest";
import { paramProblems, paramsValidator, validateTaskParams } from "./params-validator";

/**
 * The browser validator interprets schemas (no eval under the CSP); the server compiles them with
 * ajv. Both must find the same problems at the same places, in the same words.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

function serverFindings(schema: Record<string, unknown>, data: unknown) {
  const fn = ajv.compile(schema);
  fn(structuredClone(data));
  return (fn.errors ?? [])
    .map((e) => {
      const at = e.instancePath.replace(/\//g, ".");
      const missing = (e.params as { missingProperty?: string }).missingProperty;
      return `${missing ? (at ? `${at}.${missing}` : missing) : at}: ${e.message}`;
    })
    .sort();
}

function browserFindings(schema: Record<string, unknown>, data: Record<string, unknown>) {
  return validateTaskParams(schema, data)
    .errors.map((e) => `${e.property}: ${e.message}`)
    .sort();
}

const schema = {
  type: "object",
  required: ["script"],
  additionalProperties: false,
  properties: {
    script: { type: "string", minLength: 1, maxLength: 20 },
    image: { type: "string", pattern: "^[a-z0-9./:-]+$" },
    replicas: { type: "integer", minimum: 1, maximum: 5 },
    strategy: { enum: ["rolling", "recreate"] },
    url: { type: "string", format: "uri" },
    tags: { type: "array", items: { type: "string", minLength: 2 }, minItems: 1, uniqueItems: true },
    env: { type: "object", additionalProperties: { type: "string" } },
    token: { type: "string", writeOnly: true, secret: true },
  },
};

describe("params validator without eval", () => {
  const cases: [string, Record<string, unknown>][] = [
    [
      "valid params",
      { script: "echo hi", replicas: 2, strategy: "rolling", url: "https://example.com/x", tags: ["ab"], env: { A: "1" }, token: "t" },
    ],
    ["a missing required param", { image: "alpine" }],
    ["an unknown param", { script: "x", scirpt: "typo" }],
    ["wrong types", { script: 3, replicas: "two", tags: "a" }],
    ["limits", { script: "", replicas: 9, tags: [] }],
    ["a pattern, an enum and a format", { script: "x", image: "UPPER CASE", strategy: "blue-green", url: "not a url" }],
    ["nested items and values", { script: "x", tags: ["a", "a"], env: { A: 1 } }],
  ];

  it.each(cases)("finds what the server finds: %s", (_, data) => {
    expect(browserFindings(schema, data)).toEqual(serverFindings(schema, data));
  });

  it("counts a param the form emptied (undefined) as missing, as ajv does", () => {
    expect(browserFindings(schema, { script: undefined, tags: ["ab", undefined] })).toEqual(
      serverFindings(schema, { script: undefined, tags: ["ab", undefined] }),
    );
    expect(browserFindings(schema, { script: undefined })).toEqual(["script: must have required property 'script'"]);
  });

  it("puts a missing param's error on its field, for the form", () => {
    expect(validateTaskParams(schema, {}).errorSchema).toMatchObject({ script: { __errors: ["must have required property 'script'"] } });
  });

  it("gives the designer's badges their paths", () => {
    expect(paramProblems(schema, { script: "", replicas: 0 })).toEqual(
      expect.arrayContaining([
        { path: "script", message: "must NOT have fewer than 1 characters" },
        { path: "replicas", message: "must be >= 1" },
      ]),
    );
  });

  it("picks oneOf options by validity, with refs into the root schema", () => {
    const root: RJSFSchema = { $defs: { port: { type: "integer", minimum: 1 } }, oneOf: [{ $ref: "#/$defs/port" }, { type: "string" }] };
    expect(paramsValidator.isValid({ $ref: "#/$defs/port" }, 80, root)).toBe(true);
    expect(paramsValidator.isValid({ $ref: "#/$defs/port" }, 0, root)).toBe(false);
  });

  it("leaves a param that holds a reference to be judged when its value is known, as saving does", async () => {
    const { validateParams } = await import("@/server/templates/params");
    const data = { script: "x", image: "registry/app:{{ git.shortSha }}", url: "{{ params.URL }}" };
    expect(browserFindings(schema, data)).toEqual([]);
    expect(validateParams(schema, data, "params", { deferRefs: true }).ok).toBe(true);
    expect(browserFindings(schema, { script: "x", image: "Upper:{{ nope" })).toEqual([`.image: must match pattern "^[a-z0-9./:-]+$"`]);
  });

  it("reports a broken schema as a problem instead of throwing", () => {
    expect(() => validateTaskParams({ type: "object", properties: { a: { $ref: "#/nowhere" } } }, { a: 1 })).not.toThrow();
  });
});
