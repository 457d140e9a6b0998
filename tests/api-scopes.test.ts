import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pool } from "mysql2/promise";
import { createDb, type Db } from "@/server/db/client";
import { createToken, userForToken } from "@/server/auth/tokens";
import { call, createPipeline, shellSpec, testEnv, uniqueName } from "./api-helpers";

/** Token scopes over HTTP: read < run < admin; a token's scope bounds what it may do (403). */

let db: Db;
let pool: Pool;
const tokens: Record<"read" | "run" | "expired", string> = { read: "", run: "", expired: "" };
let pipelineId: string;

beforeAll(async () => {
  const { token } = testEnv();
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL must name the running stack's database; `npm test` sets it");
  ({ db, pool } = createDb(url));
  const admin = await userForToken(db, token);
  if (!admin) throw new Error("GANTRY_TEST_TOKEN is not a valid token in DATABASE_URL's database");
  tokens.read = await createToken(db, admin.id, "scopes-test-read", "read");
  tokens.run = await createToken(db, admin.id, "scopes-test-run", "run");
  tokens.expired = await createToken(db, admin.id, "scopes-test-expired", "admin", new Date(Date.now() - 60_000));
  pipelineId = await createPipeline(shellSpec(uniqueName("scopes"), "true"));
});
afterAll(async () => {
  await pool?.end();
});

describe("token scopes", () => {
  it("lets a read token look but not change anything", async () => {
    const t = tokens.read;
    expect((await call("GET", "/api/v1/pipelines", { token: t })).status).toBe(200);
    expect((await call("GET", `/api/v1/pipelines/${pipelineId}`, { token: t })).status).toBe(200);
    const create = await call("POST", "/api/v1/pipelines", { token: t, body: shellSpec(uniqueName("scopes-no"), "true") });
    expect(create.status).toBe(403);
    expect(create.body.error.code).toBe("forbidden");
    expect((await call("PUT", `/api/v1/pipelines/${pipelineId}`, { token: t, body: shellSpec("x", "true") })).status).toBe(403);
    expect((await call("POST", `/api/v1/pipelines/${pipelineId}/runs`, { token: t, body: {} })).status).toBe(403);
  });

  it("lets a run token start and cancel runs but not edit pipelines", async () => {
    const t = tokens.run;
    const run = await call("POST", `/api/v1/pipelines/${pipelineId}/runs`, { token: t, body: {} });
    expect(run.status).toBe(201);
    const cancel = await call("POST", `/api/v1/runs/${run.body.id}/cancel`, { token: t });
    expect([200, 409]).toContain(cancel.status); // 409 only if the run already finished
    expect((await call("PUT", `/api/v1/pipelines/${pipelineId}`, { token: t, body: shellSpec("x", "true") })).status).toBe(403);
  });

  it("refuses an expired token with 401", async () => {
    const r = await call("GET", "/api/v1/pipelines", { token: tokens.expired });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("unauthorized");
  });
});
