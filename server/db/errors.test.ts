import { describe, expect, it } from "vitest";
import { isDuplicateKey, retryOnLockConflict } from "./errors";

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

describe("retryOnLockConflict", () => {
  const deadlock = Object.assign(new Error("Failed query: update runs"), { cause: { code: "ER_LOCK_DEADLOCK" } });

  it("runs a transaction again when the database rolled it back over a deadlock, and gives up after three", async () => {
    let calls = 0;
    await expect(retryOnLockConflict(async () => (++calls < 3 ? Promise.reject(deadlock) : "done"))).resolves.toBe("done");
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryOnLockConflict(async () => (++calls, Promise.reject(deadlock)))).rejects.toBe(deadlock);
    expect(calls).toBe(3);
  });

  it("never repeats a transaction that failed for another reason", async () => {
    let calls = 0;
    const other = new Error("you are not an approver");
    await expect(retryOnLockConflict(async () => (++calls, Promise.reject(other)))).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
