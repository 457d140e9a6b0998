import { describe, expect, it, beforeAll } from "vitest";
import { openApiProblems, v1Routes } from "./route-files";
import { call, createPipeline, get, post, put, shellSpec, startRun, testEnv, uniqueName } from "./api-helpers";

/**
 * REST API v1 over real HTTP against a running Gantry: every call of the table, and the
 * bad-input cases (clear 4xx, nothing written).
 */

beforeAll(() => {
  testEnv();
});

const yaml = (text: string) => ({ raw: text, contentType: "application/yaml" });
const MISSING = "00000000-0000-4000-8000-000000000000";

describe("templates", () => {
  it("lists the catalog with each template's params JSON Schema", async () => {
    const r = await get("/api/v1/templates");
    expect(r.status).toBe(200);
    const shell = r.body.items.find((t: { name: string }) => t.name === "shell");
    expect(shell, "the built-in shell template is in the catalog").toBeTruthy();
    expect(shell.paramsSchema.required).toContain("script");
    expect(r.body.items.map((t: { name: string }) => t.name)).toContain("git-clone");
  });

  it("returns one template by name, and 404 for an unknown one", async () => {
    const r = await get("/api/v1/templates/git-clone");
    expect(r.status).toBe(200);
    expect(r.body.name).toBe("git-clone");
    expect(r.body.paramsSchema.properties).toHaveProperty("url");
    const missing = await get("/api/v1/templates/no-such-template");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });
});

