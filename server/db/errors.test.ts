import { describe, expect, it } from "vitest";
import { isDuplicateKey } from "./errors";

describe("isDuplicateKey", () => {
  it("finds mysql2's ER_DUP_ENTRY inside Drizzle's wrapper", () => {
    const mysql = Object.assign(new Error("Duplicate entry 'alice' for key 'users_username'"), { code: "ER_DUP_ENTRY" });
    expect(isDuplicateKey(mysql)).toBe(true);
    expect(isDuplicateKey(new Error("Failed query: insert into `users` …", { cause: mysql }))).toBe(true);
  });
  it("is false for other errors", () => {
    expect(isDuplicateKey(new Error("Failed query", { cause: Object.assign(new Error("gone"), { code: "ECONNRESET" }) }))).toBe(false);
    expect(isDuplicateKey(undefined)).toBe(false);
  });
});
