import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS, MIN_ROLE, type Action } from "@/lib/permissions";
import { ROLES, atLeast, type Role } from "@/lib/projects";
import { call, shellSpec, uniqueName, type ApiResponse } from "./api-helpers";
import { createTestProject, createUserWithToken, type TestProject } from "./project-helpers";
import { createGatePipeline, decide, startGatedRun } from "./approval-helpers";

/**
 * Walks the whole permission matrix (lib/permissions.ts) over the REST API: for every action and
 * every role (and a user outside the project), one real call that needs exactly that action.
 * Allowed → 2xx; a member without the role → 403; an outsider → 404 (the project's contents do
 * not leak).
 */

let p: TestProject;
let pipelineId: string;
let gatePipelineId: string;

beforeAll(async () => {
  p = await createTestProject("matrix");
  const r = await call("POST", `/api/v1/pipelines?project=${p.slug}`, { body: shellSpec(uniqueName("matrix"), "sleep 30") });
  expect(r.status).toBe(201);
  pipelineId = r.body.id;
  gatePipelineId = await createGatePipeline(p.slug, uniqueName("matrix-gate"), { approvers: ["role:developer"] });
});
afterAll(async () => {
  await p?.pool.end();
});

const template = (name: string) => ({
  name,
  title: "Matrix test",
  description: "a template made by the permission matrix test",
  category: "test",
  icon: "box",
  image: "alpine:3",
  command: ["sh", "-c", "true"],
  paramsSchema: { type: "object", properties: {} },
});

/** One call per action; each may first set up what it needs as the site admin (default token). */
const PROBES: Partial<Record<Action, (token: string) => Promise<ApiResponse>>> = {
  "project.view": (t) => call("GET", `/api/v1/pipelines/${pipelineId}`, { token: t }),
  "pipeline.edit": (t) => call("PUT", `/api/v1/pipelines/${pipelineId}`, { token: t, body: shellSpec(`matrix-edit`, "sleep 30") }),
  "run.start": (t) => call("POST", `/api/v1/pipelines/${pipelineId}/runs`, { token: t, body: {} }),
  // A fresh waiting gate each time, whose approvers are `role:developer`: approving it needs that role.
  "run.approve": async (t) => {
    const { gateId } = await startGatedRun(gatePipelineId);
    return decide(gateId, t, "approve");
  },
  "run.cancel": async (t) => {
    const run = await call("POST", `/api/v1/pipelines/${pipelineId}/runs`, { body: {} });
    return call("POST", `/api/v1/runs/${run.body.id}/cancel`, { token: t });
  },
  "template.manage": (t) => call("POST", `/api/v1/templates?project=${p.slug}`, { token: t, body: template(uniqueName("matrix-tpl")) }),
  "audit.view": (t) => call("GET", `/api/v1/projects/${p.slug}/audit`, { token: t }),
  "builds.manage": (t) => call("PUT", `/api/v1/projects/${p.slug}/builds`, { token: t, body: { privileged: false } }),
  "member.manage": async (t) => {
    const u = await createUserWithToken(p.db, uniqueName("newbie"));
    return call("PUT", `/api/v1/projects/${p.slug}/members/${u.username}`, { token: t, body: { role: "viewer" } });
  },
  "project.manage": (t) => call("PATCH", `/api/v1/projects/${p.slug}`, { token: t, body: { description: `changed ${Date.now()}` } }),
  "secret.manage": (t) => call("PUT", `/api/v1/projects/${p.slug}/secrets/MATRIX_SECRET`, { token: t, body: { value: "s3cret-value" } }),
};

describe("the permission matrix over the REST API", () => {
  for (const action of ACTIONS.filter((a) => PROBES[a])) {
    for (const who of [...ROLES, "outsider"] as const) {
      const allowed = who !== "outsider" && atLeast(who as Role, MIN_ROLE[action]);
      it(`${action}: ${who} → ${allowed ? "allowed" : who === "outsider" ? "404" : "403"}`, async () => {
        const r = await PROBES[action]!(p.users[who].token);
        if (allowed) expect(r.status, r.text).toBeLessThan(300);
        else {
          expect(r.status, r.text).toBe(who === "outsider" ? 404 : 403);
          expect(r.body.error.message.length).toBeGreaterThan(10);
        }
      });
    }
  }

  it("says which role is missing", async () => {
    const r = await PROBES["pipeline.edit"]!(p.users.viewer.token);
    expect(r.body.error.message).toMatch(/role 'viewer'.*needs 'developer'/);
  });

  it("lists only the projects and pipelines a user belongs to", async () => {
    const mine = await call("GET", "/api/v1/projects", { token: p.users.viewer.token });
    expect(mine.body.items.map((x: { slug: string }) => x.slug)).toEqual([p.slug]);
    expect(mine.body.items[0].role).toBe("viewer");
    const outsider = await call("GET", "/api/v1/pipelines", { token: p.users.outsider.token });
    expect(outsider.body.items.find((x: { id: string }) => x.id === pipelineId)).toBeUndefined();
    const viewer = await call("GET", "/api/v1/pipelines", { token: p.users.viewer.token });
    expect(viewer.body.items.map((x: { id: string }) => x.id)).toContain(pipelineId);
  });

  it("keeps the last owner", async () => {
    const r = await call("PUT", `/api/v1/projects/${p.slug}/members/${p.users.owner.username}`, { body: { role: "viewer" } });
    // The site admin who created the project is an owner too, so this one may step down…
    expect(r.status).toBe(200);
    await call("PUT", `/api/v1/projects/${p.slug}/members/${p.users.owner.username}`, { body: { role: "owner" } });
    // …but a project whose only owner leaves would be unmanageable.
    const solo = await call("POST", "/api/v1/projects", { token: p.users.owner.token, body: { slug: uniqueName("solo"), name: "Solo" } });
    expect(solo.status).toBe(201);
    const leave = await call("DELETE", `/api/v1/projects/${solo.body.slug}/members/${p.users.owner.username}`, {
      token: p.users.owner.token,
    });
    expect(leave.status).toBe(409);
    expect(leave.body.error.message).toMatch(/last owner/);
  });

  it("bounds a member's token by its scope", async () => {
    const readOnlyOwner = await createUserWithToken(p.db, uniqueName("ro-owner"), "read");
    await call("PUT", `/api/v1/projects/${p.slug}/members/${readOnlyOwner.username}`, { body: { role: "owner" } });
    expect((await PROBES["project.view"]!(readOnlyOwner.token)).status).toBe(200);
    const r = await PROBES["run.start"]!(readOnlyOwner.token);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/scope 'read'/);
  });

  it("records changes in the audit trail with who, what and from where", async () => {
    const r = await call("GET", `/api/v1/projects/${p.slug}/audit?action=member`, { token: p.users.owner.token });
    expect(r.status).toBe(200);
    const add = r.body.items.find(
      (e: { action: string; target: { name: string } }) => e.action === "member.add" && e.target.name === p.users.viewer.username,
    );
    expect(add).toMatchObject({ actor: "admin", project: p.slug, details: { role: "viewer" } });
    expect(add.address).toBeTruthy();
    const runs = await call("GET", `/api/v1/projects/${p.slug}/audit?action=run.start`, { token: p.users.owner.token });
    expect(runs.body.items.length).toBeGreaterThan(0);
  });
});
