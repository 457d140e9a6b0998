import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./api-helpers";
import { createTestProject, type TestProject } from "./project-helpers";

/**
 * The project's `builds.privileged` setting over the REST API: off by default, changed by a
 * maintainer (not a developer), audited with the value before, and kept when an owner saves the
 * other settings without it.
 */

let p: TestProject;
beforeAll(async () => {
  p = await createTestProject("privbuilds");
});
afterAll(async () => {
  await p?.pool.end();
});

const settingsOf = async () => (await call("GET", `/api/v1/projects/${p.slug}`, { token: p.users.viewer.token })).body.settings;
const setBuilds = (token: string, privileged: boolean) => call("PUT", `/api/v1/projects/${p.slug}/builds`, { token, body: { privileged } });

describe("privileged builds setting", () => {
  it("is off by default, turned on by a maintainer, refused to a developer, and audited", async () => {
    expect((await settingsOf()).builds).toBeUndefined();
    const denied = await setBuilds(p.users.developer.token, true);
    expect(denied.status).toBe(403);
    const r = await setBuilds(p.users.maintainer.token, true);
    expect(r.status, r.text).toBe(200);
    expect(r.body.settings.builds).toEqual({ privileged: true });
    const trail = await call("GET", `/api/v1/projects/${p.slug}/audit?action=project.builds`, { token: p.users.owner.token });
    expect(trail.status, trail.text).toBe(200);
    expect(trail.body.items[0]).toMatchObject({
      actor: p.users.maintainer.username,
      action: "project.builds",
      details: { privileged: true, before: false },
    });
  });

  it("survives an owner's settings save that leaves it out, and is turned off again", async () => {
    await setBuilds(p.users.maintainer.token, true);
    const saved = await call("PATCH", `/api/v1/projects/${p.slug}`, {
      token: p.users.owner.token,
      body: { settings: { quota: { pods: 10 } } },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(await settingsOf()).toEqual({ quota: { pods: 10 }, builds: { privileged: true } });
    expect((await setBuilds(p.users.maintainer.token, false)).status).toBe(200);
    expect(await settingsOf()).toEqual({ quota: { pods: 10 } });
  });

  it("says what is wrong with a bad body", async () => {
    const r = await call("PUT", `/api/v1/projects/${p.slug}/builds`, { token: p.users.owner.token, body: { privileged: "yes" } });
    expect(r.status).toBe(422);
    expect(r.text).toContain("privileged");
  });
});
