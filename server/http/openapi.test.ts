import { describe, expect, it } from "vitest";
import { openApiProblems, v1Routes } from "../../tests/route-files";
import { openApiDocument } from "./openapi";

/** The document is generated from the declared operations; these checks keep it whole and well formed. */
describe("the OpenAPI document", () => {
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };

  it("describes every method every route file under app/api/v1 exports", () => {
    const routes = v1Routes();
    expect(routes.length).toBeGreaterThan(50);
    const missing = routes.filter((r) => !doc.paths[r.path]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path} (${r.file})`);
    expect(missing, `routes missing from the document:\n${missing.join("\n")}`).toEqual([]);
  });

  it("is a well-formed OpenAPI 3.1 document whose every $ref resolves", () => {
    expect(openApiProblems(doc)).toEqual([]);
  });

  it("names the permission each declared operation needs", () => {
    const cancel = doc.paths["/api/v1/runs/{id}/cancel"].post;
    expect(cancel["x-gantry-permission"]).toBe("run.cancel");
    expect(cancel.description).toContain("role `developer` or above");
    expect(doc.paths["/api/v1/hooks/{provider}/{pipelineId}"].post.security).toEqual([]);
  });
});
