import { beforeEach, describe, expect, it, vi } from "vitest";
import { AppError, notFound } from "@/lib/errors";
import type { Actor, ProjectAccess } from "../authz/authz";
import type { Db } from "../db/client";

const requireProject = vi.fn<(db: Db, actor: Actor, slug: string, action: string) => Promise<ProjectAccess>>();
vi.mock("../authz/authz", () => ({ requireProject: (...a: Parameters<typeof requireProject>) => requireProject(...a) }));
const { byListScope } = await import("./list-scope");

/** Which project a list shows: `?project=` strictly, the project switcher's choice leniently. */

const db = {} as Db;
const actor = { id: "u1", username: "alice", role: "user", scope: "admin", via: "session", address: null } as Actor;
const team: ProjectAccess = { projectId: "p1", projectSlug: "team", role: "viewer" };

describe("byListScope", () => {
  beforeEach(() => requireProject.mockReset());

  it("lists every project the caller may see when neither `?project=` nor the switcher names one", async () => {
    expect(await byListScope(db, actor, "project.view", {})).toBeNull();
    expect(await byListScope(db, actor, "project.view", { switcher: null })).toBeNull();
    expect(requireProject).not.toHaveBeenCalled();
  });

  it("shows the switcher's project while the caller may see it", async () => {
    requireProject.mockResolvedValue(team);
    expect(await byListScope(db, actor, "project.view", { switcher: "team" })).toEqual(team);
    expect(requireProject).toHaveBeenCalledWith(db, actor, "team", "project.view");
  });

  it("falls back to all projects when the caller left the switcher's project or it is gone", async () => {
    requireProject.mockRejectedValueOnce(notFound("project", "gone"));
    expect(await byListScope(db, actor, "project.view", { switcher: "gone" })).toBeNull();
    requireProject.mockRejectedValueOnce(new AppError("forbidden", "no"));
    expect(await byListScope(db, actor, "project.view", { switcher: "team" })).toBeNull();
  });

  it("refuses a `?project=` the caller may not see, whatever the switcher says", async () => {
    requireProject.mockRejectedValueOnce(notFound("project", "other"));
    await expect(byListScope(db, actor, "project.view", { project: "other", switcher: "team" })).rejects.toMatchObject({
      code: "not_found",
    });
    expect(requireProject).toHaveBeenCalledTimes(1);
    expect(requireProject).toHaveBeenCalledWith(db, actor, "other", "project.view");
  });

  it("does not mistake a database failure for a project the caller left", async () => {
    requireProject.mockRejectedValueOnce(new Error("connection lost"));
    await expect(byListScope(db, actor, "project.view", { switcher: "team" })).rejects.toThrow("connection lost");
  });
});
