import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { call, createPipeline, get, post, put, shellSpec, uniqueName } from "./api-helpers";

/** Version control over REST: restore creates a new version, export gives YAML that imports back. */

describe("pipeline versions", () => {
  it("restores an old version as a new one with the message 'restored version N', keeping history", async () => {
    const name = uniqueName("restore");
    const id = await createPipeline(shellSpec(name, "echo one"));
    expect((await put(`/api/v1/pipelines/${id}`, shellSpec(name, "echo two"))).body.version).toBe(2);

    const r = await post(`/api/v1/pipelines/${id}/versions/1/restore`);
    expect(r.status, r.text).toBe(201);
    expect(r.body).toEqual({ version: 3, restoredFrom: 1 });

    const p = (await get(`/api/v1/pipelines/${id}`)).body;
    expect(p.version).toBe(3);
    expect(p.spec.stages[0].tasks[0].params.script).toBe("echo one");
    const versions = (await get(`/api/v1/pipelines/${id}/versions`)).body.items;
    expect(versions.map((v: { version: number; message: string | null }) => [v.version, v.message])).toEqual([
      [3, "restored version 1"],
      [2, null],
      [1, null],
    ]);
    expect(versions[0].author).toBe("admin");
    // Version 2 is still there, unchanged.
    expect((await get(`/api/v1/pipelines/${id}/versions/2`)).body.spec.stages[0].tasks[0].params.script).toBe("echo two");
  });

  it("restores the YAML as written, comments included", async () => {
    const name = uniqueName("restore-yaml");
    const yaml = `# first version\nname: ${name}\nstages:\n  - name: main\n    tasks:\n      - name: work\n        template: shell\n        params: { script: echo one }  # keep me\n`;
    const c = await call("POST", "/api/v1/pipelines", { raw: yaml, contentType: "application/yaml" });
    expect(c.status, c.text).toBe(201);
    await put(`/api/v1/pipelines/${c.body.id}`, shellSpec(name, "echo json"));
    await post(`/api/v1/pipelines/${c.body.id}/versions/1/restore`);
    expect((await get(`/api/v1/pipelines/${c.body.id}`)).body.source).toBe(yaml);
  });

  it("refuses a restore on a stale base version (409) and unknown versions (404)", async () => {
    const name = uniqueName("restore-stale");
    const id = await createPipeline(shellSpec(name, "echo one"));
    await put(`/api/v1/pipelines/${id}`, shellSpec(name, "echo two"));
    const stale = await post(`/api/v1/pipelines/${id}/versions/1/restore`, undefined, { headers: { "if-match": '"1"' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.currentVersion).toBe(2);
    expect((await post(`/api/v1/pipelines/${id}/versions/7/restore`)).status).toBe(404);
    expect((await get(`/api/v1/pipelines/${id}`)).body.version).toBe(2);
  });

  it("exports a pipeline as a YAML file that imports back as a new pipeline", async () => {
    const name = uniqueName("export");
    const id = await createPipeline(shellSpec(name, "echo exported"));
    const r = await get(`/api/v1/pipelines/${id}/export`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/yaml/);
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="${name}-v1.yaml"`);
    const doc = parse(r.text);
    expect(doc.stages[0].tasks[0].params.script).toBe("echo exported");

    const copy = uniqueName("imported");
    const imp = await call("POST", "/api/v1/pipelines", {
      raw: r.text.replace(`name: ${name}`, `name: ${copy}`),
      contentType: "application/yaml",
    });
    expect(imp.status, imp.text).toBe(201);
    expect((await get(`/api/v1/pipelines/${imp.body.id}`)).body.spec.stages).toEqual(
      (await get(`/api/v1/pipelines/${id}`)).body.spec.stages,
    );
  });

  it("documents restore, upgrade and export in OpenAPI", async () => {
    const doc = (await get("/api/v1/openapi.json")).body;
    expect(doc.paths["/api/v1/pipelines/{id}/versions/{n}/restore"].post).toBeDefined();
    expect(doc.paths["/api/v1/pipelines/{id}/upgrade-templates"].post).toBeDefined();
    expect(doc.paths["/api/v1/pipelines/{id}/export"].get).toBeDefined();
  });
});