describe("creating pipelines", () => {
  it("creates from JSON: 201 with id, name and version 1, then reads it back with its spec", async () => {
    const name = uniqueName("api-json");
    const r = await post("/api/v1/pipelines", shellSpec(name, "echo hi"));
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.any(String), name, version: 1, project: "default" });
    expect(r.headers.get("location")).toBe(`/api/v1/pipelines/${r.body.id}`);

    const one = await get(`/api/v1/pipelines/${r.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: r.body.id, name, version: 1 });
    expect(one.body.spec.stages[0].tasks[0]).toMatchObject({ name: "work", template: "shell", params: { script: "echo hi" } });

    const list = await get("/api/v1/pipelines");
    expect(list.status).toBe(200);
    expect(list.body.items.find((p: { id: string }) => p.id === r.body.id)).toMatchObject({ name, version: 1, lastRun: null });
  });

  it("creates from YAML and keeps the text as written, comments included", async () => {
    const name = uniqueName("api-yaml");
    const text = `# my pipeline\nname: ${name}\nstages:\n  - name: build\n    tasks:\n      - name: say\n        template: shell\n        params: { script: "echo yaml" }  # inline comment\n`;
    const r = await call("POST", "/api/v1/pipelines", yaml(text));
    expect(r.status).toBe(201);
    const one = await get(`/api/v1/pipelines/${r.body.id}`);
    expect(one.body.source).toBe(text);
    expect(one.body.spec.stages[0].tasks[0].params.script).toBe("echo yaml");
  });

  it("refuses a taken name with 409 and writes nothing", async () => {
    const name = uniqueName("api-taken");
    await createPipeline(shellSpec(name, "true"));
    const r = await post("/api/v1/pipelines", shellSpec(name, "echo other"));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: "conflict", message: expect.stringContaining(name) });
    const same = (await get("/api/v1/pipelines")).body.items.filter((p: { name: string }) => p.name === name);
    expect(same).toHaveLength(1);
    expect(same[0].version).toBe(1);
  });

  it("answers malformed JSON and YAML with 400", async () => {
    const j = await call("POST", "/api/v1/pipelines", { raw: '{"name": "x", "stages": [' });
    expect(j.status).toBe(400);
    expect(j.body.error.code).toBe("bad_request");
    expect(j.body.error.message).toMatch(/JSON/);
    const y = await call("POST", "/api/v1/pipelines", yaml("name: [unclosed\nstages: {"));
    expect(y.status).toBe(400);
    expect(y.body.error.message).toMatch(/YAML/);
  });

  it("names the field path of a template param that fails the template's schema (422)", async () => {
    const name = uniqueName("api-params");
    const r = await post("/api/v1/pipelines", { name, stages: [{ name: "s", tasks: [{ name: "t", template: "shell", params: {} }] }] });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("validation_failed");
    expect(r.body.error.message).toContain("stages[0].tasks[0].params.script: required");
    expect(r.body.error.details.errors).toContainEqual({ path: "stages[0].tasks[0].params.script", message: "required" });
    expect((await get("/api/v1/pipelines")).body.items.some((p: { name: string }) => p.name === name)).toBe(false);
  });

  it("gives YAML field errors with their line numbers", async () => {
    const text = `name: ${uniqueName("api-lines")}\nstages:\n  - name: s\n    tasks:\n      - name: t\n        template: shell\n        params:\n          shell: zsh\n`;
    const r = await call("POST", "/api/v1/pipelines", yaml(text));
    expect(r.status).toBe(422);
    const errors = r.body.error.details.errors;
    expect(errors).toContainEqual({ path: "stages[0].tasks[0].params.script", message: "required", line: 8 });
    expect(errors.find((e: { path: string }) => e.path === "stages[0].tasks[0].params.shell")).toMatchObject({ line: 8 });
  });

  it("refuses an unknown template with 422 and its path", async () => {
    const r = await post("/api/v1/pipelines", {
      name: uniqueName("api-unknown"),
      stages: [
        {
          name: "s",
          tasks: [
            { name: "ok", template: "shell", params: { script: "true" } },
            { name: "bad", template: "no-such-template" },
          ],
        },
      ],
    });
    expect(r.status).toBe(422);
    expect(r.body.error.details.errors).toContainEqual({
      path: "stages[0].tasks[1].template",
      message: "unknown template 'no-such-template'",
    });
  });

  it("refuses names that break DNS-1123", async () => {
    for (const [spec, path] of [
      [shellSpec("Not_A_Label", "true"), "name"],
      [shellSpec("-leading-dash", "true"), "name"],
      [shellSpec("x".repeat(64), "true"), "name"],
      [
        {
          name: uniqueName("api-dns"),
          stages: [{ name: "Build Stage", tasks: [{ name: "t", template: "shell", params: { script: "true" } }] }],
        },
        "stages[0].name",
      ],
      [
        { name: uniqueName("api-dns"), stages: [{ name: "s", tasks: [{ name: "T_1", template: "shell", params: { script: "true" } }] }] },
        "stages[0].tasks[0].name",
      ],
    ] as const) {
      const r = await post("/api/v1/pipelines", spec);
      expect(r.status, `${JSON.stringify(spec)} should be refused`).toBe(422);
      expect(r.body.error.details.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it("refuses a spec that is not an object, unknown fields and missing stages with 422", async () => {
    expect((await post("/api/v1/pipelines", [1, 2])).status).toBe(422);
    const r = await post("/api/v1/pipelines", { name: uniqueName("api-shape"), stages: [], colour: "blue" });
    expect(r.status).toBe(422);
    const paths = r.body.error.details.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain("stages");
  });

  it("refuses a body over the size limit with 413", async () => {
    const big = shellSpec(uniqueName("api-big"), `echo ${"x".repeat(2 * 1024 * 1024)}`);
    const r = await post("/api/v1/pipelines", big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("payload_too_large");
  });

  it("refuses a Content-Type it cannot read with 415", async () => {
    const r = await call("POST", "/api/v1/pipelines", { raw: "<pipeline/>", contentType: "application/xml" });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe("unsupported_media_type");
  });
});

describe("saving versions", () => {
  let id: string;
  let name: string;
  beforeAll(async () => {
    name = uniqueName("api-versions");
    id = await createPipeline(shellSpec(name, "echo v1"));
  });

  it("saves a new immutable version with PUT and keeps the old one readable", async () => {
    const r = await put(`/api/v1/pipelines/${id}`, shellSpec(name, "echo v2"), { headers: { "x-gantry-message": "second version" } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ version: 2 });

    const cur = await get(`/api/v1/pipelines/${id}`);
    expect(cur.body.version).toBe(2);
    expect(cur.body.spec.stages[0].tasks[0].params.script).toBe("echo v2");

    const versions = await get(`/api/v1/pipelines/${id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(versions.body.items[0]).toMatchObject({ message: "second version", author: "admin" });

    const v1 = await get(`/api/v1/pipelines/${id}/versions/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.spec.stages[0].tasks[0].params.script).toBe("echo v1");
    expect((await get(`/api/v1/pipelines/${id}/versions/99`)).status).toBe(404);
    expect((await get(`/api/v1/pipelines/${id}/versions/first`)).status).toBe(400);
  });

  it("refuses a save based on a stale version with 409 (If-Match or ?baseVersion)", async () => {
    const cur = (await get(`/api/v1/pipelines/${id}`)).body.version as number;
    const stale = await put(`/api/v1/pipelines/${id}`, shellSpec(name, "echo stale"), { headers: { "if-match": `"${cur - 1}"` } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ currentVersion: cur, baseVersion: cur - 1 });
    const staleQuery = await put(`/api/v1/pipelines/${id}?baseVersion=${cur - 1}`, shellSpec(name, "echo stale"));
    expect(staleQuery.status).toBe(409);
    expect((await get(`/api/v1/pipelines/${id}`)).body.version).toBe(cur);

    const fresh = await put(`/api/v1/pipelines/${id}?baseVersion=${cur}&message=on%20top`, shellSpec(name, "echo fresh"));
    expect(fresh.status).toBe(200);
    expect(fresh.body.version).toBe(cur + 1);
  });

  it("saves YAML and refuses an invalid new version without writing it", async () => {
    const before = (await get(`/api/v1/pipelines/${id}`)).body.version as number;
    const bad = await call(
      "PUT",
      `/api/v1/pipelines/${id}`,
      yaml(`name: ${name}\nstages:\n  - name: s\n    tasks:\n      - name: t\n        template: shell\n`),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.errors).toContainEqual({ path: "stages[0].tasks[0].params.script", message: "required", line: 5 });
    expect((await get(`/api/v1/pipelines/${id}`)).body.version).toBe(before);
    const good = await call(
      "PUT",
      `/api/v1/pipelines/${id}`,
      yaml(
        `name: ${name}\nstages:\n  - name: s\n    tasks:\n      - name: t\n        template: shell\n        params: { script: "echo yaml" }\n`,
      ),
    );
    expect(good.status).toBe(200);
    expect(good.body.version).toBe(before + 1);
  });

  it("refuses renaming onto a taken name with 409", async () => {
    const other = uniqueName("api-other");
    await createPipeline(shellSpec(other, "true"));
    const r = await put(`/api/v1/pipelines/${id}`, shellSpec(other, "true"));
    expect(r.status).toBe(409);
  });
});

describe("starting and listing runs", () => {
  let id: string;
  beforeAll(async () => {
    id = await createPipeline({
      ...shellSpec(uniqueName("api-runs"), 'echo "$GREETING"'),
      params: [{ name: "GREETING", default: "hello" }],
    });
  });

  it("starts a run: 201 with id and status, pinned to the current version", async () => {
    const r = await post(`/api/v1/pipelines/${id}/runs`, { params: { GREETING: "hi" } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: expect.any(String), status: "queued" });
    const run = await get(`/api/v1/runs/${r.body.id}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ id: r.body.id, pipelineId: id, version: 1, params: { GREETING: "hi" } });
  });

  it("runs an older version when asked, and refuses one that doesn't exist", async () => {
    const spec = (await get(`/api/v1/pipelines/${id}`)).body.spec;
    await put(`/api/v1/pipelines/${id}`, spec);
    const r = await post(`/api/v1/pipelines/${id}/runs`, { version: 1 });
    expect(r.status).toBe(201);
    expect((await get(`/api/v1/runs/${r.body.id}`)).body.version).toBe(1);
    const missing = await post(`/api/v1/pipelines/${id}/runs`, { version: 42 });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.errors[0].path).toBe("version");
  });

  it("refuses undeclared params and unknown body fields with 422", async () => {
    const p = await post(`/api/v1/pipelines/${id}/runs`, { params: { NOPE: "x" } });
    expect(p.status).toBe(422);
    expect(p.body.error.details.errors[0].path).toBe("params.NOPE");
    const f = await post(`/api/v1/pipelines/${id}/runs`, { parameters: {} });
    expect(f.status).toBe(422);
    const m = await call("POST", `/api/v1/pipelines/${id}/runs`, { raw: "{params:" });
    expect(m.status).toBe(400);
  });

  it("lists the pipeline's runs newest first, paginated", async () => {
    const pid = await createPipeline(shellSpec(uniqueName("api-pages"), "true"));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await startRun(pid));
    const p1 = await get(`/api/v1/pipelines/${pid}/runs?perPage=2`);
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ total: 3, page: 1, perPage: 2 });
    expect(p1.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    expect(p1.body.items.map((r: { number: number }) => r.number)).toEqual([3, 2]);
    const p2 = await get(`/api/v1/pipelines/${pid}/runs?perPage=2&page=2`);
    expect(p2.body.items.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    expect((await get(`/api/v1/pipelines/${pid}/runs?perPage=500`)).status).toBe(400);
    expect((await get(`/api/v1/pipelines/${pid}/runs?page=0`)).status).toBe(400);
  });
});

describe("unknown ids", () => {
  it("answers 404 in the error format for every resource", async () => {
    const spec = shellSpec(uniqueName("api-404"), "true");
    const calls: [string, string, unknown?][] = [
      ["GET", `/api/v1/pipelines/${MISSING}`],
      ["PUT", `/api/v1/pipelines/${MISSING}`, spec],
      ["GET", `/api/v1/pipelines/${MISSING}/versions`],
      ["GET", `/api/v1/pipelines/${MISSING}/versions/1`],
      ["GET", `/api/v1/pipelines/${MISSING}/runs`],
      ["POST", `/api/v1/pipelines/${MISSING}/runs`, {}],
      ["GET", `/api/v1/runs/${MISSING}`],
      ["POST", `/api/v1/runs/${MISSING}/cancel`],
      ["GET", `/api/v1/runs/${MISSING}/events`],
      ["GET", `/api/v1/task-runs/${MISSING}/logs`],
      ["GET", `/api/v1/templates/${MISSING}`],
      ["GET", `/api/v1/no-such-endpoint`],
    ];
    for (const [method, path, body] of calls) {
      const r = await call(method, path, { body });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code, `${method} ${path}`).toBe("not_found");
    }
  });
});

describe("authentication", () => {
  const routes: [string, string][] = [
    ["GET", "/api/v1/templates"],
    ["GET", "/api/v1/templates/shell"],
    ["GET", "/api/v1/pipelines"],
    ["POST", "/api/v1/pipelines"],
    ["GET", `/api/v1/pipelines/${MISSING}`],
    ["PUT", `/api/v1/pipelines/${MISSING}`],
    ["GET", `/api/v1/pipelines/${MISSING}/versions`],
    ["GET", `/api/v1/pipelines/${MISSING}/versions/1`],
    ["GET", `/api/v1/pipelines/${MISSING}/runs`],
    ["POST", `/api/v1/pipelines/${MISSING}/runs`],
    ["GET", `/api/v1/runs/${MISSING}`],
    ["POST", `/api/v1/runs/${MISSING}/cancel`],
    ["GET", `/api/v1/runs/${MISSING}/events`],
    ["GET", `/api/v1/task-runs/${MISSING}/logs`],
    ["GET", "/api/v1/openapi.json"],
  ];

  it("answers 401 without a token, with a wrong token and with a malformed header", async () => {
    for (const [method, path] of routes) {
      const none = await call(method, path, { token: null, body: method === "GET" ? undefined : {} });
      expect(none.status, `${method} ${path} without a token`).toBe(401);
      expect(none.body.error.code).toBe("unauthorized");
      const wrong = await call(method, path, { token: "gtr_not_a_real_token", body: method === "GET" ? undefined : {} });
      expect(wrong.status, `${method} ${path} with a wrong token`).toBe(401);
    }
    const malformed = await call("GET", "/api/v1/pipelines", { token: null, headers: { authorization: "Basic YWRtaW46YWRtaW4=" } });
    expect(malformed.status).toBe(401);
  });

  it("writes nothing for an unauthenticated create", async () => {
    const name = uniqueName("api-anon");
    const r = await call("POST", "/api/v1/pipelines", { token: null, body: shellSpec(name, "true") });
    expect(r.status).toBe(401);
    expect((await get("/api/v1/pipelines")).body.items.some((p: { name: string }) => p.name === name)).toBe(false);
  });

  it("serves the probes without a token", async () => {
    const h = await call("GET", "/api/healthz", { token: null });
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: "ok" });
    const r = await call("GET", "/api/readyz", { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ready" });
  });
});

describe("OpenAPI document", () => {
  it("describes every method of every route file under app/api/v1, and is sound OpenAPI 3.1", async () => {
    const r = await get("/api/v1/openapi.json");
    expect(r.status).toBe(200);
    const paths = r.body.paths;
    const missing = v1Routes()
      .filter((route) => !paths[route.path]?.[route.method.toLowerCase()])
      .map((route) => `${route.method} ${route.path} (${route.file})`);
    expect(missing, `routes missing from the document:\n${missing.join("\n")}`).toEqual([]);
    expect(paths["/api/healthz"]?.get).toBeTruthy();
    expect(paths["/api/readyz"]?.get).toBeTruthy();
    expect(openApiProblems(r.body)).toEqual([]);
    const schemas = r.body.components.schemas;
    expect(schemas.PipelineSpec.properties.name.pattern).toBe("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    expect(Object.keys(schemas.Run.properties)).toEqual(
      expect.arrayContaining(["id", "pipelineId", "version", "status", "message", "startedAt", "finishedAt", "stages"]),
    );
  });
});
