import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { Actor, ProjectAccess } from "../authz/authz";
import type { Db } from "../db/client";
import { defineOperation, invoke, type Locator } from "./define";

/** The adapter core: the declared check runs before the operation, and the declared audit record after it. */

const person = (over: Partial<Actor> = {}): Actor =>
  ({ id: "u1", username: "alice", name: "Alice", role: "user", scope: "admin", via: "session", address: "192.0.2.1", ...over }) as Actor;

/** Records audit inserts; nothing else of the database is touched by these operations. */
function fakeDb() {
  const inserted: Record<string, unknown>[] = [];
  const db = { insert: () => ({ values: async (v: Record<string, unknown>) => void inserted.push(v) }) } as unknown as Db;
  return { db, inserted };
}

const access: ProjectAccess = { projectId: "p1", projectSlug: "team", role: "developer" };

describe("invoke", () => {
  it("refuses a caller who is not a site administrator before the operation runs", async () => {
    const run = vi.fn(async () => "done");
    const op = defineOperation({
      name: "user.list",
      summary: "s",
      method: "GET",
      path: "/x",
      tags: [],
      authorize: { siteAdmin: "list users" },
      run,
    });
    const { db } = fakeDb();
    await expect(invoke(op, db, person(), {})).rejects.toMatchObject({
      code: "forbidden",
      message: "only site administrators may list users",
    });
    expect(run).not.toHaveBeenCalled();
    await expect(invoke(op, db, person({ role: "admin" }), {})).resolves.toBe("done");
  });

  it("checks a token's scope when the operation has no project", async () => {
    const run = vi.fn(async () => "ok");
    const op = defineOperation({
      name: "t",
      summary: "s",
      method: "POST",
      path: "/x",
      tags: [],
      authorize: { permission: "run.start" },
      run,
    });
    const { db } = fakeDb();
    await expect(invoke(op, db, person({ via: "token", scope: "read" }), {})).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringContaining("it needs 'run'"),
    });
    expect(run).not.toHaveBeenCalled();
  });

  it("gives the operation the project its locator found, and audits in that project", async () => {
    const locate = vi.fn<Locator<{ id: string }>>(async () => access);
    const op = defineOperation({
      name: "run.cancel",
      summary: "s",
      method: "POST",
      path: "/x/{id}",
      tags: [],
      params: z.object({ id: z.string() }),
      authorize: { permission: "run.cancel", project: locate },
      run: async (ctx, i) => ({ id: i.id, project: ctx.access?.projectSlug }),
      audit: (i) => ({ action: "run.cancel", targetType: "run", targetId: i.id }),
    });
    const { db, inserted } = fakeDb();
    expect(await invoke(op, db, person(), { id: "r1" })).toEqual({ id: "r1", project: "team" });
    expect(locate).toHaveBeenCalledWith(db, expect.objectContaining({ username: "alice" }), "run.cancel", { id: "r1" });
    expect(inserted).toEqual([
      expect.objectContaining({ action: "run.cancel", targetId: "r1", projectId: "p1", actorName: "alice", address: "192.0.2.1" }),
    ]);
  });

  it("gives an operation whose locator always finds a project that project, and says so when one reads a project it has none of", async () => {
    const { db } = fakeDb();
    const located = defineOperation({
      name: "member.list",
      summary: "s",
      method: "GET",
      path: "/x/{project}",
      tags: [],
      params: z.object({ project: z.string() }),
      authorize: { permission: "project.view", project: async () => access },
      run: async ({ project }) => project.projectSlug,
    });
    expect(await invoke(located, db, person(), { project: "team" })).toBe("team");
    const unlocated = defineOperation({
      name: "token.list",
      summary: "s",
      method: "GET",
      path: "/x",
      tags: [],
      authorize: "authenticated",
      run: async ({ project }) => project.projectId,
    });
    await expect(invoke(unlocated, db, person(), {})).rejects.toThrow(
      "operation token.list read its project, but its authorize finds none",
    );
  });

  it("writes no record when the operation fails or its audit says there is nothing to record", async () => {
    const { db, inserted } = fakeDb();
    const failing = defineOperation({
      name: "f",
      summary: "s",
      method: "POST",
      path: "/x",
      tags: [],
      authorize: "authenticated",
      run: async () => {
        throw new Error("boom");
      },
      audit: () => ({ action: "x.y", targetType: "run" }),
    });
    await expect(invoke(failing, db, person(), {})).rejects.toThrow("boom");
    const quiet = defineOperation({
      name: "q",
      summary: "s",
      method: "POST",
      path: "/x",
      tags: [],
      authorize: "authenticated",
      run: async () => 1,
      audit: () => null,
    });
    await invoke(quiet, db, person(), {});
    expect(inserted).toEqual([]);
  });
});
