import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { call, createPipeline, get, post, put, startRun, uniqueName, waitForRun } from "./api-helpers";

/** Template CRUD over REST: validation of the definition and its params schema, protection of built-ins and of templates in use. */

function echoTemplate(name: string, word: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    title: `Echo ${word}`,
    category: "test",
    icon: "megaphone",
    image: "debian:bookworm-slim",
    command: ["bash", "-c", `echo "${word}: $0"`, "{{params.msg}}"],
    paramsSchema: {
      type: "object",
      required: ["msg"],
      additionalProperties: false,
      properties: { msg: { type: "string", title: "Message", minLength: 1 } },
    },
    example: { name: "say", template: name, params: { msg: "hello" } },
    local: { supported: true, requires: ["bash"] },
    ...extra,
  };
}

const del = (path: string) => call("DELETE", path);

async function logOf(runId: string): Promise<string> {
  const run = await waitForRun(runId);
  expect(run.status, `run ${runId}: ${JSON.stringify(run)}`).toBe("succeeded");
  const r = await get(`/api/v1/task-runs/${run.stages[0].tasks[0].id}/logs`, { headers: { accept: "text/plain" } });
  return r.text;
}

describe("template CRUD", () => {
  it("adds a template from YAML, lists it in the catalog and serves its versions", async () => {
    const name = uniqueName("tpl-yaml");
    const r = await call("POST", "/api/v1/templates", { raw: stringify(echoTemplate(name, "v1")), contentType: "application/yaml" });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toEqual({ name, version: 1, project: "default" });
    expect(r.headers.get("location")).toBe(`/api/v1/templates/${name}`);

    const list = await get("/api/v1/templates");
    const t = list.body.items.find((x: { name: string }) => x.name === name);
    expect(t).toMatchObject({ name, version: 1, builtin: false, deprecated: false, category: "test" });

    const versions = await get(`/api/v1/templates/${name}/versions`);
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    const v1 = await get(`/api/v1/templates/${name}/versions/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.command[2]).toContain("v1");
    expect((await get(`/api/v1/templates/${name}/versions/9`)).status).toBe(404);
  });

  it("refuses a duplicate name with 409 and tells how to add a version", async () => {
    const name = uniqueName("tpl-dup");
    expect((await post("/api/v1/templates", echoTemplate(name, "a"))).status).toBe(201);
    const again = await post("/api/v1/templates", echoTemplate(name, "b"));
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(`PUT /api/v1/templates/${name}`);
  });

  it("rejects a params schema that is not a JSON Schema with 422 at the wrong keyword, with its YAML line", async () => {
    const name = uniqueName("tpl-bad");
    const def = echoTemplate(name, "x", { paramsSchema: { type: "object", properties: { msg: { type: "strnig" } } } });
    const yaml = stringify(def);
    const r = await call("POST", "/api/v1/templates", { raw: yaml, contentType: "application/yaml" });
    expect(r.status, r.text).toBe(422);
    expect(r.body.error.details.errors).toEqual([
      {
        path: "paramsSchema.properties.msg.type",
        message: expect.stringMatching(/^not a valid JSON Schema: must be equal to one of the allowed values \(.*"string"/),
        line: yaml.split("\n").findIndex((l) => l.includes("strnig")) + 1,
      },
    ]);
    expect((await get(`/api/v1/templates/${name}`)).status).toBe(404);
  });

  it("rejects shape errors and an example that breaks the schema, each with its path", async () => {
    const r = await post("/api/v1/templates", { ...echoTemplate("Bad_Name", "x"), command: [] });
    expect(r.status).toBe(422);
    const paths = r.body.error.details.errors.map((x: { path: string }) => x.path);
    expect(paths).toEqual(expect.arrayContaining(["name", "command"]));

    const name = uniqueName("tpl-ex");
    const r2 = await post("/api/v1/templates", echoTemplate(name, "x", { example: { name: "say", template: name, params: { msg: "" } } }));
    expect(r2.status).toBe(422);
    expect(r2.body.error.details.errors).toEqual([expect.objectContaining({ path: "example.params.msg" })]);

    const r3 = await post("/api/v1/templates", echoTemplate(name, "x", { local: { supported: false } }));
    expect(r3.status).toBe(422);
    expect(r3.body.error.details.errors[0].path).toBe("local.reason");
  });

  it("adds a version with PUT; an identical body changes nothing; the name in the body must match", async () => {
    const name = uniqueName("tpl-put");
    await post("/api/v1/templates", echoTemplate(name, "v1"));
    const r = await put(`/api/v1/templates/${name}`, echoTemplate(name, "v2"));
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({ name, version: 2, changed: true });
    expect((await put(`/api/v1/templates/${name}`, echoTemplate(name, "v2"))).body).toEqual({ name, version: 2, changed: false });
    const wrong = await put(`/api/v1/templates/${name}`, echoTemplate(`${name}-other`, "v3"));
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details.errors[0].path).toBe("name");
    expect((await put("/api/v1/templates/no-such-template-here", echoTemplate("no-such-template-here", "v1"))).status).toBe(404);
  });

  it("protects built-in templates from edits, deprecation and deletion", async () => {
    const edit = await put("/api/v1/templates/shell", echoTemplate("shell", "mine"));
    expect(edit.status).toBe(403);
    expect(edit.body.error.message).toMatch(/built-in/);
    expect((await post("/api/v1/templates/shell/deprecate")).status).toBe(403);
    expect((await del("/api/v1/templates/shell")).status).toBe(403);
    const shadow = await post("/api/v1/templates", echoTemplate("git-clone", "mine"));
    expect(shadow.status).toBe(409);
    expect(shadow.body.error.message).toMatch(/built-in/);
  });

  it("refuses to delete a template a pipeline uses (409, naming the pipeline), allows deprecation, deletes an unused one", async () => {
    const used = uniqueName("tpl-used");
    await post("/api/v1/templates", echoTemplate(used, "x"));
    const pname = uniqueName("uses-tpl");
    await createPipeline({ name: pname, stages: [{ name: "s", tasks: [{ name: "t", template: used, params: { msg: "m" } }] }] });

    const r = await del(`/api/v1/templates/${used}`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain(pname);
    expect(r.body.error.message).toMatch(/deprecate/i);
    expect(r.body.error.details.pipelines[0]).toMatchObject({ name: pname, versions: [1] });

    const dep = await post(`/api/v1/templates/${used}/deprecate`);
    expect(dep.body).toEqual({ name: used, deprecated: true });
    expect((await get(`/api/v1/templates/${used}`)).body.deprecated).toBe(true);

    const unused = uniqueName("tpl-unused");
    await post("/api/v1/templates", echoTemplate(unused, "x"));
    expect((await del(`/api/v1/templates/${unused}`)).status).toBe(204);
    expect((await get(`/api/v1/templates/${unused}`)).status).toBe(404);
  });

  it("keeps a deprecated template in the pipelines that use it but refuses it in new ones", async () => {
    const name = uniqueName("tpl-dep");
    await post("/api/v1/templates", echoTemplate(name, "x"));
    const spec = (p: string) => ({ name: p, stages: [{ name: "s", tasks: [{ name: "t", template: name, params: { msg: "m" } }] }] });
    const pname = uniqueName("keeps-dep");
    const id = await createPipeline(spec(pname));
    await post(`/api/v1/templates/${name}/deprecate`);

    const resave = await put(`/api/v1/pipelines/${id}`, { ...spec(pname), description: "still fine" });
    expect(resave.status, resave.text).toBe(200);
    const fresh = await post("/api/v1/pipelines", spec(uniqueName("new-dep")));
    expect(fresh.status).toBe(422);
    expect(fresh.body.error.details.errors[0]).toMatchObject({
      path: "stages[0].tasks[0].template",
      message: expect.stringMatching(/deprecated/),
    });

    await call("DELETE", `/api/v1/templates/${name}/deprecate`);
    expect((await post("/api/v1/pipelines", spec(uniqueName("new-undep")))).status).toBe(201);
  });

  it("accepts an approval gate on the local executor, but not a quorum its named approvers cannot reach", async () => {
    const gate = (params: Record<string, unknown>) => ({
      name: uniqueName("approve"),
      stages: [{ name: "gate", tasks: [{ name: "ok", template: "manual-approval", params }] }],
    });
    expect((await post("/api/v1/pipelines", gate({ approvers: ["admin"] }))).status).toBe(201);
    const r = await post("/api/v1/pipelines", gate({ approvers: ["admin"], requiredApprovals: 2 }));
    expect(r.status).toBe(422);
    expect(r.body.error.details.errors[0]).toMatchObject({
      path: "stages[0].tasks[0].params.requiredApprovals",
      message: expect.stringMatching(/names only 1 approver/),
    });
    const bad = await post("/api/v1/pipelines", gate({ approvers: ["role:viewer"] }));
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.errors[0].path).toBe("stages[0].tasks[0].params.approvers[0]");
  });

  it("needs an admin token to change the catalog", async () => {
    const r = await post("/api/v1/templates", echoTemplate(uniqueName("tpl-anon"), "x"), { token: null });
    expect(r.status).toBe(401);
  });

  it("documents the template endpoints in OpenAPI", async () => {
    const doc = (await get("/api/v1/openapi.json")).body;
    expect(Object.keys(doc.paths["/api/v1/templates"])).toEqual(expect.arrayContaining(["get", "post"]));
    expect(Object.keys(doc.paths["/api/v1/templates/{name}"])).toEqual(expect.arrayContaining(["get", "put", "delete"]));
    expect(doc.paths["/api/v1/templates/{name}/deprecate"].post).toBeDefined();
    expect(doc.paths["/api/v1/templates/{name}/versions/{n}"].get).toBeDefined();
  });
});

describe("template version pinning", () => {
  it("runs the template version the pipeline was saved with until it is upgraded", async () => {
    const name = uniqueName("tpl-pin");
    await post("/api/v1/templates", echoTemplate(name, "first"));
    const id = await createPipeline({
      name: uniqueName("pinned"),
      stages: [{ name: "s", tasks: [{ name: "t", template: name, params: { msg: "hi" } }] }],
    });
    expect((await get(`/api/v1/pipelines/${id}`)).body.templates).toEqual({ [name]: 1 });

    await put(`/api/v1/templates/${name}`, echoTemplate(name, "second"));
    expect(await logOf(await startRun(id))).toContain("first: hi");

    // Saving again keeps the pin.
    const saved = await put(`/api/v1/pipelines/${id}`, {
      name: (await get(`/api/v1/pipelines/${id}`)).body.name,
      description: "d",
      stages: [{ name: "s", tasks: [{ name: "t", template: name, params: { msg: "hi" } }] }],
    });
    expect(saved.body.version).toBe(2);
    expect((await get(`/api/v1/pipelines/${id}/versions/2`)).body.templates).toEqual({ [name]: 1 });

    const up = await post(`/api/v1/pipelines/${id}/upgrade-templates`);
    expect(up.status, up.text).toBe(200);
    expect(up.body).toEqual({ version: 3, upgraded: [{ name, pinned: 1, latest: 2 }] });
    const v3 = (await get(`/api/v1/pipelines/${id}/versions/3`)).body;
    expect(v3.templates).toEqual({ [name]: 2 });
    expect(v3.message).toBe(`upgraded templates: ${name} 1 → 2`);
    expect(await logOf(await startRun(id))).toContain("second: hi");
    // An older version still runs with its own pin.
    expect(await logOf(await startRun(id, { version: 1 }))).toContain("first: hi");

    const again = await post(`/api/v1/pipelines/${id}/upgrade-templates`);
    expect(again.body).toEqual({ version: 3, upgraded: [] });
  }, 60_000);

  it("refuses an upgrade the newer template rejects, saving nothing", async () => {
    const name = uniqueName("tpl-break");
    await post("/api/v1/templates", echoTemplate(name, "v1"));
    const id = await createPipeline({
      name: uniqueName("breaks"),
      stages: [{ name: "s", tasks: [{ name: "t", template: name, params: { msg: "hi" } }] }],
    });
    const v2 = echoTemplate(name, "v2", {
      command: ["bash", "-c", 'echo "v2: $0"', "{{params.text}}"],
      paramsSchema: { type: "object", required: ["text"], additionalProperties: false, properties: { text: { type: "string" } } },
      example: { name: "say", template: name, params: { text: "x" } },
    });
    expect((await put(`/api/v1/templates/${name}`, v2)).status).toBe(200);
    const up = await post(`/api/v1/pipelines/${id}/upgrade-templates`);
    expect(up.status).toBe(422);
    expect(up.body.error.message).toMatch(/latest template versions/);
    expect(up.body.error.details.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["stages[0].tasks[0].params.text"]),
    );
    expect((await get(`/api/v1/pipelines/${id}`)).body.version).toBe(1);
  });
});

describe("built-in build templates run locally", () => {
  it("builds and tests a Go module and a Node.js project with the local toolchains", async () => {
    const prepare = [
      "mkdir -p src web",
      "printf 'module example.com/hello\\n\\ngo 1.21\\n' > src/go.mod",
      'printf \'package main\\n\\nimport "fmt"\\n\\nfunc Greeting() string { return "hello" }\\n\\nfunc main() { fmt.Println(Greeting()) }\\n\' > src/main.go',
      'printf \'package main\\n\\nimport "testing"\\n\\nfunc TestGreeting(t *testing.T) {\\n\\tif Greeting() != "hello" {\\n\\t\\tt.Fatal("wrong greeting")\\n\\t}\\n}\\n\' > src/main_test.go',
      `cat > web/package.json <<'JSON'\n{"name":"web","version":"1.0.0","private":true,"scripts":{"build":"node -e \\"console.log('web built')\\"","test":"node -e \\"console.log('web tests ok')\\""}}\nJSON`,
    ].join("\n");
    const id = await createPipeline({
      name: uniqueName("local-builds"),
      stages: [
        { name: "prepare", tasks: [{ name: "sources", template: "shell", params: { script: prepare } }] },
        {
          name: "build",
          mode: "parallel",
          tasks: [
            { name: "go", template: "go-build", params: { dir: "src", testFlags: "-count=1" } },
            { name: "node", template: "node-build", params: { dir: "web", scripts: "build test" } },
          ],
        },
      ],
    });
    const run = await waitForRun(await startRun(id), 120_000);
    const log = async (task: string) => {
      const t = run.stages[1].tasks.find((x: { name: string }) => x.name === task);
      return (await get(`/api/v1/task-runs/${t.id}/logs`, { headers: { accept: "text/plain" } })).text;
    };
    expect(run.status, `${JSON.stringify(run.stages)}\n${await log("go")}\n${await log("node")}`).toBe("succeeded");
    expect(await log("go")).toMatch(/ok\s+example\.com\/hello/);
    expect(await log("node")).toContain("web tests ok");
  }, 150_000);
});

describe("a template's references", () => {
  it("are checked on save: an unknown param, or a secret param outside env, is refused at its field", async () => {
    const unknown = echoTemplate(uniqueName("tpl-refs"), "v1", { command: ["bash", "-c", 'echo "$0"', "{{ params.nope }}"] });
    const r = await post("/api/v1/templates", unknown);
    expect(r.status).toBe(422);
    expect(r.body.error.details.errors).toEqual([
      { path: "command[3]", message: expect.stringContaining("the template has no param 'nope' (its params: msg)") },
    ]);
  });
});
