import { describe, expect, it } from "vitest";
import { usernameBase } from "./sso";

const id = (o: object) => ({ provider: "oidc", providerAccountId: "1", emailVerified: true, ...o });

describe("usernameBase", () => {
  it("prefers the provider's user name, then the email's local part, then the name", () => {
    expect(usernameBase(id({ username: "Alice.Smith", email: "x@y.z" }))).toBe("alice.smith");
    expect(usernameBase(id({ email: "Bob+ci@example.com" }))).toBe("bob-ci");
    expect(usernameBase(id({ name: "Carol Jones" }))).toBe("carol-jones");
  });
  it("always gives a valid Gantry user name", () => {
    for (const u of ["_x", "--", "é", "a", "UPPER_case!!", "x".repeat(100)]) {
      const n = usernameBase(id({ username: u }));
      expect(n).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
      expect(n.length).toBeGreaterThanOrEqual(2);
      expect(n.length).toBeLessThanOrEqual(64);
    }
  });
});
