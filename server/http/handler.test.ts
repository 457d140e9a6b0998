import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { api, errorResponse } from "./handler";

/** The one error mapper behind every REST route: each failure gets its status and JSON body. */
describe("errorResponse", () => {
  it("maps typed errors to their status with code, message and details", async () => {
    const r = errorResponse(new AppError("conflict", "name taken", { currentVersion: 2 }));
    expect(r.status).toBe(409);
    expect(await r.json()).toEqual({ error: { code: "conflict", message: "name taken", details: { currentVersion: 2 } } });
  });

  it("turns zod errors into 422 with field paths", async () => {
    const e = z.strictObject({ version: z.number() }).safeParse({ version: "x", extra: 1 }).error!;
    const r = errorResponse(e);
    expect(r.status).toBe(422);
    const body = await r.json();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.errors.map((x: { path: string }) => x.path)).toEqual(expect.arrayContaining(["version"]));
  });

  it("answers 503 with Retry-After when the database is unreachable", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3306"), { code: "ECONNREFUSED" });
    const wrapped = new Error("Failed query: select …", { cause: down });
    const r = errorResponse(wrapped);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("2");
    expect((await r.json()).error.code).toBe("unavailable");
  });

  it("hides unexpected errors behind an opaque 500", async () => {
    const r = await api(async () => {
      throw new Error("secret internals");
    })(new Request("http://x/api/v1/boom"), { params: Promise.resolve({}) });
    expect(r.status).toBe(500);
    expect(JSON.stringify(await r.json())).not.toContain("secret internals");
  });
});
