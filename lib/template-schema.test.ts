import { describe, expect, it } from "vitest";
import { TemplateDefinitionSchema } from "./template-schema";

const base = {
  name: "pg-test",
  title: "Tests with PostgreSQL",
  category: "test",
  image: "node:22",
  command: ["npm", "test"],
  paramsSchema: { type: "object" },
};

describe("template Kubernetes fields", () => {
  it("adds nothing to a template that does not use them, so its content hash and version stay the same", () => {
    const parsed = TemplateDefinitionSchema.parse(base);
    for (const k of ["sidecars", "cachePath", "resources", "needsClusterAccess"]) expect(parsed, k).not.toHaveProperty(k);
  });

  it("reads sidecars, cache path, resources and the cluster-access flag", () => {
    const parsed = TemplateDefinitionSchema.parse({
      ...base,
      sidecars: [
        { name: "postgres", image: "postgres:16", env: { POSTGRES_PASSWORD: "test" }, ports: [{ containerPort: 5432 }] },
        { name: "upload", role: "upload", image: "amazon/aws-cli", preStop: ["aws", "s3", "cp", "--recursive", "dist", "s3://b/"] },
      ],
      cachePath: "/home/gantry/.npm",
      resources: { requests: { cpu: 1, memory: "512Mi" }, limits: { memory: "1Gi" } },
      needsClusterAccess: true,
    });
    expect(parsed.sidecars!.map((s) => s.role)).toEqual(["service", "upload"]);
    // YAML numbers are quantities too: `cpu: 1` means one CPU.
    expect(parsed.resources).toEqual({ requests: { cpu: "1", memory: "512Mi" }, limits: { memory: "1Gi" } });
    expect(parsed.needsClusterAccess).toBe(true);
  });

  it("rejects a quantity Kubernetes would not accept and a relative cache path, naming the field", () => {
    const r = TemplateDefinitionSchema.safeParse({ ...base, resources: { limits: { memory: "1 GB" } }, cachePath: "cache" });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toContain("resources.limits.memory");
    expect(paths).toContain("cachePath");
  });

  it("rejects a sidecar name that cannot be a container name", () => {
    const r = TemplateDefinitionSchema.safeParse({ ...base, sidecars: [{ name: "Postgres_DB", image: "postgres" }] });
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["sidecars.0.name"]);
  });
});
