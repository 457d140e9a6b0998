import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadKeyring } from "../secrets/crypto";
import { issueUploadToken, verifyUploadToken } from "./token";

const key = () => randomBytes(32).toString("base64");

describe("artifact upload tokens", () => {
  const kr = loadKeyring({ GANTRY_SECRET_KEY: key() });
  const grant = { taskRunId: "0b6f9d1e-5a8c-4c1e-9f2a-3d4b5c6d7e8f", expiresAt: 2_000_000_000 };

  it("carries the task run it was issued for until it expires", () => {
    const t = issueUploadToken(kr, grant);
    expect(verifyUploadToken(kr, t, 1_999_999_999)).toEqual(grant);
    expect(verifyUploadToken(kr, t, 2_000_000_000)).toBeNull();
  });

  it("is refused when any part is changed or it was signed under another key", () => {
    const t = issueUploadToken(kr, grant);
    const other = grant.taskRunId.replace(/^0/, "1");
    expect(verifyUploadToken(kr, t.replace(grant.taskRunId, other), 0)).toBeNull();
    expect(verifyUploadToken(kr, t.replace("2000000000", "2000000001"), 0)).toBeNull();
    expect(verifyUploadToken(loadKeyring({ GANTRY_SECRET_KEY: key() }), t, 0)).toBeNull();
    expect(verifyUploadToken(kr, "gat1.x.1.abc", 0)).toBeNull();
    expect(verifyUploadToken(kr, "", 0)).toBeNull();
  });

  it("still holds while the key that signed it is being rotated out", () => {
    const old = key();
    const t = issueUploadToken(loadKeyring({ GANTRY_SECRET_KEY: old }), grant);
    expect(verifyUploadToken(loadKeyring({ GANTRY_SECRET_KEY: key(), GANTRY_SECRET_KEYS_PREVIOUS: old }), t, 0)).toEqual(grant);
  });
});
