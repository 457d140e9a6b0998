import { icons } from "lucide-react";
import { describe, expect, it } from "vitest";
import { loadBuiltinTemplates } from "./catalog";
import { schemaProblem, validateParams } from "./params";
import { checkTemplateExpressions } from "@/lib/expressions/check-template";

const pascal = (s: string) =>
  s
    .split("-")
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
const builtins = loadBuiltinTemplates();

describe("built-in templates", () => {
  it("cover the catalog the issue asks for", () => {
    expect(builtins.map((t) => t.name).sort()).toEqual(
      [
        "artifact-upload",
        "git-clone",
        "go-build",
        "harbor-label",
        "helm-deploy",
        "integration-test",
        "jenkins-job",
        "jira-issue",
        "kaniko-build",
        "kubectl-apply",
        "manual-approval",
        "maven-build",
        "node-build",
        "notify",
        "shell",
        "sonarqube-scan",
        "spinnaker-webhook",
      ].sort(),
    );
  });

  for (const t of builtins) {
    describe(t.name, () => {
      it("has a params schema that compiles, an icon that exists and a description", () => {
        expect(schemaProblem(t.paramsSchema), "params schema").toBeNull();
        expect(icons[pascal(t.icon) as keyof typeof icons], `lucide icon '${t.icon}'`).toBeDefined();
        expect(t.description.length).toBeGreaterThan(20);
      });

      it("has an example task whose params satisfy its own schema", () => {
        expect(t.example, "example").toBeDefined();
        expect(t.example!.template).toBe(t.name);
        const r = validateParams(t.paramsSchema, t.example!.params, "params", { deferRefs: true });
        expect(r.ok ? [] : r.errors).toEqual([]);
      });

      it("uses its secret params only as env, and only known params, in its references", () => {
        expect(checkTemplateExpressions(t)).toEqual([]);
      });

      it("says why when it cannot run locally, and what it needs when it can", () => {
        if (t.local.supported) expect(t.local.requires.length).toBeGreaterThan(0);
        else expect(t.local.reason?.length ?? 0, "local.reason").toBeGreaterThan(20);
      });

      it("marks secret params so forms mask them", () => {
        const props = (t.paramsSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
        for (const [k, p] of Object.entries(props)) {
          if (/password|token|secretKey/i.test(k)) expect(p.secret, `${k} is secret`).toBe(true);
        }
      });
    });
  }

  it("mark manual approval as a gate, not a process", () => {
    expect(builtins.find((t) => t.name === "manual-approval")?.gate).toBe("approval");
    expect(builtins.filter((t) => t.gate).map((t) => t.name)).toEqual(["manual-approval"]);
  });

  it("run locally: shell, git clone, the Node, Go and Maven builds, artifact upload, the outside-service templates, helm and kubectl; the rest are cluster-only", () => {
    expect(
      builtins
        .filter((t) => t.local.supported)
        .map((t) => t.name)
        .sort(),
    ).toEqual([
      "artifact-upload",
      "git-clone",
      "go-build",
      "harbor-label",
      "helm-deploy",
      "jenkins-job",
      "jira-issue",
      "kaniko-build",
      "kubectl-apply",
      "maven-build",
      "node-build",
      "notify",
      "shell",
      "sonarqube-scan",
      "spinnaker-webhook",
    ]);
  });

  it("give cluster credentials only to the deploy templates", () => {
    expect(builtins.filter((t) => t.needsClusterAccess).map((t) => t.name)).toEqual(["helm-deploy", "kubectl-apply"]);
  });
});

describe("schemaErrors", () => {
  it("points at the wrong keyword inside a params schema", async () => {
    const { schemaErrors } = await import("./params");
    expect(schemaErrors({ type: "object", properties: { n: { type: "strnig" } } })).toEqual([
      {
        path: "properties.n.type",
        message: expect.stringMatching(
          /^must be equal to one of the allowed values \("array", "boolean", "integer", "null", "number", "object", "string"\)$/,
        ),
      },
    ]);
    expect(schemaErrors({ type: "object", required: "x" })).toEqual([{ path: "required", message: "must be array" }]);
    expect(schemaErrors({ type: "object", properties: { a: { $ref: "#/nowhere" } } })[0].message).toMatch(/can't resolve reference/);
    expect(schemaErrors({ type: "object" })).toEqual([]);
  });
});
