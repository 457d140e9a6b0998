import { describe, expect, it } from "vitest";
import { lockedError, signInErrorMessage } from "./login-errors";

describe("sign-in error messages", () => {
  it("tells a locked user how many minutes to wait, rounded up", () => {
    const now = Date.now();
    expect(lockedError(new Date(now + 14 * 60_000 + 1), now)).toBe("locked:15");
    expect(signInErrorMessage("locked:15")).toBe("Too many failed sign-ins; try again in 15 minutes.");
    expect(signInErrorMessage(lockedError(new Date(now + 1000), now))).toBe("Too many failed sign-ins; try again in 1 minute.");
  });
  it("maps next-auth's codes and passes SSO refusals through", () => {
    expect(signInErrorMessage("CredentialsSignin")).toBe("Wrong username or password.");
    expect(signInErrorMessage("sso:No Gantry user matches this account.")).toBe("No Gantry user matches this account.");
  });
});
